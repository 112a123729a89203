"""`onecouncil serve` keeps the site up when the background worker dies, and its access
log leaves query strings (where an Open311 client may put its api_key) out."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
# Starts `onecouncil serve` (gunicorn and workers) for real: the slow lane.
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _workers(parent: int) -> list[int]:
    found = subprocess.run(
        ["pgrep", "-P", str(parent), "-f", "run_worker --queue main"],
        capture_output=True,
        text=True,
    )
    return [int(pid) for pid in found.stdout.split()]


def _wait(condition, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    return condition()


@pytest.fixture
def served(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        ONECOUNCIL_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="onecouncil.config.settings",
        ALLOWED_HOSTS="127.0.0.1",
        REDIS_URL="",
    )
    subprocess.run([str(BIN / "onecouncil"), "migrate", "--verbosity", "0"], env=env, check=True)
    port = _free_port()
    log = open(tmp_path / "serve.log", "w+")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [str(BIN / "onecouncil"), "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield process, port, tmp_path / "serve.log"
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    log.close()


def _get(port: int, path: str) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
        return response.status


def test_a_dead_worker_is_started_again_and_the_site_stays_up(served):
    process, port, log = served
    assert _wait(lambda: _get_or_none(port, "/healthz"), 30) == 200
    (first,) = _wait(lambda: _workers(process.pid), 20)
    os.kill(first, signal.SIGKILL)
    replaced = _wait(lambda: [p for p in _workers(process.pid) if p != first], 20)
    assert replaced, log.read_text()
    assert process.poll() is None
    assert _get(port, "/healthz?api_key=very-secret-key") == 200
    # A private tracking link and a sign-in link: their tokens never reach the log.
    _get_or_none(port, "/riverbend/track/RVB-AAAA-AAAA/Secr3t-Private-Link-Token/")
    _get_or_none(port, "/account/sign-in/Secr3t-Sign-In-Token-Value/")
    text = _wait(lambda: "sign-in" in log.read_text() and log.read_text(), 10)
    assert "starting it again" in text
    assert "/healthz" in text and "very-secret-key" not in text
    assert "/riverbend/track/RVB-AAAA-AAAA/[redacted]/" in text
    assert "Secr3t" not in text


def _get_or_none(port: int, path: str) -> int | None:
    try:
        return _get(port, path)
    except OSError:
        return None
