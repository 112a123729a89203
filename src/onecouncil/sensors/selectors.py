"""The sensors' read shapes for staff pages: the devices fitted to an asset, with their
health and latest readings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from onecouncil.sensors.models import Device, Reading


@dataclass(frozen=True)
class DeviceOnAsset:
    device: Device
    silent: bool  # nothing for twice its expected interval
    recent: list[Reading]


def devices_on_asset(*, asset_id: int, readings: int = 12) -> list[DeviceOnAsset]:
    now = timezone.now()
    shown = []
    for device in Device.objects.filter(asset_id=asset_id).order_by("identifier"):
        quiet_after = dt.timedelta(minutes=2 * device.expected_interval_minutes)
        silent = device.last_seen_at is None or now - device.last_seen_at > quiet_after
        recent = list(device.readings.order_by("-observed_at")[:readings])
        shown.append(DeviceOnAsset(device, silent, recent))
    return shown
