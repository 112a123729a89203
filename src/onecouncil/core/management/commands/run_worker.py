from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from onecouncil.core.worker import MAIN, QUEUES, run_jobs


class Command(BaseCommand):
    help = "Run the background worker (notifications, webhooks, queued API requests) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Process what is due, then exit.")
        parser.add_argument(
            "--queue",
            choices=QUEUES,
            default=MAIN,
            help="Which jobs: main (deliveries) or insight (analytics and forecasts).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        queue = options["queue"]
        self.stdout.write(f"OneCouncil worker started ({queue} queue).")
        while not stopping:
            close_old_connections()
            sent = run_jobs(queue)
            if options["once"]:
                self.stdout.write(f"{sent} jobs done.")
                return
            if sent == 0:
                time.sleep(settings.WORKER_POLL_SECONDS)
        self.stdout.write("OneCouncil worker stopped.")
