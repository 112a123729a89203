from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onecouncil.core.selectors import council_for_slug
from onecouncil.residents.services import gazetteer_import, gazetteer_import_coordinates


class Command(BaseCommand):
    help = (
        "Import a council's addresses from CSV (columns in docs/gazetteer.md). "
        "--coordinates takes a file in the OS Open UPRN layout to fill latitude and longitude."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--council", required=True)
        parser.add_argument("--coordinates", help="OS Open UPRN CSV (UPRN, LATITUDE, LONGITUDE).")

    def handle(self, *args: Any, **options: Any) -> None:
        council = council_for_slug(options["council"])
        if council is None:
            raise CommandError(f"No active council with slug {options['council']!r}.")
        with open(options["file"], encoding="utf-8-sig", newline="") as handle:
            result = gazetteer_import(council=council, handle=handle)
        if result.errors:
            raise CommandError("Nothing was imported:\n" + "\n".join(result.errors[:50]))
        self.stdout.write(f"{result.created} addresses created, {result.updated} updated.")
        if options["coordinates"]:
            with open(options["coordinates"], encoding="utf-8-sig", newline="") as handle:
                count = gazetteer_import_coordinates(council=council, handle=handle)
            self.stdout.write(f"Coordinates set for {count} addresses.")
