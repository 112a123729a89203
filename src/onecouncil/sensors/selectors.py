"""The sensors' read shapes for staff pages: the devices fitted to an asset, with their
health and latest readings."""

from __future__ import annotations

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
        recent = list(device.readings.order_by("-observed_at")[:readings])
        shown.append(DeviceOnAsset(device, device.is_silent(now), recent))
    return shown
