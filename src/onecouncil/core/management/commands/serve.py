"""Serve OneCouncil: the web server (gunicorn) and the background workers, together: one
for deliveries (the main queue) and one for insight (analytics and forecasts), so a long
refresh never holds a notification back.

Stopping this command (Ctrl+C) stops them all. A worker that dies is started again (after
a pause if it keeps dying), so the site stays up; if the web server stops, so does this.
In production run them as separate services instead (docs/operations.md).

The access log shows each request's path without its query string (an Open311 client may
put its ``api_key`` there), with every secret link's token redacted
(``core.logredact.AccessLogger``), and without the referring page.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from onecouncil.core.worker import QUEUES

# gunicorn's usual format without the query string (%(U)s is the path alone) or referrer.
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
RESTART_PAUSE = 5.0


class Command(BaseCommand):
    help = "Serve the site with gunicorn and run the background worker beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))

    def handle(self, *args: Any, **options: Any) -> None:
        bin_dir = os.path.dirname(sys.executable)
        commands = {
            queue: [os.path.join(bin_dir, "onecouncil"), "run_worker", "--queue", queue]
            for queue in QUEUES
        }
        # Sensors' readings from the MQTT broker (onecouncil.sensors), supervised the same.
        commands["sensors"] = [os.path.join(bin_dir, "onecouncil"), "run_sensors"]
        if not settings.SENSOR_MQTT_URL:  # none configured: an embedded Mosquitto
            commands["broker"] = [os.path.join(bin_dir, "onecouncil"), "run_broker"]
        workers = {
            queue: subprocess.Popen(command)  # noqa: S603 - fixed command
            for queue, command in commands.items()
        }
        started = dict.fromkeys(commands, time.monotonic())
        web = subprocess.Popen(  # noqa: S603 - our own executables, fixed arguments
            [
                os.path.join(bin_dir, "gunicorn"),
                "onecouncil.config.wsgi:application",
                "--bind",
                f"{options['host']}:{options['port']}",
                "--workers",
                str(options["workers"]),
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--access-logformat",
                ACCESS_LOG_FORMAT,
                "--logger-class",
                "onecouncil.core.logredact.AccessLogger",
                "--graceful-timeout",
                "10",
            ]
        )
        self.stdout.write(f"OneCouncil is at http://{options['host']}:{options['port']}/")

        def stop(signum: int, frame: object) -> None:
            for process in (web, *workers.values()):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)

        stopping = False

        def stop_requested(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True
            stop(signum, frame)

        signal.signal(signal.SIGINT, stop_requested)
        signal.signal(signal.SIGTERM, stop_requested)
        try:
            while web.poll() is None:
                for queue, worker in list(workers.items()):
                    if worker.poll() is None or stopping:
                        continue
                    # Started again at once, or after a pause if it died straight away.
                    if time.monotonic() - started[queue] < RESTART_PAUSE:
                        time.sleep(RESTART_PAUSE)
                    self.stderr.write(
                        f"The {queue} worker stopped (exit code {worker.returncode}); "
                        "starting it again."
                    )
                    workers[queue] = subprocess.Popen(commands[queue])  # noqa: S603 - fixed command
                    started[queue] = time.monotonic()
                try:
                    web.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    continue
        finally:
            stop(signal.SIGTERM, None)
            web.wait(timeout=15)
            for worker in workers.values():
                worker.wait(timeout=15)
