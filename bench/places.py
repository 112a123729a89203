"""Places and report once at scale: the nearby query, likely duplicates and reports near
me over 1,000,000 requests, and the map page's weight and server time.

    .venv/bin/python bench/places.py --database sqlite --rows 1000000
    .venv/bin/python bench/places.py --database postgres --rows 1000000

Builds a fresh database (the demo councils with their boundaries and streets), then
loads ``--loaded`` requests over two years at random points inside Riverbend's boundary
through the product's bulk loader (every rule and derivation of a resident's report),
with a hot spot of 1,000 open potholes within 200 m of one point reported in the last 30
days. The loader applies every rule to every request at about 300 a second on two cores,
so the rest up to ``--rows`` are copies of loaded requests moved to another random point
inside the boundary (its ward worked out again) and another date, each with a new
reference and its "received" event, written with ``bulk_create``. Times each query at
random points and in the hot spot (p50 and p95), and the place step with its map. Prints
the figures; record them in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import math
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backoffice import setup, teardown

ROOT = Path(__file__).resolve().parents[1]
HOT_SPOT = 1000


def _points_inside(council_id: int, rng: random.Random, n: int) -> list[tuple[float, float]]:
    from onecouncil.places.lookup import _shapes

    shapes = _shapes(council_id)
    assert shapes is not None, "the demo council has a boundary"
    west, south, east, north = shapes.boundary.bounds
    points: list[tuple[float, float]] = []
    while len(points) < n:
        lat, lon = rng.uniform(south, north), rng.uniform(west, east)
        if shapes.boundary.covers(shapely.Point(lon, lat)):
            points.append((lat, lon))
    return points


def fill(rows: int, rng: random.Random) -> tuple[float, float]:
    from django.utils import timezone

    from onecouncil.cases.actions import EarlierRequest, cases_bulk_load
    from onecouncil.cases.inputs import Contact, Location
    from onecouncil.cases.models import Channel, Status
    from onecouncil.catalogue.models import Service
    from onecouncil.core.models import Council
    from onecouncil.demo.answers import plausible_answers
    from onecouncil.places.lookup import covers

    council = Council.objects.get(slug="riverbend")
    services = [
        s
        for s in Service.objects.filter(council=council).prefetch_related("questions")
        if s.location_required
    ]
    pothole = next(s for s in services if s.code == "pothole")
    pool = _points_inside(council.pk, rng, 20_000)
    centre = pool[0]
    statuses = (
        [Status.RECEIVED] * 3 + [Status.IN_PROGRESS] + [Status.FIXED] * 3 + [Status.CLOSED] * 3
    )
    now = timezone.now()
    words = ["deep hole", "broken kerb", "crack by the drain", "sunken cover", "loose stones"]

    def jitter(point: tuple[float, float], metres: float) -> tuple[float, float]:
        distance, bearing = metres * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
        return (
            point[0] + distance * math.cos(bearing) / 111_195,
            point[1] + distance * math.sin(bearing) / (111_195 * math.cos(math.radians(point[0]))),
        )

    def requests():
        for n in range(rows):
            hot = n < HOT_SPOT
            service = pothole if hot else rng.choice(services)
            base = centre if hot else rng.choice(pool)
            lat, lon = jitter(base, 200 if hot else 150)
            if not covers(council.pk, lat, lon):
                lat, lon = base
            yield EarlierRequest(
                service=service,
                answers=plausible_answers(service, rng),
                location=Location(
                    latitude=lat,
                    longitude=lon,
                    street="High Street",
                    description=rng.choice(words),
                ),
                contact=Contact(name=f"Resident {n}", email=f"r{n}@example.com"),
                channel=Channel.WEB,
                reported_at=now
                - timezone.timedelta(
                    minutes=rng.randint(1, 60 * 24 * 29) if hot else rng.randint(1, 60 * 24 * 730)
                ),
                status=Status.RECEIVED if hot else rng.choice(statuses),
            )

    cases_bulk_load(council=council, requests=requests(), batch_size=5000)
    return centre


def copy_up_to(rows: int, rng: random.Random) -> int:
    """Copies of the loaded requests, at other points and dates, until there are ``rows``."""
    from django.db import transaction
    from django.utils import timezone

    from onecouncil.cases.models import Case, CaseEvent, EventKind, Status
    from onecouncil.cases.tokens import hash_token
    from onecouncil.core.models import Council
    from onecouncil.core.references import new_reference
    from onecouncil.places.lookup import _shapes

    council = Council.objects.get(slug="riverbend")
    shapes = _shapes(council.pk)
    assert shapes is not None
    loaded = list(Case.objects.filter(council=council).exclude(latitude=None))
    wanted = rows - len(loaded)
    pool = _points_inside(council.pk, rng, 50_000)
    statuses = [Status.RECEIVED] * 3 + [Status.IN_PROGRESS] + [Status.FIXED, Status.CLOSED] * 3
    now = timezone.now()
    references = set(Case.objects.values_list("reference", flat=True))
    made = 0
    while made < wanted:
        batch: list[Case] = []
        for _n in range(min(10_000, wanted - made)):
            source = rng.choice(loaded)
            lat, lon = rng.choice(pool)
            lat += rng.uniform(-0.0005, 0.0005)
            lon += rng.uniform(-0.0008, 0.0008)
            point = shapely.Point(lon, lat)
            if not shapes.boundary.covers(point):
                lat, lon = rng.choice(pool)
                point = shapely.Point(lon, lat)
            ward = next((w for w, polygon in shapes.wards if polygon.covers(point)), None)
            reference = new_reference(council.reference_prefix)
            while reference in references:
                reference = new_reference(council.reference_prefix)
            references.add(reference)
            at = now - timezone.timedelta(minutes=rng.randint(60 * 24 * 30, 60 * 24 * 730))
            status = rng.choice(statuses)
            copy = Case(
                **{
                    field.attname: getattr(source, field.attname)
                    for field in Case._meta.concrete_fields
                    if not field.primary_key
                }
            )
            copy.reference = reference
            copy.latitude, copy.longitude, copy.ward_id = lat, lon, ward
            copy.created_at = copy.updated_at = at
            copy.status = status
            copy.closed_at = at if status in (Status.FIXED, Status.CLOSED) else None
            copy.submission_key = uuid.uuid4()
            copy.private_token_hash = hash_token(secrets.token_urlsafe(24))
            batch.append(copy)
        with transaction.atomic():
            saved = Case.objects.bulk_create(batch)
            CaseEvent.objects.bulk_create(
                CaseEvent(
                    case=case,
                    kind=EventKind.CREATED,
                    is_public=True,
                    status=Status.RECEIVED,
                    data={"channel": case.channel, "channel_detail": ""},
                    actor_label="Web",
                    created_at=case.created_at,
                )
                for case in saved
            )
        made += len(batch)
    return made


def timed(call, repeat: int) -> tuple[float, float, int]:
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        size = len(call())
        times.append(time.perf_counter() - start)
    times.sort()
    return statistics.median(times) * 1000, times[int(0.95 * (len(times) - 1))] * 1000, size


def page_weight(client, html: str) -> tuple[int, int]:
    """Bytes of the page and what it loads from us (compressed with gzip, as served)."""
    from django.contrib.staticfiles import finders

    total = len(gzip.compress(html.encode()))
    assets = re.findall(r'(?:src|href)="/static/([^"?]+)"', html)
    for asset in set(assets):
        path = finders.find(re.sub(r"\.[0-9a-f]{12}\.", ".", asset)) or finders.find(asset)
        if path:
            total += len(gzip.compress(Path(path).read_bytes()))
    return total, len(set(assets))


def run(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from onecouncil.backoffice.duplicates import likely_duplicates_for_staff
    from onecouncil.cases.access import nearby_open_requests
    from onecouncil.cases.models import Case
    from onecouncil.catalogue.models import Service
    from onecouncil.core.models import Council, Membership
    from onecouncil.frontdoor.reports_near import public_reports_near

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_demo", requests=0, stdout=quiet)
    print(
        f"OneCouncil places benchmark: {args.database}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs"
    )
    rng = random.Random(11)
    start = time.perf_counter()
    centre = fill(min(args.loaded, args.rows), rng)
    print(f"loaded {min(args.loaded, args.rows):,} requests in {time.perf_counter() - start:.0f}s")
    start = time.perf_counter()
    copied = copy_up_to(args.rows, rng)
    print(f"copied {copied:,} more in {time.perf_counter() - start:.0f}s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    council = Council.objects.get(slug="riverbend")
    pothole = Service.objects.get(council=council, code="pothole")
    leader = Membership.objects.get(council=council, user__username="leader@riverbend.example")
    randoms = _points_inside(council.pk, random.Random(5), args.repeat)
    hot_cases = list(
        Case.objects.filter(council=council, service=pothole).open().order_by("-created_at")[:50]
    )
    hot_cases = [c for c in hot_cases if abs(c.latitude - centre[0]) < 0.002][: args.repeat]
    some_cases = list(Case.objects.filter(council=council).open().order_by("?")[: args.repeat])
    points = itertools.cycle(randoms)
    open_cases = itertools.cycle(some_cases)
    hot = itertools.cycle(hot_cases)

    def nearby_random() -> list:
        lat, lon = next(points)
        return nearby_open_requests(service=pothole, latitude=lat, longitude=lon)

    def near_me_random() -> list:
        lat, lon = next(points)
        return public_reports_near(
            council=council, latitude=lat, longitude=lon, radius=500, days=30
        )

    queries = {
        "nearby (report once), random points": nearby_random,
        "nearby (report once), hot spot": lambda: nearby_open_requests(
            service=pothole, latitude=centre[0], longitude=centre[1]
        ),
        "likely duplicates, random open cases": lambda: likely_duplicates_for_staff(
            membership=leader, case=next(open_cases)
        ),
        "likely duplicates, hot spot cases": lambda: likely_duplicates_for_staff(
            membership=leader, case=next(hot)
        ),
        "reports near me (500 m, 30 days), random": near_me_random,
        "reports near me (500 m, 30 days), hot spot": lambda: public_reports_near(
            council=council, latitude=centre[0], longitude=centre[1], radius=500, days=30
        ),
    }
    print(f"{'query':44} {'p50 ms':>8} {'p95 ms':>8} {'found':>6}")
    for name, call in queries.items():
        call()
        median, p95, size = timed(call, args.repeat)
        print(f"{name:44} {median:8.1f} {p95:8.1f} {size:6d}")
    client = Client()
    pages = {
        "place step with its map": "/riverbend/report/pothole/location/",
        "reports near me, hot spot": f"/riverbend/reports/?lat={centre[0]:.6f}&lon={centre[1]:.6f}",
    }
    answered = client.post(
        "/riverbend/report/pothole/questions/",
        {"answer-size": "small", "answer-where_in_road": "middle"},
    )
    assert answered.status_code == 302, answered.status_code
    print(f"{'page':44} {'p50 ms':>8} {'p95 ms':>8} {'KB gz':>6} {'assets':>6}")
    for name, url in pages.items():
        times = []
        html = ""
        for _ in range(args.repeat):
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, (url, response.status_code)
            html = response.content.decode()
        times.sort()
        weight, assets = page_weight(client, html)
        print(
            f"{name:44} {statistics.median(times) * 1000:8.1f} "
            f"{times[int(0.95 * (len(times) - 1))] * 1000:8.1f} {weight / 1024:6.0f} {assets:6d}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--loaded", type=int, default=20_000, help="how many go through the bulk loader"
    )
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var:
        dbname = setup(args.database, var)
        try:
            run(args)
        finally:
            teardown(dbname)


if __name__ == "__main__":
    main()
