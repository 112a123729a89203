"""What every map on a page needs from the server: where to centre, the council's base
layers, optional raster tiles and the attributions. One function, used by every page
with a map (the place step, reports near me, staff maps)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpResponseBase, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from onecouncil.assets.models import Asset, AssetType
from onecouncil.assets.selectors import assets_in_box
from onecouncil.core.models import Council
from onecouncil.places.lookup import council_centre


@dataclass(frozen=True)
class MapSettings:
    centre: str  # "lat,lon"
    zoom: int
    layers_url: str
    tiles_url: str
    tiles_attribution: str
    attribution: str

    def data(self) -> dict[str, Any]:
        return {
            "centre": self.centre,
            "zoom": self.zoom,
            "layers": self.layers_url,
            "tiles": self.tiles_url,
            "tiles_attribution": self.tiles_attribution,
            "attribution": self.attribution,
        }


def map_settings(
    council: Council, point: tuple[float, float] | None = None, zoom: int = 17
) -> MapSettings | None:
    """None when the council has no boundary yet: there is nothing to centre on, and
    the page's form works without a map."""
    if point is None:
        point = council_centre(council.pk)
        zoom = 14
    if point is None:
        return None
    return MapSettings(
        centre=f"{point[0]:.6f},{point[1]:.6f}",
        zoom=zoom,
        layers_url=reverse("frontdoor:map_layers"),
        tiles_url=council.map_tiles_url,
        tiles_attribution=council.map_tiles_attribution,
        attribution=council.geography_attribution,
    )


@dataclass(frozen=True)
class MapPoint:
    """One marker: where, what it says (its title, also read by screen readers), and
    the page it links to. ``here`` marks the place the resident gave."""

    latitude: float
    longitude: float
    title: str
    url: str = ""
    here: bool = False
    # open, in-progress or closed: the marker's colour (the title says it in words too).
    state: str = ""


def case_marker(case: Any, latitude: float, longitude: float, url: str) -> MapPoint:
    """A request's marker: its reference, service and status (words anyone with the map
    may read), at the point the caller may show."""
    return MapPoint(
        latitude,
        longitude,
        f"{case.reference}: {case.service.name}, {case.get_status_display()}",
        url,
        state=marker_state(case),
    )


def marker_state(case: Any) -> str:
    """A request's state as the map colours it (the legend says which is which)."""
    if not case.is_open:
        return "closed"
    if case.status in ("in_progress", "action_scheduled"):
        return "in-progress"
    return "open"


def point_features(points: list[MapPoint]) -> dict[str, Any]:
    """Markers as GeoJSON for ``map.js``'s reports layer (the page puts it in a
    ``json_script`` and names it in ``data-reports``)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.longitude, p.latitude]},
                "properties": {"title": p.title, "url": p.url, "here": p.here, "state": p.state},
            }
            for p in points
        ],
    }


def allow_origins(response: HttpResponseBase, directive: str, urls: list[str]) -> None:
    """Add the origins of ``urls`` to one directive of this response's Content Security
    Policy (django-csp's per-response update), keeping what was added before."""
    origins = []
    for url in urls:
        parts = urlsplit(url)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    update = dict(getattr(response, "_csp_update", None) or {})
    update[directive] = sorted({*update.get(directive, []), *origins})
    response._csp_update = update  # type: ignore[attr-defined]  # django-csp's per-response hook


def allow_map_tiles(response: HttpResponseBase, settings: MapSettings | None) -> None:
    """A page with a raster layer may load images from the tile server, and no other."""
    if settings is not None and settings.tiles_url:
        allow_origins(response, "img-src", [settings.tiles_url.replace("{s}", "a")])


ASSET_SPAN = 0.05  # degrees: a map asks for assets one by one only when zoomed in


def asset_layer(
    asset_type: AssetType, bbox: str, *, link: Callable[[Asset], str] | None = None
) -> JsonResponse:
    """The assets of a type inside a map's box (``bbox=west,south,east,north``), as
    GeoJSON points named as people name them ("Street light RB-SL-0042, near 14 Mill
    Lane"), each with the page it links to where ``link`` says. Too many for the box, or a
    box too wide: none, and ``too_many`` (the map asks to zoom in). The caller sets who may
    read it and how long it may be cached."""
    try:
        west, south, east, north = (float(v) for v in bbox.split(","))
    except ValueError:
        return JsonResponse({"detail": _("Give bbox=west,south,east,north")}, status=400)
    box = (west, south, east, north)
    if not all(math.isfinite(v) for v in box) or not (west < east and south < north):
        return JsonResponse({"detail": _("The box must be west,south,east,north")}, status=400)
    if east - west > ASSET_SPAN or north - south > ASSET_SPAN:
        return JsonResponse({"type": "FeatureCollection", "features": [], "too_many": True})
    found, more = assets_in_box(
        council=asset_type.council,
        asset_type=asset_type,
        south=south,
        west=west,
        north=north,
        east=east,
    )
    features = []
    for asset in [] if more else found:
        properties = {"identifier": asset.identifier, "title": asset.label}
        if link is not None:
            properties["url"] = link(asset)
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(asset.longitude, 6), round(asset.latitude, 6)],
                },
                "properties": properties,
            }
        )
    return JsonResponse({"type": "FeatureCollection", "too_many": more, "features": features})
