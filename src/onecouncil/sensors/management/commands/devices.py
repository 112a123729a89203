from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onecouncil.sensors.ingest import device_topic, mosquitto_files
from onecouncil.sensors.models import Device, Rule
from onecouncil.sensors.mqtt import Broker


class Command(BaseCommand):
    help = (
        "List a council's devices with their topic, kind and rules (--json), or write "
        "the broker's password file and ACL for every council's devices (--mosquitto DIR)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--council", help="The council's slug (for the list).")
        parser.add_argument("--json", action="store_true", help="As JSON.")
        parser.add_argument("--mosquitto", type=Path, help="Write passwd and acl here.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["mosquitto"]:
            self._mosquitto(options["mosquitto"])
            return
        if not options["council"]:
            raise CommandError("Give --council SLUG (or --mosquitto DIR).")
        devices = list(
            Device.objects.filter(council__slug=options["council"])
            .select_related("council", "asset", "asset__asset_type")
            .order_by("identifier")
        )
        rules: dict[str, list[str]] = {}
        for rule in Rule.objects.filter(council__slug=options["council"], is_active=True):
            rules.setdefault(rule.kind, []).append(rule.name)
        listed = [
            {
                "identifier": d.identifier,
                "kind": d.kind,
                "topic": device_topic(d),
                "https": f"/api/v1/devices/{d.identifier}/readings",
                "asset": d.asset.identifier if d.asset else None,
                "expected_interval_minutes": d.expected_interval_minutes,
                "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
                "battery_level": d.battery_level,
                "has_credentials": bool(d.token_hash),
                "active": d.is_active,
                "rules": rules.get(d.kind, []),
            }
            for d in devices
        ]
        if options["json"]:
            self.stdout.write(json.dumps(listed, indent=2))
            return
        for d in devices:
            named = ", ".join(rules.get(d.kind, []))
            self.stdout.write(f"{d.identifier}\t{d.kind}\t{device_topic(d)}\t{named}")

    def _mosquitto(self, folder: Path) -> None:
        subscriber = None
        if settings.SENSOR_MQTT_URL:
            broker = Broker.from_url(settings.SENSOR_MQTT_URL)
            if broker.username:
                subscriber = (broker.username, broker.password)
        devices = list(Device.objects.select_related("council"))
        passwd, acl = mosquitto_files(devices, subscriber)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "passwd").write_text(passwd)
        (folder / "passwd").chmod(0o600)
        (folder / "acl").write_text(acl)
        self.stdout.write(
            f"Wrote {folder / 'passwd'} and {folder / 'acl'}: reload the broker (SIGHUP)."
        )
