from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, Value
from django.db.models.functions import Lower, Replace

from onecouncil.core.geo import box_around, metres_between
from onecouncil.core.models import Council
from onecouncil.core.privacy import PersonalValues
from onecouncil.residents.models import Account, Address, Person
from onecouncil.residents.postcodes import normalise_postcode, postcode_key


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


@dataclass(frozen=True)
class NamedPlace:
    """A place a resident typed, found in the gazetteer: a postcode or a street, at the
    middle of its addresses."""

    name: str
    latitude: float
    longitude: float
    is_postcode: bool = False


def places_named(*, council: Council, text: str, limit: int = 10) -> list[NamedPlace]:
    """What ``text`` names in the council's gazetteer: the postcode's middle if it is a
    postcode, else the streets whose names hold it (most addresses first)."""
    text = " ".join(text.split())[:100]
    if not text or "\x00" in text:  # nothing stored holds NUL, and PostgreSQL refuses it
        return []
    located = Address.objects.filter(
        council=council, latitude__isnull=False, longitude__isnull=False
    )
    try:
        postcode = normalise_postcode(text)
    except ValidationError:
        postcode = ""
    if postcode:
        middle = located.filter(postcode_key=postcode_key(postcode)).aggregate(
            lat=Avg("latitude"), lon=Avg("longitude")
        )
        if middle["lat"] is None:
            return []
        return [NamedPlace(postcode, middle["lat"], middle["lon"])]
    streets = (
        located.filter(street__icontains=text)
        .values("street", "town")
        .annotate(lat=Avg("latitude"), lon=Avg("longitude"), n=Count("id"))
        .order_by("-n", "street", "town")[:limit]
    )
    return [NamedPlace(f"{s['street']}, {s['town']}", s["lat"], s["lon"]) for s in streets]


def place_of(*, council: Council, text: str) -> NamedPlace | None:
    """Where a typed place is, by the gazetteer alone: a postcode's middle (named by the
    postcode), or the middle of the addresses of the street of exactly that name. None
    when the gazetteer does not know it."""
    text = " ".join(text.split())[:100]
    if not text or "\x00" in text:
        return None
    try:
        postcode = normalise_postcode(text)
    except ValidationError:
        postcode = ""
    located = Address.objects.filter(
        council=council, latitude__isnull=False, longitude__isnull=False
    )
    if postcode:
        located = located.filter(postcode_key=postcode_key(postcode))
    else:
        located = located.filter(street__iexact=text)
    middle = located.aggregate(lat=Avg("latitude"), lon=Avg("longitude"))
    if middle["lat"] is None:
        return None
    return NamedPlace(postcode or text, middle["lat"], middle["lon"], is_postcode=bool(postcode))


_POSTCODE_IN_TEXT = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\b", re.IGNORECASE)


@dataclass(frozen=True)
class PlaceInText:
    """Where free text (an email, say) says the problem is: an address of the gazetteer
    when the text names one, or else the middle of a postcode or street it names."""

    address: Address | None
    named: NamedPlace | None


def place_in_text(*, council: Council, text: str) -> PlaceInText | None:
    """The first place in ``text`` that the council's gazetteer knows: a postcode (and
    the address on it whose first line the text holds, like "14 Mill Lane"), or else a
    street of the council's (the longest name first, and an address on it the text
    holds). None when the text names nowhere the gazetteer knows."""
    text = " ".join(text.replace("\x00", " ").split())[:5000]
    folded = f" {text.casefold()} "
    for outward, inward in _POSTCODE_IN_TEXT.findall(text):
        named = place_of(council=council, text=f"{outward} {inward}")
        if named is None:
            continue
        return PlaceInText(
            _address_named(folded, addresses_for_postcode(council=council, postcode=named.name)),
            named,
        )
    for street in _streets_named(council, folded):
        named = place_of(council=council, text=street)
        if named is None:
            continue
        on_street = Address.objects.filter(council=council, street__iexact=street)[:2000]
        return PlaceInText(_address_named(folded, list(on_street)), named)
    return None


def _address_named(folded: str, addresses: list[Address]) -> Address | None:
    for address in sorted(addresses, key=lambda a: -len(a.line1)):
        line = " ".join(address.line1.casefold().replace(",", " ").split())
        if line and re.search(rf"(?<![\w]){re.escape(line)}(?![\w])", folded):
            return address
    return None


def _streets_named(council: Council, folded: str) -> list[str]:
    """The council's streets whose whole names appear in the text: its runs of one to
    six words, looked up at once (compared without case or full stops, so "St. Mary's
    Road." finds St Mary's Road)."""
    words = [w.replace(".", "") for w in re.findall(r"[\w'.-]+", folded)[:600]]
    runs = {" ".join(words[i : i + n]) for n in range(1, 7) for i in range(len(words) - n + 1)}
    if not runs:
        return []
    streets = (
        Address.objects.filter(council=council)
        .annotate(folded=Replace(Lower("street"), Value("."), Value("")))
        .filter(folded__in=sorted(runs))
        .values_list("street", flat=True)
        .distinct()
    )
    return sorted(set(streets), key=lambda street: (-len(street), street))


def personal_values_of_residents(council_id: int) -> Iterator[PersonalValues]:
    """Names and contact details of the council's people and accounts (for the open data
    publication check)."""
    for model in (Person, Account):
        rows = model.objects.filter(council_id=council_id).values_list("name", "email", "phone")
        for name, email, phone in rows.iterator(chunk_size=2000):
            yield PersonalValues(names=(name,), emails=(email,), phones=(phone,))


ACCOUNT_FIELDS = (
    "pk",
    "name",
    "email",
    "phone",
    "person_id",
    "created_at",
    "address__uprn",
    "address__line1",
    "address__street",
    "address__town",
    "address__postcode",
)


def accounts_for_linkage(*, council: Council, ids: list[int] | None = None) -> list[dict]:
    """The council's residents' accounts as record linkage reads them: name, contact
    details, the address they gave (its gazetteer parts) and their person record."""
    accounts = Account.objects.filter(council=council)
    if ids is not None:
        accounts = accounts.filter(pk__in=ids)
    return list(accounts.order_by("pk").values(*ACCOUNT_FIELDS))


def accounts_made_after(*, council: Council, after_id: int, limit: int) -> list[int]:
    return list(
        Account.objects.filter(council=council, pk__gt=after_id)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def latest_account_id(*, council: Council) -> int:
    latest = Account.objects.filter(council=council).order_by("-pk").values_list("pk", flat=True)
    return latest.first() or 0
