from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onecouncil.catalogue.exchange import CatalogueImportError, catalogue_import
from onecouncil.core.selectors import council_for_slug


class Command(BaseCommand):
    help = "Create or update a council's services from a catalogue YAML file (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--council", required=True, help="The council's slug.")

    def handle(self, *args: Any, **options: Any) -> None:
        council = council_for_slug(options["council"])
        if council is None:
            raise CommandError(f"No active council with slug {options['council']!r}.")
        try:
            text = Path(options["file"]).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc}") from exc
        try:
            result = catalogue_import(council=council, text=text)
        except CatalogueImportError as exc:
            raise CommandError("Nothing was imported:\n" + "\n".join(exc.errors)) from exc
        self.stdout.write(
            f"{len(result.services_created)} services created, "
            f"{len(result.services_updated)} updated, {result.groups} groups."
        )
        for notice in result.notices:
            self.stdout.write(self.style.WARNING(notice))
