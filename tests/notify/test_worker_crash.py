"""A real worker process killed mid-send: the notification is neither lost nor doubled."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from onecouncil.notify.models import Notification, Status
from onecouncil.notify.services import notification_enqueue, outbox_process

# A worker process killed mid-send: a subprocess, for the slow lane.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_send(council, tmp_path):
    assert connection.vendor == "postgresql" or connection.settings_dict["NAME"] != ":memory:"
    queued = notification_enqueue(
        council=council,
        kind="case_confirmation",
        channel="email",
        recipient="sam@example.com",
        subject_reference="",
        context={"council_name": council.name, "reference": "RVB-X"},
    )
    marker = tmp_path / "sending"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "PYTHONPATH": str(ROOT),
        "EMAIL_BACKEND": "tests.notify.hanging.HangingBackend",
        "HANGING_MARKER": str(marker),
        "WORKER_POLL_SECONDS": "0.2",
    }
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "onecouncil"), "run_worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while not marker.exists():
            assert worker.poll() is None, worker.stdout.read().decode()
            assert time.monotonic() < deadline, "the worker never started sending"
            time.sleep(0.1)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    queued.refresh_from_db()
    # Claimed by the dead worker: not lost, and not sent again while its lease runs.
    assert queued.status == Status.SENDING and queued.locked_until > timezone.now()
    assert outbox_process() == 0
    # When the lease runs out another worker sends it, once.
    Notification.objects.filter(pk=queued.pk).update(locked_until=timezone.now())
    assert outbox_process() == 1
    assert outbox_process() == 0
    assert len(mail.outbox) == 1
    queued.refresh_from_db()
    assert queued.status == Status.SENT and queued.attempts == 2
