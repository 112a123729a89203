"""Staff maps: the queue on a map with the same filters as the list, an officer's own
requests nearest first, and a councillor's alerts for their wards. Points come from
``backoffice.map_points.staff_map_points``, which snaps to the street what the reader may not
see exactly."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onecouncil.alerts.services import ward_alert_of, ward_alert_set
from onecouncil.assets.selectors import asset_types_of
from onecouncil.backoffice.http import filtered, page, staff_view
from onecouncil.backoffice.map_points import StaffPoint, staff_map_points
from onecouncil.cases.access import assigned_open
from onecouncil.cases.inputs import parse_coordinate
from onecouncil.core.geo import metres_between
from onecouncil.core.models import Council, Membership, Role
from onecouncil.core.permissions import Permission
from onecouncil.residents.postcodes import normalise_postcode
from onecouncil.residents.selectors import places_named
from onecouncil.web.maps import allow_map_tiles, case_marker, map_settings, point_features

MAP_LIMIT = 1000


def features(points: list[StaffPoint]) -> dict[str, Any]:
    return point_features(
        [
            case_marker(
                p.case, p.latitude, p.longitude, reverse("backoffice:case", args=[p.case.reference])
            )
            for p in points
        ]
    )


@require_GET
@staff_view(Permission.VIEW_CASES)
def queue_map(request: HttpRequest, council: Council, membership: Membership) -> HttpResponseBase:
    """The queue on a map: the same filters, the first thousand requests with a place."""
    form, cases = filtered(request, council, membership)
    located = list(cases.filter(latitude__isnull=False, longitude__isnull=False)[: MAP_LIMIT + 1])
    points = staff_map_points(membership=membership, cases=located[:MAP_LIMIT])
    the_map = map_settings(council)
    query = request.GET.copy()
    query.pop("page", None)
    # The council's assets of one type as a layer, chosen by a link that keeps the filters.
    wanted = query.pop("assets", [""])[-1]
    types = asset_types_of(council=council)
    shown = next((t for t in types if t.code == wanted), None)
    response = page(
        request,
        "queue_map.html",
        {
            "asset_types": types,
            "asset_type_shown": shown,
            "asset_layer_url": (
                reverse("backoffice:asset_layer") + "?" + urlencode({"type": shown.code})
                if shown
                else ""
            ),
            "form": form,
            "on_map": True,
            "query": query.urlencode(),
            "points": points,
            "points_cases": [p.case for p in points],
            "features": features(points),
            "more": len(located) > MAP_LIMIT,
            "unplaced": cases.filter(latitude__isnull=True).count(),
            "snapped": any(p.snapped for p in points),
            "map": the_map,
            "limit": MAP_LIMIT,
        },
    )
    allow_map_tiles(response, the_map)
    return response


@require_GET
@staff_view(Permission.VIEW_CASES)
def mine(request: HttpRequest, council: Council, membership: Membership) -> HttpResponseBase:
    """My assigned open requests on a map and as a list, nearest first when the officer
    shares where they are (or gives a postcode or street)."""
    cases = assigned_open(membership=membership, user_id=request.user.pk)
    origin: tuple[float, float] | None = None
    error = ""
    try:
        if request.GET.get("lat") and request.GET.get("lon"):
            latitude = parse_coordinate(request.GET["lat"], "lat")
            longitude = parse_coordinate(request.GET["lon"], "lon")
            if latitude is not None and longitude is not None:
                origin = (latitude, longitude)
        elif request.GET.get("postcode"):
            found = places_named(council=council, text=request.GET["postcode"])
            if found:
                origin = (found[0].latitude, found[0].longitude)
            else:
                normalise_postcode(request.GET["postcode"])
                error = _("We do not know where that postcode is")
    except ValidationError:
        error = _("Enter a postcode, like RB1 1AA, or a street")
    distances: dict[int, float] = {}
    if origin is not None:
        for case in cases:
            if case.latitude is not None and case.longitude is not None:
                distances[case.pk] = metres_between(*origin, case.latitude, case.longitude)
        cases.sort(key=lambda c: distances.get(c.pk, math.inf))
    points = staff_map_points(membership=membership, cases=cases)
    the_map = map_settings(council, origin, 15) if origin else map_settings(council)
    response = page(
        request,
        "mine.html",
        {
            "rows": [{"case": c, "metres": distances.get(c.pk)} for c in cases],
            "origin": origin,
            "error": error,
            "postcode": request.GET.get("postcode", ""),
            "features": features(points),
            "map": the_map if points else None,
        },
    )
    allow_map_tiles(response, the_map)
    return response


@require_http_methods(["GET", "POST"])
@staff_view(Permission.VIEW_CASES)
def ward_alerts(request: HttpRequest, council: Council, membership: Membership) -> HttpResponseBase:
    """A councillor's email about new requests in their wards (private services counted,
    never described)."""
    if membership.role != Role.COUNCILLOR:
        return redirect("backoffice:queue")
    if request.method == "POST":
        on = request.POST.get("alerts") == "on"
        ward_alert_set(membership=membership, on=on)
        request.session["flash"] = (
            _("We will email you about new requests in your wards.")
            if on
            else _("We will not email you about new requests in your wards.")
        )
        return redirect("backoffice:ward_alerts")
    return page(
        request,
        "ward_alerts.html",
        {"alert": ward_alert_of(membership), "email": request.user.email},  # type: ignore[union-attr]  # staff_view ensures a signed-in user
    )
