from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onecouncil.catalogue.exchange import catalogue_export
from onecouncil.core.selectors import council_for_slug


class Command(BaseCommand):
    help = "Write a council's service catalogue as YAML (to share with other councils)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--council", required=True, help="The council's slug.")
        parser.add_argument("--output", help="File to write; standard output if absent.")

    def handle(self, *args: Any, **options: Any) -> None:
        council = council_for_slug(options["council"])
        if council is None:
            raise CommandError(f"No active council with slug {options['council']!r}.")
        text = catalogue_export(council=council)
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {options['output']}")
        else:
            self.stdout.write(text)
