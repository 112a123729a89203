from django.urls import path

from onecouncil.frontdoor import views

app_name = "frontdoor"

urlpatterns = [
    path("", views.index, name="home"),
    path("services/", views.services, name="services"),
    path("services/<slug:code>/", views.service_start, name="service"),
    path("report/<slug:code>/questions/", views.report_questions, name="report_questions"),
    path("report/<slug:code>/location/", views.report_location, name="report_location"),
    path("report/<slug:code>/photos/", views.report_photos, name="report_photos"),
    path("report/<slug:code>/photos/<int:photo_id>/", views.draft_photo, name="draft_photo"),
    path("report/<slug:code>/contact/", views.report_contact, name="report_contact"),
    path("report/<slug:code>/check/", views.report_check, name="report_check"),
    path("report/done/<str:reference>/", views.report_done, name="report_done"),
    path("track/", views.track, name="track"),
    path("track/<str:reference>/", views.track_case, name="track_case"),
    path("track/<str:reference>/<str:token>/", views.track_private, name="track_private"),
    path("track/<str:reference>/<str:token>/reopen/", views.reopen, name="reopen"),
    path(
        "track/<str:reference>/<str:token>/photos/<int:photo_id>/",
        views.private_photo,
        name="private_photo",
    ),
]
