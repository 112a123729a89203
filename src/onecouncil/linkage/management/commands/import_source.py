"""Import a source system's extract through its saved column mapping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onecouncil.linkage.models import SourceSystem
from onecouncil.linkage.sources import ImportRefused, source_import


class Command(BaseCommand):
    help = (
        "Import a CSV or Parquet extract into a council's source system: all or nothing, "
        "new, changed and gone records by the source's own identifier."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--council", required=True, help="The council's slug.")
        parser.add_argument("--source", required=True, help="The source system's name.")
        parser.add_argument("--file", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        source = SourceSystem.objects.filter(
            council__slug=options["council"], name=options["source"], is_active=True
        ).first()
        if source is None:
            raise CommandError(
                f"{options['council']} has no active source system {options['source']!r}."
            )
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"There is no file {path}")
        try:
            done = source_import(source=source, path=path, imported_by="import_source")
        except ImportRefused as refused:
            raise CommandError("Nothing was imported:\n" + "\n".join(refused.errors)) from None
        self.stdout.write(
            f"{source.name}: {done.rows} rows; {done.new} new, {done.changed} changed, "
            f"{done.gone} gone, {done.unchanged} unchanged."
        )
