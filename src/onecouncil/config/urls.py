from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from onecouncil.api.devices import views as device_views
from onecouncil.api.open311.views import sent_photo
from onecouncil.api.rest.api import api as rest_api
from onecouncil.frontdoor import errors

admin.site.site_header = _("OneCouncil staff admin")
admin.site.site_title = _("OneCouncil")


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz),
    path("favicon.ico", errors.favicon),
    path("open311/v2/", include("onecouncil.api.open311.urls")),
    path("open311/media/<str:token>/", sent_photo, name="sent_photo"),
    path(
        "api/v1/devices/<slug:identifier>/readings", device_views.readings, name="device_readings"
    ),
    path("api/v1/", rest_api.urls),
    path("staff/", include("onecouncil.backoffice.urls")),
    path("", include("onecouncil.frontdoor.urls")),
]

handler404 = "onecouncil.frontdoor.errors.not_found"
handler500 = "onecouncil.frontdoor.errors.server_error"
