"""The sensors' read shapes for the analytics store (``insight.store`` copies them whole at
each refresh): each device with its asset, place, health and latest reading; the services
its rules raise requests for (the dashboards' scopes follow them); and readings counted by
day. Council infrastructure only: nothing here is about a person."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from onecouncil.catalogue.selectors import service_asking_for_asset_type
from onecouncil.sensors.kinds import PROPERTIES, Number
from onecouncil.sensors.models import Device, Reading, Rule

BATTERY_LOW = 0.2  # below a fifth, the device's battery wants changing
DAYS_COUNTED = 400  # readings per day over a little more than a year


def _naive_utc(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.astimezone(dt.UTC).replace(tzinfo=None)


def latest_summary(kind: str, values: dict[str, Any]) -> str:
    """The latest reading in a few words, in the order the kind lists its properties
    (the battery is a column of its own)."""
    parts = []
    for name, prop in PROPERTIES.get(kind, {}).items():
        if name == "batteryLevel" or name not in values:
            continue
        value = values[name]
        if isinstance(prop, Number) and isinstance(value, int | float):
            parts.append(f"{name} {value:g}")
        else:
            parts.append(f"{name} {value}")
    return ", ".join(parts)


def devices_for_insight(now: dt.datetime | None = None) -> list[tuple[Any, ...]]:
    """Each active device: council, identifier, kind, asset identifier and label, the
    team and ward of its asset, where it is, its expected interval, last seen (naive
    UTC), battery, whether silent, its latest reading in words, and how many of its rules
    are firing."""
    now = now or timezone.now()
    firing: dict[int, int] = defaultdict(int)
    for device_id in Device.objects.filter(rule_states__firing=True).values_list("pk", flat=True):
        firing[device_id] += 1
    rows = []
    devices = (
        Device.objects.filter(is_active=True)
        .select_related("asset", "asset__asset_type", "asset__ward")
        .order_by("council_id", "identifier")
    )
    for device in devices:
        asset = device.asset
        rows.append(
            (
                device.council_id,
                device.identifier,
                device.kind,
                asset.identifier if asset else "",
                asset.label if asset else "",
                (asset.team_id or asset.asset_type.team_id) if asset else None,
                asset.ward.code if asset and asset.ward else None,
                asset.latitude if asset else None,
                asset.longitude if asset else None,
                device.expected_interval_minutes,
                _naive_utc(device.last_seen_at),
                device.battery_level,
                device.is_silent(now),
                latest_summary(device.kind, device.last_values),
                firing.get(device.pk, 0),
            )
        )
    return rows


def device_services_for_insight() -> list[tuple[int, str, int]]:
    """(council, device identifier, service) for each service a device's rules raise
    requests for: the rule's own, else the one asking for its asset's type."""
    rules: dict[tuple[int, str], list[int | None]] = defaultdict(list)
    for council_id, kind, service_id in Rule.objects.filter(is_active=True).values_list(
        "council_id", "kind", "service_id"
    ):
        rules[(council_id, kind)].append(service_id)
    asking: dict[tuple[int, str], int | None] = {}
    rows: list[tuple[int, str, int]] = []
    devices = Device.objects.filter(is_active=True).values_list(
        "council_id", "identifier", "kind", "asset__asset_type__code"
    )
    for council_id, identifier, kind, asset_type in devices.order_by("council_id", "identifier"):
        found: set[int] = set()
        for own in rules.get((council_id, kind), ()):
            chosen = own
            if chosen is None and asset_type:
                if (council_id, asset_type) not in asking:
                    service = service_asking_for_asset_type(council_id=council_id, code=asset_type)
                    asking[(council_id, asset_type)] = service.pk if service else None
                chosen = asking[(council_id, asset_type)]
            if chosen is not None:
                found.add(chosen)
        rows.extend((council_id, identifier, sid) for sid in sorted(found))
    return rows


def readings_for_insight(now: dt.datetime | None = None) -> list[tuple[Any, ...]]:
    """Readings counted per council, device and day (UTC) over the last
    ``DAYS_COUNTED`` days: (council, device identifier, day, readings)."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=DAYS_COUNTED)
    counted = (
        Reading.objects.filter(observed_at__gte=since, device__is_active=True)
        .annotate(day=TruncDate("observed_at", tzinfo=dt.UTC))
        .values("device__council_id", "device__identifier", "day")
        .annotate(n=Count("pk"))
        .order_by("device__council_id", "device__identifier", "day")
    )
    return [
        (row["device__council_id"], row["device__identifier"], row["day"], row["n"])
        for row in counted
    ]
