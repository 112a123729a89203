"""What each kind of device reports: FIWARE smart data models' property names, with the
range a sound reading falls in (anything outside it is refused as out of range).

- WasteContainer: ``fillingLevel`` 0-1, ``batteryLevel`` 0-1
- Streetlight: ``status`` (ok, defectiveLamp, columnIssue, brokenLantern),
  ``powerState`` (on, off, low, bootingUp), ``batteryLevel``
- WaterLevel (flood monitoring): ``currentLevel`` in metres, ``batteryLevel``
- AirQualityObserved: ``no2``, ``pm10``, ``pm25`` in µg/m³, ``batteryLevel``
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceKind(models.TextChoices):
    WASTE_CONTAINER = "WasteContainer", _("Litter or waste bin sensor")
    STREETLIGHT = "Streetlight", _("Street light controller")
    WATER_LEVEL = "WaterLevel", _("River or flood level gauge")
    AIR_QUALITY = "AirQualityObserved", _("Air quality monitor")


@dataclass(frozen=True)
class Number:
    low: float
    high: float


@dataclass(frozen=True)
class Word:
    allowed: tuple[str, ...]


Property = Number | Word

BATTERY = Number(0.0, 1.0)
PROPERTIES: dict[str, dict[str, Property]] = {
    DeviceKind.WASTE_CONTAINER: {"fillingLevel": Number(0.0, 1.0), "batteryLevel": BATTERY},
    DeviceKind.STREETLIGHT: {
        "status": Word(("ok", "defectiveLamp", "columnIssue", "brokenLantern")),
        "powerState": Word(("on", "off", "low", "bootingUp")),
        "batteryLevel": BATTERY,
    },
    DeviceKind.WATER_LEVEL: {"currentLevel": Number(-10.0, 50.0), "batteryLevel": BATTERY},
    DeviceKind.AIR_QUALITY: {
        "no2": Number(0.0, 2000.0),
        "pm10": Number(0.0, 2000.0),
        "pm25": Number(0.0, 2000.0),
        "batteryLevel": BATTERY,
    },
}
