from django.urls import re_path

from onecouncil.api.open311 import views

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="open311_discovery"),
    re_path(r"^services" + FMT, views.services, name="open311_services"),
    re_path(
        r"^services/(?P<code>[-\w]+)" + FMT, views.service_definition_view, name="open311_service"
    ),
    re_path(r"^requests" + FMT, views.requests_view, name="open311_requests"),
    re_path(r"^requests/(?P<reference>[-\w]+)" + FMT, views.request_view, name="open311_request"),
    re_path(r"^tokens/(?P<token>[-\w]+)" + FMT, views.token_view, name="open311_token"),
    re_path(r"^servicerequestupdates" + FMT, views.updates_view, name="open311_updates"),
]
