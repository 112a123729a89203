"""The background worker's jobs. Apps register what the worker should do each round
(``register_job``) so that the worker needs to import none of them."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

Job = Callable[[], int]


def backoff(attempts: int) -> dt.timedelta:
    """How long a job waits before trying a failed delivery again (an email, a webhook, a
    request sent on): 30s, 1m, 2m, 4m ... capped at 1 hour."""
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


_jobs: list[tuple[str, Job]] = []


def register_job(name: str, job: Job) -> None:
    if all(existing != name for existing, _job in _jobs):
        _jobs.append((name, job))


def run_jobs() -> int:
    """Run every registered job once; returns how much work was done."""
    done = 0
    for name, job in _jobs:
        try:
            done += job()
        except Exception:
            logger.exception("worker job %s failed", name)
    return done
