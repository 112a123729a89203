from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from onecouncil.core.database import database_optimise


class Command(BaseCommand):
    help = "Refresh the database's query-planner statistics (ANALYZE). Run after big imports."

    def handle(self, *args: Any, **options: Any) -> None:
        database_optimise(full=True)
        self.stdout.write("Database statistics refreshed.")
