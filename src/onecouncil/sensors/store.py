"""Readings as a time series with retention: raw for ``SENSOR_RAW_DAYS``, then one
reading an hour per device (each number the hour's mean, each word the hour's last),
and nothing after ``SENSOR_KEEP_DAYS``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from onecouncil.sensors.models import Reading

BATCH = 20_000


def readings_downsample(*, now: dt.datetime | None = None) -> int:
    """Fold raw readings older than ``SENSOR_RAW_DAYS`` into hourly ones, and drop
    readings older than ``SENSOR_KEEP_DAYS``. Returns how many raw readings were folded."""
    now = now or timezone.now()
    Reading.objects.filter(
        observed_at__lt=now - dt.timedelta(days=settings.SENSOR_KEEP_DAYS)
    ).delete()
    cutoff = now - dt.timedelta(days=settings.SENSOR_RAW_DAYS)
    old = list(
        Reading.objects.filter(hourly=False, observed_at__lt=cutoff)
        .order_by("device_id", "observed_at")
        .values("id", "device_id", "observed_at", "values")[:BATCH]
    )
    if not old:
        return 0
    hours: dict[tuple[int, dt.datetime], list[dict[str, Any]]] = defaultdict(list)
    for row in old:
        hour = row["observed_at"].replace(minute=0, second=0, microsecond=0)
        hours[(row["device_id"], hour)].append(row["values"])
    with transaction.atomic():
        Reading.objects.filter(pk__in=[row["id"] for row in old]).delete()
        for (device_id, hour), values in hours.items():
            folded = _folded(values)
            existing = Reading.objects.filter(device_id=device_id, observed_at=hour).first()
            if existing is not None:  # an hour folded in two batches, or a reading on the hour
                folded = _folded([existing.values, folded])
                existing.values, existing.hourly = folded, True
                existing.save(update_fields=["values", "hourly"])
            else:
                Reading.objects.create(
                    device_id=device_id, observed_at=hour, values=folded, hourly=True
                )
    return len(old)


def _folded(readings: list[dict[str, Any]]) -> dict[str, Any]:
    numbers: dict[str, list[float]] = defaultdict(list)
    words: dict[str, Any] = {}
    for values in readings:
        for name, value in values.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                numbers[name].append(float(value))
            else:
                words[name] = value
    return {**words, **{name: round(sum(v) / len(v), 6) for name, v in numbers.items()}}


def readings_downsample_job() -> int:
    return readings_downsample()
