from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onecouncil.cases.privacy import retention_run
from onecouncil.core.models import Council


class Command(BaseCommand):
    help = (
        "Remove residents' details from closed requests past their service's retention "
        "period, and audit entries past the council's. The worker runs it once a day; "
        "--dry-run reports what would go and changes nothing (docs/privacy.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Report only.")
        parser.add_argument("--council", help="One council's slug (default: every council).")

    def handle(self, *args: Any, **options: Any) -> None:
        councils = Council.objects.filter(is_active=True)
        if options["council"]:
            councils = councils.filter(slug=options["council"])
            if not councils:
                raise CommandError(f"There is no active council {options['council']!r}.")
        for council in councils:
            report = retention_run(council=council, dry_run=options["dry_run"])
            for line in report.lines():
                self.stdout.write(line)
