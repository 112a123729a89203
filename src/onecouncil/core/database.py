"""Keeping the database's query-planner statistics fresh.

PostgreSQL's autovacuum does this by itself. SQLite has no statistics until ANALYZE runs,
and without them it can pick a poor index for the staff queues (measured in
docs/benchmarks.md), so the worker runs SQLite's recommended ``PRAGMA optimize`` hourly.
"""

from __future__ import annotations

import time

from django.db import connection

_INTERVAL_SECONDS = 3600
# When the job last ran (time.monotonic()), or None: never in this process. monotonic()
# counts from boot, so a start value of 0.0 would skip the first hour after boot.
_last_run: float | None = None


def database_optimise(*, full: bool = False) -> None:
    """ANALYZE (``full``) or SQLite's cheap ``PRAGMA optimize``."""
    with connection.cursor() as cursor:
        if full or connection.vendor != "sqlite":
            cursor.execute("ANALYZE")
        else:
            cursor.execute("PRAGMA optimize")


def database_optimise_job() -> int:
    """The worker's hourly job (SQLite only; PostgreSQL's autovacuum already does it)."""
    global _last_run
    if connection.vendor != "sqlite":
        return 0
    if _last_run is not None and time.monotonic() - _last_run < _INTERVAL_SECONDS:
        return 0
    _last_run = time.monotonic()
    database_optimise()
    return 0
