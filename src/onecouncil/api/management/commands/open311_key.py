from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onecouncil.api.keys import api_key_issue
from onecouncil.api.models import KeyKind
from onecouncil.core.models import Role
from onecouncil.core.selectors import council_for_slug


class Command(BaseCommand):
    help = (
        "Issue an API key for a client application of one council and print it once. "
        "It is stored hashed; revoke it in the staff admin (API keys)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--council", required=True)
        parser.add_argument("--name", required=True, help="The client application's name.")
        parser.add_argument("--rate", type=int, default=120, help="Requests a minute.")
        parser.add_argument(
            "--rest-role",
            choices=[r.value for r in Role],
            help="Issue a REST API key with this staff role's permissions.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        council = council_for_slug(options["council"])
        if council is None:
            raise CommandError(f"No active council with slug {options['council']!r}.")
        role = options.get("rest_role") or ""
        issued = api_key_issue(
            council=council,
            name=options["name"],
            kind=KeyKind.REST if role else KeyKind.OPEN311,
            role=role,
            rate_limit_per_minute=options["rate"],
        )
        self.stdout.write(issued.key)
        self.stderr.write(
            f"Key for {options['name']} ({council.name}). It is shown only now: keep it safe."
        )
