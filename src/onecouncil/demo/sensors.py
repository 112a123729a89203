"""The demo councils' sensors: bins that fill through the week and are emptied on
collection days, street lights (one failing), a river gauge on a rising river, a device
that has gone silent, and the rules that turn them into requests.

``demo_devices`` registers them; ``simulated`` yields their readings over a stretch of
time, which ``load_demo`` takes in-process (so the demo opens with sensor-raised
requests) and ``simulate_sensors`` publishes to the MQTT broker or posts over HTTPS.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from onecouncil.assets.models import Asset
from onecouncil.catalogue.models import Service
from onecouncil.catalogue.selectors import service_asking_for_asset_type
from onecouncil.core.models import Council
from onecouncil.sensors.kinds import DeviceKind
from onecouncil.sensors.models import Condition, Device, Rule

EVERY = dt.timedelta(minutes=15)
COLLECTION_DAYS = (0, 3)  # Monday and Thursday


@dataclass(frozen=True)
class DemoReading:
    device: str
    observed_at: dt.datetime
    values: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        return {"observedAt": self.observed_at.isoformat(), **self.values}


def demo_devices(council: Council) -> list[Device]:
    """Twelve bin sensors, six light controllers, a river gauge and two air monitors,
    fitted to the council's assets; and the rules an administrator would set."""
    prefix = council.slug[:2]

    def fitted(kind: str, count: int, offset: int = 0) -> list[Asset]:
        return list(
            Asset.objects.filter(council=council, asset_type__code=kind).order_by("identifier")[
                offset : offset + count
            ]
        )

    def asked(kind: str) -> bool:  # a service of this council's own takes its requests
        return service_asking_for_asset_type(council_id=council.pk, code=kind) is not None

    made: list[Device] = []
    plan = [
        (DeviceKind.WASTE_CONTAINER, "bin", fitted("litter-bin", 12), 15, asked("litter-bin")),
        (DeviceKind.STREETLIGHT, "light", fitted("street-light", 6, 40), 60, asked("street-light")),
        (DeviceKind.WATER_LEVEL, "river", fitted("gully", 1, 100), 15, asked("gully")),
        (DeviceKind.AIR_QUALITY, "air", fitted("road-sign", 2, 10), 60, True),  # no rule
    ]
    for kind, name, assets, minutes, wanted in plan:
        if not wanted:
            continue
        for number, asset in enumerate(assets, start=1):
            device, _created = Device.objects.update_or_create(
                council=council,
                identifier=f"{prefix}-{name}-{number:02d}",
                defaults={"kind": kind, "asset": asset, "expected_interval_minutes": minutes},
            )
            made.append(device)
    rules: list[dict[str, Any]] = [
        {
            "name": "Litter bin full",
            "kind": DeviceKind.WASTE_CONTAINER,
            "condition": Condition.ABOVE,
            "property": "fillingLevel",
            "threshold": 0.8,
            "clear_at": 0.5,
            "hold_minutes": 30,
            "answers": {"problem": "full"},
            "close_when_clear": True,
        },
        {
            "name": "Bin sensor silent",
            "kind": DeviceKind.WASTE_CONTAINER,
            "condition": Condition.SILENT,
            "answers": {"problem": "damaged"},
        },
        {
            "name": "Street light fault",
            "kind": DeviceKind.STREETLIGHT,
            "condition": Condition.ONE_OF,
            "property": "status",
            "words": "defectiveLamp,columnIssue,brokenLantern",
            "answers": {"fault": "out"},
        },
        {
            "name": "River high",
            "kind": DeviceKind.WATER_LEVEL,
            "condition": Condition.ABOVE,
            "property": "currentLevel",
            "threshold": 2.5,
            "clear_at": 2.0,
            "hold_minutes": 15,
            "answers": {"flooding": "yes"},
        },
    ]
    services = {
        code: service_asking_for_asset_type(council_id=council.pk, code=code)
        for code in ("litter-bin", "street-light", "gully")
    }
    asset_types = {
        DeviceKind.WASTE_CONTAINER: "litter-bin",
        DeviceKind.STREETLIGHT: "street-light",
        DeviceKind.WATER_LEVEL: "gully",
    }
    for rule in rules:
        service = services.get(asset_types.get(rule["kind"], ""))
        if service is None:
            continue
        rule["answers"] = _answers(service, rule["answers"])
        Rule.objects.update_or_create(council=council, name=rule["name"], defaults=rule)
    return made


def _answers(service: Service, preferred: dict[str, Any]) -> dict[str, Any]:
    """Answers to the service's required questions: the preferred one where the service
    asks it, else its first choice (or yes)."""
    answers: dict[str, Any] = {}
    for question in service.questions.all():
        if question.code in preferred:
            answers[question.code] = preferred[question.code]
        elif question.required and question.kind == "one_of" and question.options:
            answers[question.code] = question.options[0]["value"]
        elif question.required and question.kind == "yes_no":
            answers[question.code] = "yes"
    return answers


def simulated(
    devices: list[Device], start: dt.datetime, end: dt.datetime, seed: int = 7
) -> Iterator[DemoReading]:
    """Readings from ``start`` to ``end``, every 15 minutes (lights and air hourly), in
    time order: bins fill at their own pace and are emptied on collection mornings, the
    third light fails four hours before the end, the river rises over the last six
    hours, and the last bin falls silent three hours before the end."""
    rng = random.Random(seed)
    rates = {d.identifier: rng.uniform(0.08, 0.3) for d in devices}  # of a bin a day
    moment = start.replace(second=0, microsecond=0)  # the first quarter hour from start
    moment += dt.timedelta(minutes=-moment.minute % 15)
    if moment < start:
        moment += EVERY
    while moment <= end:
        for index, device in enumerate(devices):
            minutes = device.expected_interval_minutes
            if int(moment.timestamp() // 60) % minutes:
                continue
            values = _values(device, index, moment, end, rates[device.identifier], rng)
            if values is not None:
                yield DemoReading(device.identifier, moment, values)
        moment += EVERY


def _values(
    device: Device,
    index: int,
    moment: dt.datetime,
    end: dt.datetime,
    rate: float,
    rng: random.Random,
) -> dict[str, Any] | None:
    left = (end - moment).total_seconds() / 3600  # hours before the end
    battery = round(0.98 - (index % 7) * 0.09 - max(0.0, 48 - left) * 0.0005, 3)
    if device.kind == DeviceKind.WASTE_CONTAINER:
        if device.identifier.endswith("-12") and left < 3:
            return None  # gone silent
        emptied = _last_collection(moment)
        days = (moment - emptied).total_seconds() / 86400
        level = min(1.0, days * rate * (1.4 if 11 <= moment.hour <= 16 else 1.0))
        return {"fillingLevel": round(level, 3), "batteryLevel": battery}
    if device.kind == DeviceKind.STREETLIGHT:
        failing = index % 6 == 2 and left < 4
        lit = moment.hour >= 16 or moment.hour < 8
        return {
            "status": "defectiveLamp" if failing else "ok",
            "powerState": "on" if lit and not failing else "off",
        }
    if device.kind == DeviceKind.WATER_LEVEL:
        rise = max(0.0, 6 - left) * 0.35
        level = 1.2 + 0.1 * math.sin(moment.timestamp() / 20000) + rise
        return {"currentLevel": round(level, 3), "batteryLevel": battery}
    rush = 1.6 if moment.hour in (8, 9, 17, 18) else 1.0
    return {
        "no2": round(rng.uniform(18, 32) * rush, 1),
        "pm10": round(rng.uniform(12, 24) * rush, 1),
        "pm25": round(rng.uniform(6, 14) * rush, 1),
        "batteryLevel": battery,
    }


def _last_collection(moment: dt.datetime) -> dt.datetime:
    """The last collection morning (7am) at or before ``moment``."""
    day = moment.replace(hour=7, minute=0, second=0, microsecond=0)
    while day > moment or day.weekday() not in COLLECTION_DAYS:
        day -= dt.timedelta(days=1)
    return day


def demo_backfill(
    council: Council, devices: list[Device], hours: float, now: dt.datetime
) -> dict[str, int]:
    """The last ``hours`` of the devices' readings, taken in-process as if they had come
    in (rules and all), then the silence rule's round. Returns outcomes counted."""
    from onecouncil.sensors.ingest import reading_take
    from onecouncil.sensors.rules import silence_job

    if hours <= 0:  # none at all: the range's ends are both included, so not even one
        return {"requests": 0}
    end = now.replace(second=0, microsecond=0) - dt.timedelta(minutes=now.minute % 15)
    counts: dict[str, int] = {}
    raised: set[str] = set()
    for item in simulated(devices, end - dt.timedelta(hours=hours), end):
        taken = reading_take(
            council=council,
            identifier=item.device,
            payload=json.dumps(item.payload()).encode(),
            backfill=True,
        )
        counts[taken.outcome] = counts.get(taken.outcome, 0) + 1
        raised.update(taken.references)
    counts["silent"] = silence_job()
    counts["requests"] = len(raised) + counts["silent"]
    return counts
