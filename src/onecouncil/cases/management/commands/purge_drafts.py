from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from onecouncil.cases.actions import photos_purge_abandoned


class Command(BaseCommand):
    help = (
        "Delete photos uploaded to reports that were never sent, once they are older than "
        "DRAFT_RETENTION_DAYS. Run daily (docs/operations.md)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = photos_purge_abandoned(older_than=dt.timedelta(days=settings.DRAFT_RETENTION_DAYS))
        self.stdout.write(f"{count} abandoned photos deleted.")
