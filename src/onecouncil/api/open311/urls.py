"""GeoReport v2 paths. A doubled slash after the base (``/open311/v2//requests.json``,
which some clients build) is the same path, and any other path answers a 404 in the
specification's error format: JSON or XML by its extension, XML without one."""

from django.urls import re_path

from onecouncil.api.open311 import views

FMT = r"\.(?P<fmt>json|xml)$"
BASE = r"^(?:/+)?"

urlpatterns = [
    re_path(BASE + r"discovery" + FMT, views.discovery, name="open311_discovery"),
    re_path(BASE + r"services" + FMT, views.services, name="open311_services"),
    re_path(
        BASE + r"services/(?P<code>[-\w]+)" + FMT,
        views.service_definition_view,
        name="open311_service",
    ),
    re_path(BASE + r"requests" + FMT, views.requests_view, name="open311_requests"),
    # node-open311 (lib/open311.js) posts and lists at requests/json and requests/xml.
    re_path(BASE + r"requests/(?P<fmt>json|xml)$", views.requests_view, name="open311_node"),
    re_path(
        BASE + r"requests/(?P<reference>[-\w]+)" + FMT,
        views.request_view,
        name="open311_request",
    ),
    re_path(BASE + r"tokens/(?P<token>[-\w]+)" + FMT, views.token_view, name="open311_token"),
    re_path(BASE + r"servicerequestupdates" + FMT, views.updates_view, name="open311_updates"),
    re_path(r"^(?P<path>.*?)\.(?P<fmt>json)$", views.unknown, name="open311_unknown_json"),
    re_path(r"^(?P<path>.*)$", views.unknown, {"fmt": "xml"}, name="open311_unknown"),
]
