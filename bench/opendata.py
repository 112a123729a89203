"""An open data release for a council with millions of requests, on SQLite and PostgreSQL:
time and peak memory, at two sizes, to show memory does not grow with the rows.

    .venv/bin/python bench/opendata.py --rows 500000 5000000

For each database and size, in fresh processes:

1. load: a fresh database (SQLite in a temporary directory; PostgreSQL as a new database
   ``bench_opendata`` on 127.0.0.1), migrated, with the demo councils (no history); then
   ``--rows`` requests for Riverbend written straight into ``cases_case`` (PostgreSQL
   ``COPY``, SQLite ``executemany``; not the ORM), copied from one request made through
   ``case_create`` and varied: service, ward, street, channel, status, dates, and each
   with its reporter's name, email, phone and free text (so the publication check has
   millions of personal values to stream past);
2. release: ``opendata.services.release_build`` (every file written, converted and
   checked) in a process of its own, timed, with its peak resident memory (ru_maxrss).

Prints the figures; record them in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgres://postgres@127.0.0.1:5432/bench_opendata"


def setup(var: str, database: str) -> None:
    os.environ["ONECOUNCIL_VAR_DIR"] = var
    os.environ["DATABASE_URL"] = (
        f"sqlite:///{var}/bench.sqlite3" if database == "sqlite" else PG_BENCH
    )
    os.environ["INSIGHT_DIR"] = f"{var}/insight"
    os.environ["OPENDATA_DIR"] = f"{var}/opendata"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecouncil.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def fresh_postgres() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as con:
        con.execute("DROP DATABASE IF EXISTS bench_opendata WITH (FORCE)")
        con.execute("CREATE DATABASE bench_opendata")


FIRST = ["Amira", "Ben", "Chloe", "Dev", "Ewa", "Femi", "Grace", "Hamza", "Isla", "Jon"]
LAST = ["Okafor", "Whitfield", "Nowak", "Patel", "Lindqvist", "Moreau", "Byrne", "Kowalczyk"]
WORDS = [
    "bin",
    "missed",
    "again",
    "corner",
    "broken",
    "glass",
    "near",
    "the",
    "school",
    "gate",
    "leaking",
    "every",
    "morning",
]


def load(rows: int) -> float:
    """The demo councils, then ``rows`` requests for Riverbend straight into the table."""
    import datetime as dt

    from django.core.exceptions import ValidationError
    from django.core.management import call_command
    from django.db import connection, transaction

    from onecouncil.cases.actions import case_create
    from onecouncil.cases.inputs import Contact, Location, NewRequest
    from onecouncil.cases.models import CLOSED_STATUSES, Case, Channel, Status
    from onecouncil.catalogue.models import Service
    from onecouncil.core.models import Council
    from onecouncil.core.references import ALPHABET, check_character, format_reference
    from onecouncil.demo.answers import plausible_answers
    from onecouncil.opendata.models import Release
    from onecouncil.residents.models import Address, Ward

    call_command("migrate", verbosity=0)
    call_command("load_demo", requests=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    council = Council.objects.get(slug="riverbend")
    services = list(Service.objects.filter(council=council, is_active=True))
    wards = list(Ward.objects.filter(council=council).values_list("pk", flat=True))
    streets = sorted(
        {s for s in Address.objects.filter(council=council).values_list("street", flat=True) if s}
    )
    template = None
    errors: list[str] = []
    for service in services:  # the first that takes the demo's answers makes the template
        try:
            template = case_create(
                council=council,
                request=NewRequest(
                    service=service,
                    answers=plausible_answers(service, random.Random(1)),
                    location=Location(street=streets[0], description="By the lamp post"),
                    contact=Contact(name="Template Person", email="template@example.org"),
                    channel=Channel.WEB,
                    submission_key=uuid.uuid4(),
                ),
            ).case
            break
        except ValidationError as exc:
            errors.append(f"{service.code}: {exc}")
    assert template is not None, errors
    # The demo published today's release from no requests: this one replaces it.
    Release.objects.filter(council=council).delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_case WHERE id = %s", [template.pk])
        names = [c[0] for c in cursor.description]
        base = dict(zip(names, cursor.fetchone(), strict=True))
    Case.objects.filter(pk=template.pk).delete()
    del base["id"]
    columns = list(base)
    rng = random.Random(5)
    sqlite = connection.vendor == "sqlite"
    channels = list(Channel.values)
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()

    def reference(i: int) -> str:
        """The i-th reference: unique (random ones would collide among millions)."""
        body = "".join(ALPHABET[(i // 32**k) % 32] for k in range(7))
        return format_reference(council.reference_prefix, body + check_character(body))

    def made(i: int) -> tuple:
        service = services[i % len(services)]
        created = now - dt.timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
        closed = rng.random() < 0.85
        status = Status.FIXED if closed else Status.RECEIVED
        first, last = rng.choice(FIRST), rng.choice(LAST)
        row = dict(base)
        row.update(
            reference=reference(i),
            service_id=service.pk,
            team_id=service.team_id,
            status=status,
            channel=rng.choice(channels),
            ward_id=rng.choice(wards),
            street=rng.choice(streets),
            contact_name=f"{first} {last}",
            contact_email=f"{first}.{last}{i}@example.org".lower(),
            contact_phone=f"07700 {900000 + i % 100000:06d}",
            location_description=" ".join(rng.choices(WORDS, k=6)),
            description="",
            submission_key=uuid.uuid4(),
            created_at=created,
            updated_at=created,
            due_at=created + dt.timedelta(days=rng.choice((2, 5, 10))),
            closed_at=created + dt.timedelta(hours=rng.randrange(1, 400))
            if status in CLOSED_STATUSES
            else None,
        )
        return tuple(_plain(row[c], sqlite) for c in columns)

    batch = 50_000
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            copy_sql = f"COPY cases_case ({', '.join(columns)}) FROM STDIN"
            with cursor.cursor.copy(copy_sql) as copy:
                for i in range(rows):
                    copy.write_row(made(i))
    else:
        placeholders = ", ".join("%s" for _ in columns)
        sql = f"INSERT INTO cases_case ({', '.join(columns)}) VALUES ({placeholders})"
        for start in range(0, rows, batch):
            # One transaction a batch: in Django's autocommit each row would be its own.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, [made(i) for i in range(start, min(rows, start + batch))])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")  # as autovacuum would, after a bulk load
    return time.perf_counter() - started


def _plain(value: object, sqlite: bool) -> object:
    """A value as the table stores it (SQLite keeps JSON as text and UUIDs as hex)."""
    if isinstance(value, dict | list):
        return json.dumps(value)
    if sqlite and isinstance(value, uuid.UUID):
        return value.hex
    return value


def release() -> dict:
    from onecouncil.core.models import Council
    from onecouncil.opendata.services import release_build

    council = Council.objects.get(slug="riverbend")
    started = time.perf_counter()
    built = release_build(council=council)
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": round(seconds, 1),
        "peak_mib": round(peak_mib),
        "status": built.status,
        "problems": built.problems,
        "rows": built.files["service-requests.csv"]["rows"],
        "csv_mib": round(built.files["service-requests.csv"]["bytes"] / 2**20),
        "parquet_mib": round(built.files["service-requests.parquet"]["bytes"] / 2**20, 1),
    }


def child(args: argparse.Namespace) -> None:
    setup(args.var, args.database)
    if args.phase == "load":
        print(json.dumps({"load_seconds": round(load(args.rows), 1)}))
    else:
        print(json.dumps(release()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[500_000, 5_000_000])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="PostgreSQL only: build a release from the requests the last run loaded "
        "(to compare OPENDATA_MEMORY_LIMIT settings without loading again)",
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--var", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        args.rows = args.rows[0]
        child(args)
        return
    for database in args.databases:
        for rows in args.rows:
            reuse = args.reuse and database == "postgres"
            with tempfile.TemporaryDirectory() as var:
                if database == "postgres" and not reuse:
                    fresh_postgres()
                figures: dict = {}
                for phase in ("release",) if reuse else ("load", "release"):
                    out = subprocess.run(
                        [
                            sys.executable,
                            __file__,
                            "--phase",
                            phase,
                            "--var",
                            var,
                            "--database",
                            database,
                            "--rows",
                            str(rows),
                        ],
                        check=False,
                        capture_output=True,
                        text=True,
                    )
                    if out.returncode:
                        sys.exit(f"{database} {rows:,} {phase} failed:\n{out.stderr[-3000:]}")
                    figures.update(json.loads(out.stdout.strip().splitlines()[-1]))
                loaded = "reused" if reuse else f"loaded in {figures['load_seconds']} s"
                limit = os.environ.get("OPENDATA_MEMORY_LIMIT", "256MB")
                print(
                    f"{database:8} {rows:>9,} requests: {loaded}; "
                    f"release {figures['seconds']} s, peak {figures['peak_mib']} MiB "
                    f"(DuckDB limit {limit}); "
                    f"{figures['rows']:,} rows published ({figures['csv_mib']} MiB CSV, "
                    f"{figures['parquet_mib']} MiB Parquet); {figures['status']}"
                    + (f" {figures['problems']}" if figures["problems"] else ""),
                    flush=True,
                )


if __name__ == "__main__":
    main()
