"""An asset's page for staff: what it is and where, and the requests about it; and the
council's assets as a layer on the staff maps."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponseBase, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from onecouncil.assets.selectors import asset_type_of, assets_for_staff
from onecouncil.backoffice.http import page, staff_view
from onecouncil.cases.access import requests_about_asset_for_staff
from onecouncil.core.models import Council, Membership
from onecouncil.core.permissions import Permission
from onecouncil.sensors.selectors import devices_on_asset
from onecouncil.web.maps import (
    MapPoint,
    allow_map_tiles,
    asset_layer,
    map_settings,
    point_features,
)


@require_GET
@staff_view(Permission.VIEW_CASES)
def asset_view(
    request: HttpRequest, council: Council, membership: Membership, identifier: str
) -> HttpResponseBase:
    asset = assets_for_staff(council=council, identifier=identifier)
    if asset is None:
        raise Http404()
    open_requests, past_requests = requests_about_asset_for_staff(
        membership=membership, asset_id=asset.pk
    )
    spec = {s.get("code"): s.get("label") for s in asset.asset_type.attributes or []}
    the_map = map_settings(council, (asset.latitude, asset.longitude), 18)
    response = page(
        request,
        "asset.html",
        {
            "asset": asset,
            "attributes": [
                (spec.get(code) or code, value) for code, value in asset.attributes.items()
            ],
            "open_requests": open_requests,
            "past_requests": past_requests,
            "devices": devices_on_asset(asset_id=asset.pk),
            "map": the_map,
            "features": point_features(
                [MapPoint(asset.latitude, asset.longitude, asset.label, here=True)]
            ),
        },
    )
    allow_map_tiles(response, the_map)
    return response


@require_GET
@staff_view(Permission.VIEW_CASES)
def asset_layer_view(
    request: HttpRequest, council: Council, membership: Membership
) -> HttpResponseBase:
    """The council's assets of one type in a staff map's box, each linking to its page."""
    asset_type = asset_type_of(council=council, code=request.GET.get("type", ""))
    if asset_type is None:
        return JsonResponse({"detail": _("Choose a type of asset the council has")}, status=400)
    return asset_layer(
        asset_type,
        request.GET.get("bbox", ""),
        link=lambda asset: reverse("backoffice:asset", args=[asset.identifier]),
    )
