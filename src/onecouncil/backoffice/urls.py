from django.urls import path

from onecouncil.backoffice import map_views, two_factor_views, views

app_name = "backoffice"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.signin, name="signin"),
    path("two-factor/", two_factor_views.two_factor, name="two_factor"),
    path("sign-out/", views.signout, name="signout"),
    path("queue/", views.queue, name="queue"),
    path("queue/bulk/", views.bulk, name="bulk"),
    path("queue/export.csv", views.export_csv, name="export"),
    path("search/", views.search, name="search"),
    path("queue/map/", map_views.queue_map, name="queue_map"),
    path("mine/", map_views.mine, name="mine"),
    path("alerts/", map_views.ward_alerts, name="ward_alerts"),
    path("handled-elsewhere/", views.received, name="received"),
    path("handled-elsewhere/<str:reference>/", views.received_case, name="received_case"),
    path("new/", views.assisted_start, name="assisted"),
    path("new/<slug:code>/", views.assisted_report, name="assisted_report"),
    path("made/<str:reference>/", views.assisted_made, name="assisted_made"),
    path("audit/", views.audit, name="audit"),
    path("people/", views.people, name="people"),
    path("people/invite/", views.people_invite, name="people_invite"),
    path("welcome/<str:uidb64>/<str:token>/", views.welcome, name="welcome"),
    path("privacy/", views.privacy, name="privacy"),
    path("privacy/export/", views.privacy_export, name="privacy_export"),
    path("privacy/record/", views.privacy_record, name="privacy_record"),
    path("privacy/erase/", views.privacy_erase, name="privacy_erase"),
    path(
        "cases/<str:reference>/legal-hold/",
        views.case_legal_hold_view,
        name="case_legal_hold",
    ),
    path(
        "people/<int:user_id>/reset-two-factor/",
        views.people_reset_two_factor,
        name="people_reset_two_factor",
    ),
    path("residents/<int:account_id>/", views.resident, name="resident"),
    path("cases/<str:reference>/", views.case_view, name="case"),
    path("cases/<str:reference>/assign/", views.case_assign_view, name="case_assign"),
    path("cases/<str:reference>/status/", views.case_status_view, name="case_status"),
    path("cases/<str:reference>/update/", views.case_update_view, name="case_update"),
    path("cases/<str:reference>/note/", views.case_note_view, name="case_note"),
    path(
        "cases/<str:reference>/publish-description/",
        views.case_publish_description_view,
        name="case_publish_description",
    ),
    path("cases/<str:reference>/photos/", views.case_photo_add, name="case_photo_add"),
    path("cases/<str:reference>/send-again/", views.case_send_again_view, name="case_send_again"),
    path("cases/<str:reference>/take-back/", views.case_take_back_view, name="case_take_back"),
    path("cases/<str:reference>/photos/<int:photo_id>/", views.case_photo, name="case_photo"),
    path("cases/<str:reference>/duplicate/", views.case_duplicate_view, name="case_duplicate"),
]
