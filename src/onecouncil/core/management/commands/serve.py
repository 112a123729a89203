"""Serve OneCouncil: the web server (gunicorn) and the background worker, together.

Stopping this command (Ctrl+C) stops both. In production run them as two services
instead (docs/operations.md).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the site with gunicorn and run the background worker beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))

    def handle(self, *args: Any, **options: Any) -> None:
        bin_dir = os.path.dirname(sys.executable)
        worker = subprocess.Popen([os.path.join(bin_dir, "onecouncil"), "run_worker"])  # noqa: S603 - fixed command
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
                "--graceful-timeout",
                "10",
            ]
        )
        self.stdout.write(f"OneCouncil is at http://{options['host']}:{options['port']}/")

        def stop(signum: int, frame: object) -> None:
            for process in (web, worker):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while web.poll() is None and worker.poll() is None:
                try:
                    web.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    continue
        finally:
            stop(signal.SIGTERM, None)
            web.wait(timeout=15)
            worker.wait(timeout=15)
