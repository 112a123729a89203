"""Digital help near residents (``DigitalHelpPlace``): where each place is, and the places
nearest a postcode or street, for the public page at ``/help-online/``."""

from __future__ import annotations

from dataclasses import dataclass

from onecouncil.core.geo import metres_between
from onecouncil.core.models import Council
from onecouncil.places.models import DigitalHelpPlace
from onecouncil.residents.selectors import NamedPlace, place_of

METRES_A_MILE = 1609.344


def help_place_locate(place: DigitalHelpPlace) -> DigitalHelpPlace:
    """Give a place without coordinates its postcode's middle, from the gazetteer."""
    if place.latitude is None or place.longitude is None:
        named = place_of(council=place.council, text=place.postcode)
        if named is not None:
            place.latitude, place.longitude = named.latitude, named.longitude
    return place


@dataclass(frozen=True)
class Nearby:
    place: DigitalHelpPlace
    miles: float | None


@dataclass(frozen=True)
class HelpSearch:
    where: NamedPlace | None
    places: list[Nearby]
    not_found: bool = False


def help_near(*, council: Council, text: str = "") -> HelpSearch:
    """The council's places, nearest ``text`` (a postcode or a street) first; all of them
    by name when nothing is given, or when the gazetteer does not know the place."""
    places = list(DigitalHelpPlace.objects.filter(council=council, is_active=True))
    where = place_of(council=council, text=text) if text.strip() else None
    if where is None:
        return HelpSearch(None, [Nearby(p, None) for p in places], not_found=bool(text.strip()))

    def distance(place: DigitalHelpPlace) -> float | None:
        if place.latitude is None or place.longitude is None:
            return None
        metres = metres_between(where.latitude, where.longitude, place.latitude, place.longitude)
        return round(metres / METRES_A_MILE, 1)

    nearby = [Nearby(p, distance(p)) for p in places]
    nearby.sort(key=lambda n: (n.miles is None, n.miles or 0.0, n.place.name))
    return HelpSearch(where, nearby)
