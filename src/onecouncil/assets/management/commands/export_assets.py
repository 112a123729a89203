from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onecouncil.assets.imports import assets_export
from onecouncil.core.models import Council


class Command(BaseCommand):
    help = "Print a council's assets as GeoJSON (WGS84) or CSV, in the form the import reads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--council", required=True, help="The council's slug.")
        parser.add_argument("--csv", action="store_true", help="CSV instead of GeoJSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        council = Council.objects.filter(slug=options["council"]).first()
        if council is None:
            raise CommandError(f"There is no council {options['council']!r}.")
        self.stdout.write(assets_export(council=council, as_csv=options["csv"]), ending="")
