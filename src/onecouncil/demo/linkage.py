"""The demo councils' own systems, for record linkage: three synthetic extracts per council
(council tax, the electoral register, garden waste accounts) about one population living
at the council's real gazetteer addresses, written as each system would export them (its
own column names and forms) and imported through the real import (``linkage.sources``).

They overlap as real extracts do: the same people under nicknames and typos, a day and
month swapped, a move one system has heard of and another has not, values missing. The
names come from the same lists as the demo's requests, so some reporters are there too.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path

from onecouncil.catalogue.models import Service
from onecouncil.core.exports import csv_writer
from onecouncil.core.models import Council
from onecouncil.demo.councils import FIRST, LAST
from onecouncil.linkage.models import SourceSystem
from onecouncil.linkage.sources import source_import
from onecouncil.linkage.synthetic import NICKNAMES
from onecouncil.residents.models import Address


@dataclass
class Resident:
    first: str
    last: str
    dob: dt.date
    home: Address
    previous: Address | None
    email: str | None
    phone: str | None


def _typo(text: str, rng: random.Random) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 2)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]  # two letters swapped


def _population(council: Council, rng: random.Random, size: int) -> list[Resident]:
    addresses = list(Address.objects.filter(council=council).order_by("uprn"))
    if not addresses:
        return []
    people = []
    first_names = [*FIRST, *NICKNAMES]
    for _n in range(size):
        first, last = rng.choice(first_names), rng.choice(LAST)
        born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 65 * 365))
        home = rng.choice(addresses)
        handle = f"{first}.{last}".lower()
        people.append(
            Resident(
                first=first,
                last=last,
                dob=born,
                home=home,
                previous=rng.choice(addresses) if rng.random() < 0.06 else None,
                email=f"{handle}@example.com" if rng.random() < 0.6 else None,
                phone=f"07700 9{rng.randrange(0, 100000):05d}" if rng.random() < 0.5 else None,
            )
        )
    return people


SYSTEMS = [
    {
        "name": "Council tax",
        "owner": "Revenues and benefits",
        "lawful_basis": "legal_obligation",
        "purposes": ["revenues", "single_view", "tell_us_once"],
        "restricted": False,
        "id_column": "ACCOUNT_REF",
        "mapping": {
            "first_name": "FORENAME",
            "surname": "SURNAME",
            "dob": "DOB",
            "house_number": "PROPERTY_ADDRESS_1",
            "street": "PROPERTY_ADDRESS_1",
            "town": "PROPERTY_TOWN",
            "postcode": "PROPERTY_POSTCODE",
            "uprn": "UPRN",
        },
    },
    {
        "name": "Electoral register (full)",
        "owner": "Electoral services",
        "lawful_basis": "legal_obligation",
        "purposes": ["electoral"],
        "restricted": True,
        "id_column": "Elector Number",
        "mapping": {
            "first_name": "First Name",
            "surname": "Surname",
            "house_number": "Address 1",
            "street": "Address 1",
            "postcode": "Postcode",
            "uprn": "UPRN",
        },
    },
    {
        "name": "Garden waste accounts",
        "owner": "Waste and recycling",
        "lawful_basis": "contract",
        "purposes": ["single_view", "tell_us_once"],
        "restricted": False,
        "id_column": "customer_id",
        "mapping": {
            "first_name": "first_name",
            "surname": "last_name",
            "dob": "date_of_birth",
            "house_number": "address_line_1",
            "street": "address_line_1",
            "postcode": "postcode",
            "email": "email",
            "phone": "mobile",
        },
    },
]


def _rows(system: str, people: list[Resident], rng: random.Random) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    seen_homes: set[int] = set()
    for n, person in enumerate(people, start=1):
        first = NICKNAMES.get(person.first, person.first) if rng.random() < 0.1 else person.first
        last = _typo(person.last, rng) if rng.random() < 0.05 else person.last
        home = person.home
        if person.previous is not None and system != "Council tax":
            home = person.previous  # a move this system has not heard of
        line = home.line1
        if system == "Council tax":
            if home.pk in seen_homes or rng.random() < 0.1:
                continue  # one liable person a household
            seen_homes.add(home.pk)
            born = person.dob
            if rng.random() < 0.04 and born.day <= 12:
                born = born.replace(day=born.month, month=born.day)  # day and month swapped
            rows.append(
                {
                    "ACCOUNT_REF": f"CT{n:06d}",
                    "FORENAME": first.upper(),
                    "SURNAME": last.upper(),
                    "DOB": born.strftime("%d/%m/%Y") if rng.random() < 0.7 else "",
                    "PROPERTY_ADDRESS_1": line,
                    "PROPERTY_TOWN": home.town,
                    "PROPERTY_POSTCODE": home.postcode.replace(" ", ""),
                    "UPRN": str(home.uprn),
                }
            )
        elif system.startswith("Electoral"):
            if person.dob > dt.date.today().replace(year=dt.date.today().year - 18):
                continue
            if rng.random() < 0.1:
                continue  # not registered
            rows.append(
                {
                    "Elector Number": f"AB{n:05d}",
                    "First Name": first,
                    "Surname": last,
                    "Address 1": line,
                    "Postcode": home.postcode,
                    "UPRN": str(home.uprn) if rng.random() < 0.8 else "",
                }
            )
        else:
            if rng.random() > 0.3:
                continue  # a third pay for garden waste
            rows.append(
                {
                    "customer_id": str(50000 + n),
                    "first_name": first,
                    "last_name": last,
                    "date_of_birth": person.dob.isoformat() if rng.random() < 0.5 else "",
                    "address_line_1": line,
                    "postcode": home.postcode.lower(),
                    "email": person.email or "",
                    "mobile": (person.phone or "").replace("07700 ", "+44 7700 "),
                }
            )
    return rows


TOLD_THROUGH = {
    "Council tax": ("ctax-change-address", "ctax-moving"),
    "Garden waste accounts": ("waste-account",),
    "Electoral register (full)": ("electoral-registration",),
}


def demo_sources(council: Council, rng: random.Random, people: int = 800) -> dict[str, int]:
    """Register the three systems and import an extract of each; records per system."""
    population = _population(council, rng, people)
    counts: dict[str, int] = {}
    if not population:
        return counts
    folder = Path(tempfile.mkdtemp(prefix="oc-demo-extracts-"))
    for spec in SYSTEMS:
        source, _created = SourceSystem.objects.update_or_create(
            council=council,
            name=spec["name"],
            defaults={k: v for k, v in spec.items() if k != "name"},
        )
        # Tell us once across systems: changes for someone the system holds go to the
        # team that keeps it.
        source.service = (
            Service.objects.filter(council=council, code__in=TOLD_THROUGH.get(source.name, ()))
            .order_by("code")
            .first()
        )
        source.save(update_fields=["service"])
        rows = _rows(source.name, population, rng)
        path = folder / f"{council.slug}-{source.pk}.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv_writer(out)
            writer.writerow(list(rows[0]))
            for row in rows:
                writer.writerow(list(row.values()))
        counts[source.name] = source_import(source=source, path=path, imported_by="demo").rows
        path.unlink()
    folder.rmdir()
    return counts
