"""The council's own map data, for the maps on its pages: streets and ward boundaries
by bounding box, and what is nearest a pin. Public data only (names of streets and wards,
and the gazetteer's address nearest a point, rate-limited so it cannot be harvested)."""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from onecouncil.assets.selectors import asset_type_for_service
from onecouncil.cases.inputs import parse_coordinate
from onecouncil.core.clients import client_ip
from onecouncil.core.models import Council
from onecouncil.core.throttles import digest, within_limit
from onecouncil.frontdoor.http import service_or_404, with_council
from onecouncil.places.lookup import covers, map_layers, nearest_street
from onecouncil.residents.selectors import nearest_address
from onecouncil.web.maps import asset_layer

# The widest box one request may ask for (degrees): a council's whole area at low zoom.
MAX_SPAN = 1.5
NEAREST_PER_HOUR = 600


@require_GET
@with_council
def layers(request: HttpRequest, council: Council) -> HttpResponseBase:
    try:
        west, south, east, north = (float(v) for v in request.GET.get("bbox", "").split(","))
        zoom = int(request.GET.get("zoom", "16"))
    except ValueError:
        return _bad(_("Give bbox=west,south,east,north and zoom"))
    box = (west, south, east, north)
    if (
        not all(math.isfinite(v) for v in box)
        or not (west < east and south < north)
        or east - west > MAX_SPAN
        or north - south > MAX_SPAN
        or not 0 <= zoom <= 22
    ):
        return _bad(_("The box must be west,south,east,north, at most 1.5 degrees each way"))
    response = JsonResponse(map_layers(council.pk, box, zoom))
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
@with_council
def assets(request: HttpRequest, council: Council, code: str) -> HttpResponseBase:
    """The assets a service asks "which one?" of, inside the map's box (the handling
    council's, for a two-tier service): ``web.maps.asset_layer``."""
    service = service_or_404(council, code)
    asset_type = asset_type_for_service(service)
    if asset_type is None:
        return _bad(_("This service does not ask which one"))
    response = asset_layer(asset_type, request.GET.get("bbox", ""))
    if response.status_code == 200:
        response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
@with_council
def nearest(request: HttpRequest, council: Council) -> HttpResponseBase:
    """Where the pin is, in words: the nearest address, else the nearest street."""
    try:
        latitude = parse_coordinate(request.GET.get("lat"), "lat")
        longitude = parse_coordinate(request.GET.get("lon"), "lon")
    except ValidationError as exc:
        return _bad(exc.messages[0])
    if latitude is None or longitude is None:
        return _bad(_("Give lat and lon"))
    if not within_limit(f"map-nearest:{digest(client_ip(request) or '')}", NEAREST_PER_HOUR, 3600):
        return JsonResponse({"text": _("Pin placed.")}, status=429)
    if covers(council.pk, latitude, longitude) is False:
        return JsonResponse(
            {
                "text": _("Pin placed. That place is outside %(council)s's area.")
                % {"council": council.name},
                "inside": False,
            }
        )
    address = nearest_address(
        council=council, latitude=latitude, longitude=longitude, within_metres=100
    )
    street = nearest_street(council.pk, latitude, longitude)
    if address is not None:
        text = _("Pin placed. The nearest address is %(address)s.") % {
            "address": address.single_line
        }
    elif street is not None:
        text = _("Pin placed, on or near %(street)s.") % {"street": street.name}
    else:
        text = _("Pin placed. There is no address or street close by: describe the place below.")
    return JsonResponse(
        {
            "text": text,
            "inside": True,
            "street": street.name if street else (address.street if address else ""),
        }
    )


def _bad(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)
