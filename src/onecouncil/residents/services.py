"""Writes to the gazetteer and to person records."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from onecouncil.core.models import Council
from onecouncil.residents.models import Address, Person, Ward
from onecouncil.residents.postcodes import normalise_postcode, postcode_key

GAZETTEER_COLUMNS = ("uprn", "address_line_1", "town", "postcode")
OPTIONAL_COLUMNS = (
    "usrn",
    "address_line_2",
    "street",
    "ward_code",
    "ward_name",
    "latitude",
    "longitude",
)


@dataclass
class GazetteerImport:
    created: int = 0
    updated: int = 0
    coordinates: int = 0
    errors: list[str] = field(default_factory=list)


def _rows(handle: IO[str]) -> Iterable[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(handle)
    if reader.fieldnames is None:
        return
    reader.fieldnames = [name.strip().lower() for name in reader.fieldnames]
    for line, row in enumerate(reader, start=2):
        yield line, {k: (v or "").strip() for k, v in row.items() if k}


def _float(value: str, low: float, high: float) -> float | None:
    if not value:
        return None
    number = float(value)
    if not low <= number <= high:
        raise ValueError(value)
    return number


@transaction.atomic
def gazetteer_import(*, council: Council, handle: IO[str]) -> GazetteerImport:
    """Create or update addresses from a CSV in the documented layout (docs/gazetteer.md).

    All or nothing: a file with any bad row changes nothing, and every bad row is listed.
    """
    result = GazetteerImport()
    wards = {w.code: w for w in Ward.objects.filter(council=council)}
    existing = {a.uprn: a for a in Address.objects.filter(council=council)}
    to_create: list[Address] = []
    to_update: list[Address] = []
    seen: set[int] = set()
    for line, row in _rows(handle):
        missing = [c for c in GAZETTEER_COLUMNS if not row.get(c)]
        if missing:
            result.errors.append(f"line {line}: missing {', '.join(missing)}")
            continue
        try:
            uprn = int(row["uprn"])
            usrn = int(row["usrn"]) if row.get("usrn") else None
            postcode = normalise_postcode(row["postcode"])
            latitude = _float(row.get("latitude", ""), 49.0, 61.0)
            longitude = _float(row.get("longitude", ""), -9.0, 2.5)
        except ValidationError:
            result.errors.append(f"line {line}: {row['postcode']!r} is not a UK postcode")
            continue
        except ValueError as exc:
            result.errors.append(f"line {line}: {exc} is not a number in range")
            continue
        if uprn in seen:
            result.errors.append(f"line {line}: UPRN {uprn} appears twice")
            continue
        seen.add(uprn)
        ward = None
        if row.get("ward_code"):
            ward = wards.get(row["ward_code"])
            if ward is None:
                ward = Ward.objects.create(
                    council=council,
                    code=row["ward_code"],
                    name=row.get("ward_name") or row["ward_code"],
                )
                wards[ward.code] = ward
        address = existing.get(uprn) or Address(council=council, uprn=uprn)
        address.usrn = usrn
        address.line1 = row["address_line_1"]
        address.line2 = row.get("address_line_2", "")
        address.street = row.get("street", "")
        address.town = row["town"]
        address.postcode = postcode
        address.postcode_key = postcode_key(postcode)
        address.ward = ward
        address.latitude = latitude
        address.longitude = longitude
        (to_update if address.pk else to_create).append(address)
    if result.errors:
        transaction.set_rollback(True)
        return result
    Address.objects.bulk_create(to_create, batch_size=1000)
    Address.objects.bulk_update(
        to_update,
        [
            "usrn",
            "line1",
            "line2",
            "street",
            "town",
            "postcode",
            "postcode_key",
            "ward",
            "latitude",
            "longitude",
        ],
        batch_size=1000,
    )
    result.created, result.updated = len(to_create), len(to_update)
    return result


@transaction.atomic
def gazetteer_import_coordinates(*, council: Council, handle: IO[str]) -> int:
    """Fill coordinates from a file in the OS Open UPRN layout (UPRN, ..., LATITUDE, LONGITUDE)."""
    wanted = dict(Address.objects.filter(council=council).values_list("uprn", "id"))
    batch: list[Address] = []
    for _line, row in _rows(handle):
        try:
            uprn = int(row.get("uprn", ""))
        except ValueError:
            continue
        if uprn in wanted:
            batch.append(
                Address(
                    id=wanted[uprn],
                    latitude=_float(row.get("latitude", ""), 49.0, 61.0),
                    longitude=_float(row.get("longitude", ""), -9.0, 2.5),
                )
            )
    Address.objects.bulk_update(batch, ["latitude", "longitude"], batch_size=1000)
    return len(batch)


def person_for_verified_email(*, council: Council, email: str, name: str = "") -> Person:
    """The person record for an email address the resident has proved they own."""
    normalised = email.strip().lower()
    person = (
        Person.objects.select_for_update()
        .filter(council=council, email__iexact=normalised, email_verified_at__isnull=False)
        .first()
    )
    if person is None:
        person = Person.objects.create(
            council=council, email=normalised, name=name, email_verified_at=timezone.now()
        )
    return person
