"""Reading the asset register: by identifier, nearest a point, inside a map's box."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from onecouncil.assets.models import Asset, AssetStatus, AssetType
from onecouncil.catalogue.models import Service
from onecouncil.core.geo import box_around, metres_between
from onecouncil.core.models import Council

NEAREST_METRES = 400
BOX_LIMIT = 2000  # assets a map asks for at once; beyond it, it asks the resident to zoom in


def asset_type_of(*, council: Council, code: str) -> AssetType | None:
    if not code or "\x00" in code:
        return None
    return AssetType.objects.filter(council=council, code=code).first()


def asset_types_of(*, council: Council) -> list[AssetType]:
    """The council's asset types that have assets, by name (for a map's layer choice)."""
    return list(
        AssetType.objects.filter(council=council, assets__isnull=False).distinct().order_by("name")
    )


def _in_use(council: Council) -> QuerySet[Asset]:
    return (
        Asset.objects.filter(council=council)
        .exclude(status=AssetStatus.RETIRED)
        .select_related("asset_type")
    )


def asset_by_identifier(
    *, council: Council, identifier: str, asset_type: AssetType | None = None
) -> Asset | None:
    """An asset in use by the identifier on its post or lid (typed loosely: case and
    spaces do not matter), of ``asset_type`` when one is given."""
    typed = "".join(identifier.split())[:60]
    if not typed or "\x00" in typed:
        return None
    found = _in_use(council).filter(identifier__iexact=typed)
    if asset_type is not None:
        found = found.filter(asset_type=asset_type)
    return found.first()


@dataclass(frozen=True)
class NearAsset:
    asset: Asset
    metres: float

    @property
    def rounded(self) -> int:
        return round(self.metres)


def assets_near(
    *,
    council: Council,
    asset_type: AssetType,
    latitude: float,
    longitude: float,
    limit: int = 10,
    within_metres: float = NEAREST_METRES,
) -> list[NearAsset]:
    """The nearest assets of the type in use, nearest first."""
    dlat, dlon = box_around(latitude, longitude, within_metres)
    candidates = _in_use(council).filter(
        asset_type=asset_type,
        latitude__range=(latitude - dlat, latitude + dlat),
        longitude__range=(longitude - dlon, longitude + dlon),
    )[:5000]
    found = [
        NearAsset(a, metres_between(latitude, longitude, a.latitude, a.longitude))
        for a in candidates
    ]
    found = [n for n in found if n.metres <= within_metres]
    found.sort(key=lambda n: (n.metres, n.asset.identifier))
    return found[:limit]


def assets_in_box(
    *,
    council: Council,
    asset_type: AssetType,
    south: float,
    west: float,
    north: float,
    east: float,
    limit: int = BOX_LIMIT,
) -> tuple[list[Asset], bool]:
    """The assets of the type in use inside the box, and whether there were more than
    ``limit`` (the map then asks the resident to zoom in)."""
    found = list(
        _in_use(council)
        .filter(
            asset_type=asset_type,
            latitude__range=(south, north),
            longitude__range=(west, east),
        )
        .order_by("identifier")[: limit + 1]
    )
    return found[:limit], len(found) > limit


def assets_for_staff(*, council: Council, identifier: str) -> Asset | None:
    """Any asset of the council's, retired ones too, for its staff page."""
    if not identifier or "\x00" in identifier:
        return None
    return (
        Asset.objects.filter(council=council, identifier=identifier)
        .select_related("asset_type", "ward", "team")
        .first()
    )


def asset_type_for_service(service: Service) -> AssetType | None:
    """The asset type a service asks "which one?" of: the handling council's (for a
    two-tier service, the county's street lights), by the code the service names."""
    handling = service.handled_by if service.handled_by_id is not None else service
    if handling is None:
        return None
    code = handling.asset_type or service.asset_type
    return asset_type_of(council=handling.council, code=code) if code else None
