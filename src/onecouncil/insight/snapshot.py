"""Reading the analytics store's published snapshot (``insight.store`` writes it).

Each reader opens its own in-memory DuckDB over the snapshot's Parquet files, and only
over one council's files: a query for one council cannot read another's rows, whatever
its WHERE clause says.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
from django.conf import settings

# Published whole (not partitioned), each with a council_id column.
SMALL_TABLES = (
    "services",
    "teams",
    "wards",
    "ratings",
    "journeys",
    "page_feedback",
    "forecasts",
    "forecast_fits",
    "devices",
    "device_services",
    "sensor_days",
)


@dataclass(frozen=True)
class Snapshot:
    path: Path
    refreshed_at: dt.datetime
    last_full: dt.datetime
    requests: int


def current_snapshot() -> Snapshot | None:
    """The snapshot the worker published last, or None before its first refresh."""
    link = Path(settings.INSIGHT_DIR) / "current"
    try:
        path = link.resolve(strict=True)
        manifest = json.loads((path / "manifest.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return Snapshot(
        path=path,
        refreshed_at=dt.datetime.fromisoformat(manifest["refreshed_at"]),
        last_full=dt.datetime.fromisoformat(manifest["last_full"]),
        requests=int(manifest["requests"]),
    )


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def open_council(snapshot: Snapshot, council_id: int) -> duckdb.DuckDBPyConnection:
    """A read-only view of one council's part of the snapshot: tables ``requests``
    (with ``month``) and the small ones (``SMALL_TABLES``: services, teams, wards,
    ratings, journeys, page_feedback)."""
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {settings.INSIGHT_READ_THREADS}")
    council = int(council_id)
    files = sorted((snapshot.path / "requests" / f"council_id={council}").glob("*/*.parquet"))
    if files:
        listed = ", ".join(_quoted(f) for f in files)
        con.execute(
            "CREATE VIEW requests AS SELECT * FROM "  # noqa: S608 - our own paths, quoted
            f"read_parquet([{listed}], hive_partitioning = true, hive_types = "
            "{'council_id': INTEGER, 'month': VARCHAR})"
        )
    else:
        schema = _quoted(snapshot.path / "requests_schema.parquet")
        con.execute(
            f"CREATE VIEW requests AS SELECT *, '' AS month FROM read_parquet({schema})"  # noqa: S608 - our own path
        )
    for table in SMALL_TABLES:
        if not (snapshot.path / f"{table}.parquet").exists():
            continue  # published before the table existed; the figures say there is none
        source = _quoted(snapshot.path / f"{table}.parquet")
        con.execute(
            f"CREATE VIEW {table} AS SELECT * FROM read_parquet({source}) "  # noqa: S608 - fixed names
            f"WHERE council_id = {council}"
        )
    return con
