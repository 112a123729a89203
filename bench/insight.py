"""Insight at scale: dashboards over 5,000,000 requests, an incremental refresh, and the
weekly forecast refit.

    .venv/bin/python bench/insight.py --rows 5000000

Builds a fresh SQLite database with the demo councils (no history), then writes
``--rows`` requests (and a rating for one in ten) for Riverbend straight into the
analytics store's working database with DuckDB (three years, every service, team, ward
and channel), and publishes a snapshot as the worker does. Then:

- each dashboard's server time: ``insight.services.report`` for an administrator (the
  widest scope), best of five; and the same SQL the dashboard ran, replayed raw on a
  DuckDB connection over the same snapshot, best of five, with the ratio between them;
- an incremental refresh after a day of new requests (``--day`` of them, loaded through
  the cases bulk loader), including publishing the new snapshot;
- the forecast refit for every service.

Prints the figures; record them in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup(var: str) -> None:
    os.environ["ONECOUNCIL_VAR_DIR"] = var
    os.environ["DATABASE_URL"] = f"sqlite:///{var}/bench.sqlite3"
    os.environ["INSIGHT_DIR"] = f"{var}/insight"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecouncil.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def best(fn, times: int = 5) -> float:
    timings = []
    for _n in range(times):
        started = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - started)
    return min(timings)


def fill(rows: int) -> tuple[int, float]:
    """Write ``rows`` requests for Riverbend straight into the working store."""
    from onecouncil.catalogue.models import Service
    from onecouncil.core.models import Council, Team
    from onecouncil.insight import store
    from onecouncil.residents.models import Ward

    council = Council.objects.get(slug="riverbend")
    services = list(Service.objects.filter(council=council).values_list("pk", flat=True))
    teams = list(Team.objects.filter(council=council).values_list("pk", flat=True))
    wards = list(Ward.objects.filter(council=council).values_list("code", flat=True))
    started = time.perf_counter()
    con = store._connect_work()
    con.execute(
        f"""INSERT INTO requests
        WITH base AS (
            SELECT i AS case_id,
                TIMESTAMP '2023-12-01'
                    + to_seconds((hash(i, 1) % (3 * 365 * 86400))::BIGINT) AS created_at,
                (hash(i, 2) % 100)::INTEGER AS pick, (hash(i, 3) % 1000)::BIGINT AS hours
            FROM range(10000000, 10000000 + {rows}) t(i))
        SELECT case_id, {council.pk},
            list_extract({services}, 1 + (hash(case_id, 4) % {len(services)})::BIGINT),
            list_extract({teams}, 1 + (hash(case_id, 5) % {len(teams)})::BIGINT),
            list_extract({[str(w) for w in wards]}, 1 + (hash(case_id, 6) % {len(wards)})::BIGINT),
            CASE WHEN pick < 55 THEN 'web' WHEN pick < 85 THEN 'phone'
                 WHEN pick < 92 THEN 'face_to_face' WHEN pick < 97 THEN 'email' ELSE 'api' END,
            CASE WHEN pick < 90 THEN 'closed' ELSE 'in_progress' END,
            pick >= 90, false, NULL, created_at, created_at::DATE,
            CASE WHEN pick < 90 THEN created_at + to_hours(hours) END,
            CASE WHEN pick < 90 THEN (created_at + to_hours(hours))::DATE END,
            created_at + INTERVAL 10 DAY, (pick = 7)::INTEGER, pick = 8
        FROM base"""
    )
    store._dimensions(con)
    store._feedback(con, None)
    con.execute(
        f"""INSERT INTO ratings SELECT case_id, {council.pk}, (1 + hash(case_id, 7) % 5)::INTEGER
        FROM requests WHERE status = 'closed' AND hash(case_id, 8) % 10 = 0"""
    )
    now = dt.datetime.now(dt.UTC)
    store._set_state(
        con,
        {"last_id": "0", "watermark": now.isoformat(), "last_full": now.isoformat()},
    )
    store._publish(con, refreshed_at=now, last_full=now)
    con.close()
    return council.pk, time.perf_counter() - started


def dashboards(council_id: int) -> None:
    import duckdb

    from onecouncil.core.models import Council
    from onecouncil.insight import figures
    from onecouncil.insight.access import Scope
    from onecouncil.insight.figures import Filters
    from onecouncil.insight.services import default_period, report, today_for
    from onecouncil.insight.snapshot import current_snapshot, open_council

    council = Council.objects.get(pk=council_id)
    start, end = default_period(today_for(council))
    filters = Filters(start=start, end=end)
    scope = Scope(council_id=council_id)
    snapshot = current_snapshot()
    assert snapshot is not None
    print(f"{'dashboard':<16}{'server (s)':>12}{'raw SQL (s)':>13}{'ratio':>8}")
    for dashboard in figures.dashboards():
        # The SQL this dashboard runs, captured once, to replay raw.
        ran: list[tuple[str, list]] = []
        original = figures.Context.rows

        def capture(self, sql, params, _original=original, _ran=ran):
            _ran.append((sql, list(params)))
            return _original(self, sql, params)

        figures.Context.rows = capture  # type: ignore[method-assign]
        report(council=council, scope=scope, dashboard=dashboard, filters=filters)
        figures.Context.rows = original  # type: ignore[method-assign]

        def served(dashboard=dashboard):
            report(council=council, scope=scope, dashboard=dashboard, filters=filters)

        def raw(ran=ran):
            con: duckdb.DuckDBPyConnection = open_council(snapshot, council_id)
            for sql, params in ran:
                con.execute(sql, params).fetchall()
            con.close()

        server, bare = best(served), best(raw)
        print(f"{dashboard.slug:<16}{server:>12.3f}{bare:>13.3f}{server / bare:>8.2f}")


def incremental(council_id: int, day: int) -> None:
    import random

    from onecouncil.cases.actions import cases_bulk_load
    from onecouncil.cases.models import Status
    from onecouncil.catalogue.models import Service
    from onecouncil.core.models import Council
    from onecouncil.demo.history import history
    from onecouncil.insight import store
    from onecouncil.residents.models import Address

    council = Council.objects.get(pk=council_id)
    rng = random.Random(1)
    services = list(Service.objects.filter(council=council).prefetch_related("questions"))
    addresses = list(Address.objects.filter(council=council).select_related("ward"))
    now = dt.datetime.now(dt.UTC)
    # Requests as the demo makes them (answers and all), all made in the last day.
    made = history(
        council=council,
        services=services,
        addresses=addresses,
        names=(["Bench"], ["Resident"]),
        count=day * 3 * 365,
        rng=rng,
    )
    loaded = cases_bulk_load(
        council=council,
        requests=[
            replace(
                r,
                reported_at=now - dt.timedelta(minutes=rng.randint(1, 1400)),
                closed_at=None,
                status=Status.RECEIVED,
            )
            for r in itertools.islice(made, day)
        ],
    )
    result = store.refresh(full=False, refit=False)
    print(
        f"incremental refresh: {loaded} new requests read, store of "
        f"{result.rows:,} changed rows, {result.seconds:.2f} s including publishing"
    )


def refit() -> None:
    from django.utils import timezone

    from onecouncil.insight import forecasts, store

    con = store._connect_work()
    started = time.perf_counter()
    fitted = forecasts.refit(con, today=timezone.localdate(), now=timezone.now())
    seconds = time.perf_counter() - started
    statuses = con.execute("SELECT status, count(*) FROM forecast_fits GROUP BY 1").fetchall()
    con.close()
    print(f"forecast refit: {fitted} services fitted in {seconds:.1f} s; {dict(statuses)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--day", type=int, default=4_500, help="new requests in a day")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var:
        setup(var)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("load_demo", requests=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        council_id, seconds = fill(args.rows)
        print(f"{args.rows:,} requests written and published in {seconds:.1f} s")
        dashboards(council_id)
        refit()
        incremental(council_id, args.day)


if __name__ == "__main__":
    main()
