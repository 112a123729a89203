from __future__ import annotations

from onecouncil.core.geo import box_around, metres_between
from onecouncil.core.models import Council
from onecouncil.residents.models import Address
from onecouncil.residents.postcodes import postcode_key


def addresses_for_postcode(*, council: Council, postcode: str) -> list[Address]:
    return list(
        Address.objects.filter(council=council, postcode_key=postcode_key(postcode))
        .select_related("ward")
        .order_by("street", "line1")
    )


def address_by_uprn(*, council: Council, uprn: int) -> Address | None:
    return Address.objects.filter(council=council, uprn=uprn).select_related("ward").first()


def nearest_address(
    *, council: Council, latitude: float, longitude: float, within_metres: float = 400
) -> Address | None:
    """The gazetteer address nearest a point, if one is close enough to name the place."""
    dlat, dlon = box_around(latitude, longitude, within_metres)
    candidates = Address.objects.filter(
        council=council,
        latitude__range=(latitude - dlat, latitude + dlat),
        longitude__range=(longitude - dlon, longitude + dlon),
    ).select_related("ward")[:500]

    def distance(address: Address) -> float:
        assert address.latitude is not None and address.longitude is not None
        return metres_between(latitude, longitude, address.latitude, address.longitude)

    located = [a for a in candidates if a.latitude is not None and a.longitude is not None]
    return min(located, key=distance, default=None)
