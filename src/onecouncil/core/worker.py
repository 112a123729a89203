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


# Jobs run in queues, one worker process each: the main queue delivers (notifications,
# webhooks, requests sent on); the insight queue refreshes the analytics store and refits
# forecasts, which may take minutes and must never hold a notification back.
MAIN = "main"
INSIGHT = "insight"
QUEUES = (MAIN, INSIGHT)

_jobs: list[tuple[str, str, Job]] = []


def register_job(name: str, job: Job, queue: str = MAIN) -> None:
    if queue not in QUEUES:
        raise ValueError(f"no worker queue {queue!r}")
    if all(existing != name for existing, _queue, _job in _jobs):
        _jobs.append((name, queue, job))


def run_jobs(queue: str = MAIN) -> int:
    """Run every job registered on ``queue`` once; returns how much work was done."""
    done = 0
    for name, job_queue, job in _jobs:
        if job_queue != queue:
            continue
        try:
            done += job()
        except Exception:
            logger.exception("worker job %s failed", name)
    return done
