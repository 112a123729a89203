"""Staff pages with a large database: response times and queries per page.

    .venv/bin/python bench/backoffice.py --database sqlite --rows 100000
    .venv/bin/python bench/backoffice.py --database postgres --rows 100000

Builds a fresh database (the demo councils, then ``--rows`` requests with their first
events, through the product's bulk loader), then requests the queue, a filtered queue,
a search and the case view in-process through Django's test client, signed in as a
team leader. Queries per page are counted at 1,000 rows and again at the full size:
they must be the same.
Prints the figures; record them in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup(database: str, var: str) -> str | None:
    os.environ["ONECOUNCIL_VAR_DIR"] = var
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    dbname = None
    if database == "postgres":
        dbname = f"bench_backoffice_{os.getpid()}"
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {dbname}"],
            check=True,
        )
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{dbname}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecouncil.config.settings")
    import django

    django.setup()
    return dbname


def teardown(dbname: str | None) -> None:
    """Close the connections and drop the benchmark's PostgreSQL database, if it made one."""
    from django.db import connections

    connections.close_all()
    if dbname:
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-qc",
                f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)",
            ],
            check=False,
        )


def fill(target: int) -> None:
    """Load ``target`` requests through the product's own bulk loader (the same rules and
    derivations as a resident's report), spread over the last year."""
    from django.utils import timezone

    from onecouncil.cases.actions import EarlierRequest, cases_bulk_load
    from onecouncil.cases.inputs import Contact, Location
    from onecouncil.cases.models import Case, Channel, Status
    from onecouncil.catalogue.models import Service
    from onecouncil.core.models import Council
    from onecouncil.demo.answers import plausible_answers
    from onecouncil.residents.models import Address

    council = Council.objects.get(slug="riverbend")
    services = list(Service.objects.filter(council=council).prefetch_related("questions"))
    addresses = list(Address.objects.filter(council=council).select_related("ward"))
    statuses = (
        [Status.RECEIVED] * 4 + [Status.IN_PROGRESS] * 2 + [Status.FIXED] * 3 + [Status.CLOSED]
    )
    rng = random.Random(7)
    now = timezone.now()
    have = Case.objects.filter(council=council).count()

    def requests():
        for n in range(have, target):
            service, address = rng.choice(services), rng.choice(addresses)
            yield EarlierRequest(
                service=service,
                answers=plausible_answers(service, rng),
                location=Location(address=address) if service.location_required else Location(),
                contact=Contact(
                    name=f"Resident {n}",
                    email=f"r{n}@example.com",
                    phone=f"07700 9{n % 100000:05d}",
                ),
                channel=Channel.WEB,
                reported_at=now - timezone.timedelta(minutes=rng.randint(1, 60 * 24 * 365)),
                status=rng.choice(statuses),
            )

    cases_bulk_load(council=council, requests=requests(), batch_size=2000)


def measure(client, url: str, repeat: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    times = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
    times.sort()
    return statistics.median(times) * 1000, times[int(0.95 * (len(times) - 1))] * 1000, queries


def pages(client) -> list[tuple[str, str]]:
    from onecouncil.cases.models import Case

    reference = Case.objects.order_by("?").values_list("reference", flat=True).first()
    return [
        ("queue (all open, soonest due)", "/riverbend/staff/queue/?status=open"),
        (
            "queue (overdue, one team)",
            "/riverbend/staff/queue/?status=open&due=overdue&team="
            + str(Case.objects.values_list("team_id", flat=True).first()),
        ),
        ("search by email", "/riverbend/staff/search/?q=r5@example.com"),
        ("case view", f"/riverbend/staff/cases/{reference}/"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var:
        dbname = setup(args.database, var)
        try:
            run(args)
        finally:
            teardown(dbname)


def run(args: argparse.Namespace) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_demo", requests=0, stdout=quiet)
    client = Client()
    client.force_login(get_user_model().objects.get(username="leader@riverbend.example"))
    print(
        f"OneCouncil back-office benchmark: {args.database}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs"
    )
    fill(1000)
    small = {name: measure(client, url, 3)[2] for name, url in pages(client)}
    start = time.perf_counter()
    fill(args.rows)
    print(f"loaded {args.rows:,} requests and their events in {time.perf_counter() - start:.0f}s")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as `onecouncil optimise_database` does
    print(f"{'page':34} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'at 1,000':>9}")
    for name, url in pages(client):
        median, p95, queries = measure(client, url, args.repeat)
        print(f"{name:34} {median:10.1f} {p95:8.1f} {queries:8d} {small[name]:9d}")


if __name__ == "__main__":
    main()
