from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onecouncil.sensors.ingest import broker_username, device_credentials_issue
from onecouncil.sensors.models import Device


class Command(BaseCommand):
    help = (
        "Issue a device a new secret (its HTTPS token and broker password), shown once; "
        "the old one stops working. Then write the broker's files again (devices --mosquitto)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--council", required=True)
        parser.add_argument("--device", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        device = (
            Device.objects.filter(council__slug=options["council"], identifier=options["device"])
            .select_related("council")
            .first()
        )
        if device is None:
            raise CommandError("There is no such device.")
        secret = device_credentials_issue(device)
        self.stdout.write(f"broker username: {broker_username(device)}\nsecret: {secret}")
