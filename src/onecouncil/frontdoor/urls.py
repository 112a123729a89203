from django.urls import path

from onecouncil.frontdoor import (
    account_views,
    feedback_views,
    map_views,
    near_views,
    opendata_views,
    performance_views,
    views,
)

app_name = "frontdoor"

urlpatterns = [
    path("", views.index, name="home"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("cookies/", views.cookies, name="cookies"),
    path("services/", views.services, name="services"),
    path("performance/", performance_views.performance, name="performance"),
    path("data/", opendata_views.data_home, name="open_data"),
    path(
        "data/catalogue.jsonld",
        opendata_views.catalogue,
        {"fmt": "jsonld"},
        name="open_data_catalogue_jsonld",
    ),
    path(
        "data/catalogue.ttl",
        opendata_views.catalogue,
        {"fmt": "ttl"},
        name="open_data_catalogue_ttl",
    ),
    path(
        "data/releases/<str:version>/<str:filename>",
        opendata_views.release_file,
        name="open_data_release_file",
    ),
    path("data/<slug:dataset_id>/", opendata_views.dataset_page, name="open_data_dataset"),
    path("data/<str:filename>", opendata_views.latest_file, name="open_data_file"),
    path("feedback/", feedback_views.page_feedback, name="page_feedback"),
    path("feedback/thanks/", feedback_views.page_feedback_thanks, name="page_feedback_thanks"),
    path("reports/", near_views.reports_near, name="reports_near"),
    path("reports/alerts/", near_views.alert_subscribe_view, name="alert_subscribe"),
    path("reports/feed/", near_views.reports_feed, name="reports_feed"),
    path("reports/alerts/asked/", near_views.alert_asked, name="alert_asked"),
    path("alerts/confirm/<str:token>/", near_views.alert_confirm_view, name="alert_confirm"),
    path("alerts/stop/<str:token>/", near_views.alert_stop_view, name="alert_stop"),
    path("map/layers.json", map_views.layers, name="map_layers"),
    path("map/nearest.json", map_views.nearest, name="map_nearest"),
    path("services/<slug:code>/", views.service_start, name="service"),
    path("report/<slug:code>/questions/", views.report_questions, name="report_questions"),
    path("report/<slug:code>/location/", views.report_location, name="report_location"),
    path("report/<slug:code>/nearby/", views.report_nearby, name="report_nearby"),
    path("report/<slug:code>/elsewhere/", views.report_elsewhere, name="report_elsewhere"),
    path("handoff/<str:token>/", views.handoff_arrive, name="handoff"),
    path("report/<slug:code>/photos/", views.report_photos, name="report_photos"),
    path("report/<slug:code>/photos/<int:photo_id>/", views.draft_photo, name="draft_photo"),
    path("report/<slug:code>/contact/", views.report_contact, name="report_contact"),
    path("report/<slug:code>/check/", views.report_check, name="report_check"),
    path("report/done/<str:reference>/", views.report_done, name="report_done"),
    path("track/", views.track, name="track"),
    path("track/<str:reference>/", views.track_case, name="track_case"),
    path("track/<str:reference>/follow/", account_views.follow, name="follow"),
    path("track/<str:reference>/unfollow/", account_views.stop_following, name="stop_following"),
    # The private link in the confirmation email: swapped for the session, then the
    # address below without the token (so it lingers in no history, log or Referer).
    path("track/<str:reference>/yours/", views.track_yours, name="track_yours"),
    path("track/<str:reference>/yours/reopen/", views.reopen, name="reopen"),
    path(
        "track/<str:reference>/yours/photos/<int:photo_id>/",
        views.private_photo,
        name="private_photo",
    ),
    # From the update that closed the request: rate how we dealt with it.
    path("track/<str:reference>/rate/<str:token>/", feedback_views.rate, name="rate"),
    path("track/<str:reference>/rated/", feedback_views.rated, name="rated"),
    path("track/<str:reference>/new-link/", views.track_new_link, name="track_new_link"),
    path("track/<str:reference>/photos/<int:photo_id>/", views.track_photo, name="track_photo"),
    path("track/<str:reference>/<str:token>/", views.track_private, name="track_private"),
]

urlpatterns += [
    path("account/", account_views.account_home, name="account"),
    path("account/sign-up/", account_views.sign_up, name="sign_up"),
    path("account/check-your-email/", account_views.check_email, name="check_email"),
    path("account/verify/<str:token>/", account_views.verify, name="verify"),
    path("account/sign-in/", account_views.sign_in_view, name="sign_in"),
    path("account/sign-in/<str:token>/", account_views.sign_in_link, name="sign_in_link"),
    path("account/sign-out/", account_views.sign_out_view, name="sign_out"),
    path(
        "account/sign-out-everywhere/",
        account_views.sign_out_everywhere,
        name="sign_out_everywhere",
    ),
    path("account/claim/", account_views.claim, name="claim"),
    path("account/profile/", account_views.profile, name="profile"),
    path("account/requests/<str:reference>/", views.account_request, name="account_request"),
    path(
        "account/requests/<str:reference>/photos/<int:photo_id>/",
        views.account_photo,
        name="account_photo",
    ),
    path("account/requests/<str:reference>/reopen/", views.account_reopen, name="account_reopen"),
    path("account/password/", account_views.password, name="password"),
    path("account/change/", account_views.change, name="change"),
    path("account/change/<int:report_id>/", account_views.change_done, name="change_done"),
    path("account/change-email/<str:token>/", account_views.change_email, name="change_email"),
    path("account/delete/", account_views.delete, name="account_delete"),
    path("account/deleted/", account_views.account_deleted, name="account_deleted"),
    path("account/drafts/<slug:code>/", account_views.resume_draft, name="resume_draft"),
    path(
        "account/alerts/<int:alert_id>/stop/", account_views.alert_stop, name="account_alert_stop"
    ),
    path("unfollow/<str:token>/", account_views.unfollow, name="unfollow"),
    path("follow/confirm/<str:token>/", account_views.follow_confirm, name="follow_confirm"),
]
