"""The analytics store: written by the insight worker alone, read by the web only through
published snapshots, so no dashboard ever waits on (or slows) case handling.

DuckDB lets no other process open a database file one process holds for writing, so the
worker keeps its own working database and, after each refresh, publishes a snapshot as
Parquet files that any number of readers (the web, a council's warehouse, Spark) may read:

    INSIGHT_DIR/work.duckdb                         the worker's own; nobody else opens it
    INSIGHT_DIR/snapshots/<id>/requests/council_id=<n>/month=<YYYY-MM>/data_0.parquet
    INSIGHT_DIR/snapshots/<id>/services.parquet, teams.parquet, wards.parquet
    INSIGHT_DIR/snapshots/<id>/manifest.json        when it was refreshed, and how
    INSIGHT_DIR/current -> snapshots/<id>           swapped atomically once complete

A refresh is incremental (requests made or changed since the last one, read through
``insight.rows.requests_for_insight``) except once a day, when it is rebuilt in full so
that anything an incremental refresh cannot see (a request deleted) is put right. The
store holds no names, contact details, free text, addresses or points: the ward is the
finest place in it (docs/insight.md).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
from django.conf import settings
from django.utils import timezone

from onecouncil.cases.models import CLOSED_STATUSES
from onecouncil.catalogue.models import PUBLIC_VISIBILITIES, Service
from onecouncil.core.models import Council, Team
from onecouncil.insight import forecasts
from onecouncil.insight.feedback import page_feedback_for_insight, ratings_for_insight
from onecouncil.insight.forecasts import FORECASTS_DDL, fitted_week, monday
from onecouncil.insight.journeys import journeys_for_insight
from onecouncil.insight.rows import InsightRow, requests_for_insight
from onecouncil.insight.snapshot import SMALL_TABLES, current_snapshot
from onecouncil.residents.models import Ward
from onecouncil.sensors.insight import (
    device_services_for_insight,
    devices_for_insight,
    readings_for_insight,
)

logger = logging.getLogger(__name__)

# Changes that committed a little after a refresh read past them are read again next time.
OVERLAP = dt.timedelta(minutes=10)
FULL_EVERY = dt.timedelta(hours=24)
KEEP_SNAPSHOTS = 3
CHUNK = 20_000

REQUESTS_DDL = """
CREATE TABLE IF NOT EXISTS requests (
    case_id BIGINT PRIMARY KEY,
    council_id INTEGER NOT NULL,
    service_id INTEGER NOT NULL,
    team_id INTEGER,
    ward_code VARCHAR,
    channel VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    is_open BOOLEAN NOT NULL,
    paused BOOLEAN NOT NULL,
    closure_reason VARCHAR,
    created_at TIMESTAMP NOT NULL,
    created_date DATE NOT NULL,
    closed_at TIMESTAMP,
    closed_date DATE,
    due_at TIMESTAMP,
    reopened INTEGER NOT NULL,
    is_duplicate BOOLEAN NOT NULL
)
"""
COLUMNS = (
    "case_id",
    "council_id",
    "service_id",
    "team_id",
    "ward_code",
    "channel",
    "status",
    "is_open",
    "paused",
    "closure_reason",
    "created_at",
    "created_date",
    "closed_at",
    "closed_date",
    "due_at",
    "reopened",
    "is_duplicate",
)
DIMENSIONS_DDL = (
    """CREATE OR REPLACE TABLE services (council_id INTEGER, service_id INTEGER, code VARCHAR,
    name VARCHAR, group_name VARCHAR, visibility VARCHAR, is_public BOOLEAN,
    has_target BOOLEAN, lgsl_code INTEGER)""",
    "CREATE OR REPLACE TABLE teams (council_id INTEGER, team_id INTEGER, name VARCHAR)",
    "CREATE OR REPLACE TABLE wards (council_id INTEGER, code VARCHAR, name VARCHAR)",
)
STATE_DDL = "CREATE TABLE IF NOT EXISTS state (key VARCHAR PRIMARY KEY, value VARCHAR)"
RATINGS_DDL = """CREATE TABLE IF NOT EXISTS ratings (case_id BIGINT PRIMARY KEY,
    council_id INTEGER NOT NULL, score INTEGER NOT NULL)"""
# What residents did and said, as counts: copied whole at each refresh (they are small).
COUNTS_DDL = (
    """CREATE OR REPLACE TABLE journeys (council_id INTEGER, service_id INTEGER,
    channel VARCHAR, day DATE, step VARCHAR, event VARCHAR, n INTEGER)""",
    """CREATE OR REPLACE TABLE page_feedback (council_id INTEGER, page VARCHAR, day DATE,
    useful BOOLEAN, n INTEGER)""",
    # The council's sensors (``sensors.insight``): devices, their rules' services, and
    # readings counted by day. Infrastructure, not people: places are the assets'.
    """CREATE OR REPLACE TABLE devices (council_id INTEGER, identifier VARCHAR,
    kind VARCHAR, asset VARCHAR, asset_label VARCHAR, team_id INTEGER, ward_code VARCHAR,
    latitude DOUBLE, longitude DOUBLE, interval_minutes INTEGER, last_seen_at TIMESTAMP,
    battery DOUBLE, silent BOOLEAN, latest VARCHAR, firing INTEGER)""",
    """CREATE OR REPLACE TABLE device_services (council_id INTEGER, identifier VARCHAR,
    service_id INTEGER)""",
    """CREATE OR REPLACE TABLE sensor_days (council_id INTEGER, identifier VARCHAR, day DATE,
    n INTEGER)""",
)


class StoreBusy(RuntimeError):
    """Another process holds the working database (a second insight worker)."""


@dataclass(frozen=True)
class RefreshResult:
    full: bool
    rows: int
    seconds: float
    snapshot: Path


def insight_dir() -> Path:
    return Path(settings.INSIGHT_DIR)


def _naive_utc(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.astimezone(dt.UTC).replace(tzinfo=None)


def _local_date(value: dt.datetime | None, zone: ZoneInfo) -> dt.date | None:
    return None if value is None else value.astimezone(zone).date()


def _columns(rows: list[InsightRow], zones: dict[int, ZoneInfo]) -> dict[str, Any]:
    """A chunk of requests as columns (NumPy arrays DuckDB reads without copying rows)."""
    out: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    for row in rows:
        (
            case_id,
            council_id,
            service_id,
            team_id,
            ward_code,
            channel,
            status,
            closure,
            created,
            closed,
            due,
            paused,
            duplicate_of,
        ) = row.fields
        zone = zones[council_id]
        is_closed = status in CLOSED_STATUSES
        values = (
            case_id,
            council_id,
            service_id,
            team_id,
            ward_code,
            channel,
            status,
            not is_closed,
            paused is not None,
            closure,
            _naive_utc(created),
            _local_date(created, zone),
            _naive_utc(closed) if is_closed else None,
            _local_date(closed, zone) if is_closed else None,
            _naive_utc(due),
            row.reopened,
            duplicate_of is not None,
        )
        for name, value in zip(COLUMNS, values, strict=True):
            out[name].append(value)
    return {name: np.array(values, dtype=object) for name, values in out.items()}


def _batched(rows: Iterable[InsightRow], size: int) -> Iterable[list[InsightRow]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _upsert(con: duckdb.DuckDBPyConnection, chunk: dict[str, Any]) -> None:
    con.register("chunk", chunk)
    casts = ", ".join(
        f"CAST({name} AS {kind}) AS {name}"
        for name, kind in (
            ("case_id", "BIGINT"),
            ("council_id", "INTEGER"),
            ("service_id", "INTEGER"),
            ("team_id", "INTEGER"),
            ("ward_code", "VARCHAR"),
            ("channel", "VARCHAR"),
            ("status", "VARCHAR"),
            ("is_open", "BOOLEAN"),
            ("paused", "BOOLEAN"),
            ("closure_reason", "VARCHAR"),
            ("created_at", "TIMESTAMP"),
            ("created_date", "DATE"),
            ("closed_at", "TIMESTAMP"),
            ("closed_date", "DATE"),
            ("due_at", "TIMESTAMP"),
            ("reopened", "INTEGER"),
            ("is_duplicate", "BOOLEAN"),
        )
    )
    con.execute(f"INSERT OR REPLACE INTO requests SELECT {casts} FROM chunk")  # noqa: S608 - fixed names
    con.unregister("chunk")


def _insert(
    con: duckdb.DuckDBPyConnection, table: str, rows: list[Any], *, replace: bool = False
) -> None:
    """Rows into a table by position, as columns (``executemany`` is row by row in DuckDB,
    and slow)."""
    if not rows:
        return
    columns = {
        f"c{i}": np.array(values, dtype=object) for i, values in enumerate(zip(*rows, strict=True))
    }
    con.register("incoming", columns)
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    con.execute(f"{verb} INTO {table} SELECT * FROM incoming")  # noqa: S608 - our table names
    con.unregister("incoming")


def _dimensions(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in DIMENSIONS_DDL:
        con.execute(ddl)
    services = list(
        Service.objects.order_by("pk").values_list(
            "council_id",
            "pk",
            "code",
            "name",
            "group__name",
            "visibility",
            "sla_amount",
            "lgsl_code",
        )
    )
    _insert(
        con,
        "services",
        [
            (c, pk, code, name, group or "", vis, vis in PUBLIC_VISIBILITIES, sla is not None, lgsl)
            for c, pk, code, name, group, vis, sla, lgsl in services
        ],
    )
    _insert(
        con,
        "teams",
        list(Team.objects.order_by("pk").values_list("council_id", "pk", "name")),
    )
    _insert(
        con,
        "wards",
        list(Ward.objects.order_by("pk").values_list("council_id", "code", "name")),
    )


def _state(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT key, value FROM state").fetchall())


def _set_state(con: duckdb.DuckDBPyConnection, values: dict[str, str]) -> None:
    con.executemany("INSERT OR REPLACE INTO state VALUES (?, ?)", list(values.items()))


def _connect_work() -> duckdb.DuckDBPyConnection:
    root = insight_dir()
    root.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(root / "work.duckdb"))
    except duckdb.IOException as exc:
        raise StoreBusy(str(exc)) from exc
    con.execute(REQUESTS_DDL)
    con.execute(STATE_DDL)
    con.execute(RATINGS_DDL)
    for ddl in FORECASTS_DDL:
        con.execute(ddl)
    return con


def _feedback(con: duckdb.DuckDBPyConnection, changed_since: dt.datetime | None) -> None:
    """Ratings (incrementally, like requests); journeys, page feedback and the sensors'
    tables (whole)."""
    if changed_since is None:
        con.execute("DELETE FROM ratings")
    _insert(con, "ratings", ratings_for_insight(changed_since), replace=True)
    for ddl in COUNTS_DDL:
        con.execute(ddl)
    _insert(con, "journeys", journeys_for_insight())
    _insert(con, "page_feedback", page_feedback_for_insight())
    _insert(con, "devices", devices_for_insight())
    _insert(con, "device_services", device_services_for_insight())
    _insert(con, "sensor_days", readings_for_insight())


def refresh(*, full: bool = False, refit: bool | None = None) -> RefreshResult:
    """Bring the store up to date and publish a snapshot. Incremental unless ``full`` or
    the store is new; the result is the same either way (tests/insight proves it).
    Forecasts are refitted once a week (the first refresh of the week), or as ``refit``
    says."""
    started = time.monotonic()
    began = timezone.now()
    con = _connect_work()
    try:
        state = _state(con)
        full = full or "watermark" not in state
        if full:
            con.execute("DELETE FROM requests")
            rows: Iterable[InsightRow] = requests_for_insight()
        else:
            rows = requests_for_insight(
                after_id=int(state["last_id"]),
                changed_since=dt.datetime.fromisoformat(state["watermark"]) - OVERLAP,
            )
        zones = {pk: ZoneInfo(tz) for pk, tz in Council.objects.values_list("pk", "time_zone")}
        count = 0
        for batch in _batched(rows, CHUNK):
            _upsert(con, _columns(batch, zones))
            count += len(batch)
        _dimensions(con)
        _feedback(
            con,
            None if full else dt.datetime.fromisoformat(state["watermark"]) - OVERLAP,
        )
        today = timezone.localdate(began)
        if refit is None:
            refit = (fitted_week(con) or dt.date.min) < monday(today)
        if refit:
            forecasts.refit(con, today=today, now=began)
        (last_id,) = con.execute("SELECT coalesce(max(case_id), 0) FROM requests").fetchone() or (
            0,
        )
        new_state = {"last_id": str(last_id), "watermark": began.isoformat()}
        if full:
            new_state["last_full"] = began.isoformat()
        _set_state(con, new_state)
        snapshot = _publish(
            con,
            refreshed_at=began,
            last_full=dt.datetime.fromisoformat(new_state.get("last_full") or state["last_full"]),
        )
    finally:
        con.close()
    _prune()
    seconds = time.monotonic() - started
    logger.info(
        "insight refresh (%s): %s requests in %.2fs",
        "full" if full else "incremental",
        count,
        seconds,
    )
    return RefreshResult(full=full, rows=count, seconds=seconds, snapshot=snapshot)


def _publish(
    con: duckdb.DuckDBPyConnection, *, refreshed_at: dt.datetime, last_full: dt.datetime
) -> Path:
    root = insight_dir()
    name = f"{refreshed_at:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
    target = root / "snapshots" / name
    target.mkdir(parents=True)
    quoted = str(target).replace("'", "''")  # our own path; the names below are fixed
    con.execute(
        "COPY (SELECT *, strftime(created_date, '%Y-%m') AS month FROM requests) "  # noqa: S608
        f"TO '{quoted}/requests' (FORMAT parquet, PARTITION_BY (council_id, month))"
    )
    # The columns of an empty table, for a council with no requests yet.
    con.execute(
        "COPY (SELECT * FROM requests LIMIT 0) "  # noqa: S608
        f"TO '{quoted}/requests_schema.parquet' (FORMAT parquet)"
    )
    for table in SMALL_TABLES:
        con.execute(f"COPY {table} TO '{quoted}/{table}.parquet' (FORMAT parquet)")
    (rows,) = con.execute("SELECT count(*) FROM requests").fetchone() or (0,)
    (target / "manifest.json").write_text(
        json.dumps(
            {
                "refreshed_at": refreshed_at.isoformat(),
                "last_full": last_full.isoformat(),
                "requests": rows,
            }
        )
    )
    link = root / f".current-{uuid.uuid4().hex}"
    os.symlink(Path("snapshots") / name, link)
    os.replace(link, root / "current")
    return target


def _prune() -> None:
    """Keep the newest few snapshots (a reader may still be reading the one before)."""
    root = insight_dir() / "snapshots"
    current = (insight_dir() / "current").resolve()
    for old in sorted(root.iterdir(), reverse=True)[KEEP_SNAPSHOTS:]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)


def refresh_job() -> int:
    """The insight worker's job: refresh once ``INSIGHT_REFRESH_SECONDS`` have passed since
    the last refresh, in full once a day."""
    snapshot = current_snapshot()
    now = timezone.now()
    if snapshot is not None and now - snapshot.refreshed_at < dt.timedelta(
        seconds=settings.INSIGHT_REFRESH_SECONDS
    ):
        return 0
    last_full = snapshot.last_full if snapshot is not None else None
    try:
        refresh(full=last_full is None or now - last_full >= FULL_EVERY)
    except StoreBusy:
        logger.warning("insight refresh skipped: another process holds the store")
        return 0
    return 1
