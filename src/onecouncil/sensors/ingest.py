"""Taking one reading, from MQTT or HTTPS: checked, stored once, and handed to the rules.

A reading is a JSON object with ``observedAt`` (ISO 8601 with its time zone) and the
properties of the device's kind (``kinds.PROPERTIES``); other members (FIWARE's ``id``
and ``type``, say) are ignored. Anything wrong (not JSON, an unknown or inactive device,
a property out of range, a time too far in the past or the future, a reading already
taken, a device sending too fast) is refused and counted for administrators
(``Rejection``), never a crash and never a request.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import math
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from onecouncil.core.models import Council
from onecouncil.core.throttles import uses_counted, within_limit
from onecouncil.sensors.kinds import PROPERTIES, Number, Word
from onecouncil.sensors.models import Device, Reading, RuleState
from onecouncil.sensors.refusals import refusal_count
from onecouncil.sensors.rules import rules_apply

MAX_PAYLOAD_BYTES = 8192


class Refused(ValueError):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Taken:
    """What became of a reading: ``stored`` (and the references of requests the rules
    raised or added to), or the reason it was refused."""

    outcome: str
    detail: str = ""
    references: tuple[str, ...] = ()


def device_of(council: Council, identifier: str) -> Device | None:
    if not identifier or len(identifier) > 60 or "\x00" in identifier:
        return None
    return (
        Device.objects.filter(council=council, identifier=identifier, is_active=True)
        .select_related("asset", "asset__asset_type", "council")
        .first()
    )


def reading_take(
    *,
    council: Council,
    identifier: str,
    payload: bytes,
    device: Device | None = None,
    backfill: bool = False,
) -> Taken:
    """Check, store and act on one reading from device ``identifier`` (the caller has
    authenticated it: the broker by its credentials, HTTPS by its token). ``backfill``
    (a loader replaying a stretch of readings in-process, never a device) is not held
    to the per-minute limit."""
    device = device or device_of(council, identifier)
    try:
        if device is None:
            raise Refused("unknown_device", f"No active device {identifier[:60]} here")
        observed, values = _parsed(device, payload)
        limit = settings.SENSOR_MAX_PER_MINUTE
        if not backfill and not within_limit(f"sensor-flood:{device.pk}", limit, 60):
            raise Refused("flooding", f"More than {settings.SENSOR_MAX_PER_MINUTE} a minute")
        with transaction.atomic():
            try:
                with transaction.atomic():
                    reading = Reading.objects.create(
                        device=device, observed_at=observed, values=values
                    )
            except IntegrityError:
                raise Refused(
                    "replayed", f"Already have its reading at {observed.isoformat()}"
                ) from None
            changed = _seen(device, observed, values)
            if changed:
                device.save(update_fields=changed)
            references = rules_apply(device, reading)
    except Refused as refused:
        refusal_count(council, identifier, device, refused.reason, refused.detail)
        return Taken(refused.reason, refused.detail)
    return Taken("stored", references=tuple(references))


@dataclass(frozen=True)
class Incoming:
    """A reading as it arrived, its device named but not yet found."""

    council: Council
    identifier: str
    payload: bytes


def readings_take(items: list[Incoming]) -> list[Taken]:
    """Many readings at once (the MQTT subscriber's batches), with the same checks and
    outcomes as ``reading_take`` one by one, in arrival order: the devices found in one
    query per council, the flood limit counted once per device, replays found in one
    query, the readings stored in one statement and ruled in one transaction. Should that
    transaction fail (a reading of the batch came over HTTPS at the same moment, say),
    each reading is taken again on its own."""
    results: list[Taken | None] = [None] * len(items)
    devices = _devices_of(items)
    refused: list[tuple[int, Device | None, Refused]] = []
    accepted: list[tuple[int, Device, dt.datetime, dict[str, Any]]] = []
    for index, item in enumerate(items):
        device = devices.get((item.council.pk, item.identifier))
        try:
            if device is None:
                raise Refused("unknown_device", f"No active device {item.identifier[:60]} here")
            observed, values = _parsed(device, item.payload)
        except Refused as error:
            refused.append((index, device, error))
            continue
        accepted.append((index, device, observed, values))
    accepted = _within_flood_limit(accepted, refused)
    accepted = _not_replayed(accepted, refused)
    try:
        with transaction.atomic():
            readings = Reading.objects.bulk_create(
                [Reading(device=d, observed_at=at, values=v) for _i, d, at, v in accepted]
            )
            states = _states_of({device.pk for _i, device, _at, _v in accepted})
            changed: dict[int, tuple[Device, set[str]]] = {}
            for (index, device, observed, values), reading in zip(accepted, readings, strict=True):
                if fields := set(_seen(device, observed, values)):
                    changed.setdefault(device.pk, (device, set()))[1].update(fields)
                references = rules_apply(device, reading, states.setdefault(device.pk, {}))
                results[index] = Taken("stored", references=tuple(references))
            for device, fields in changed.values():
                device.save(update_fields=sorted(fields))
    except IntegrityError:
        for index, _device, _observed, _values in accepted:
            item = items[index]
            # Counted against the flood limit already: taken as a backfill would be; the
            # device read afresh (the rolled-back batch had moved its last reading on).
            results[index] = reading_take(
                council=item.council,
                identifier=item.identifier,
                payload=item.payload,
                backfill=True,
            )
    for index, device, why in refused:
        item = items[index]
        refusal_count(item.council, item.identifier, device, why.reason, why.detail)
        results[index] = Taken(why.reason, why.detail)
    return [taken for taken in results if taken is not None]


def _devices_of(items: list[Incoming]) -> dict[tuple[int, str], Device]:
    wanted: dict[int, set[str]] = {}
    for item in items:
        if item.identifier and len(item.identifier) <= 60 and "\x00" not in item.identifier:
            wanted.setdefault(item.council.pk, set()).add(item.identifier)
    found: dict[tuple[int, str], Device] = {}
    for council_id, identifiers in wanted.items():
        for device in Device.objects.filter(
            council_id=council_id, identifier__in=identifiers, is_active=True
        ).select_related("asset", "asset__asset_type", "council"):
            found[(council_id, device.identifier)] = device
    return found


def _within_flood_limit(
    accepted: list[tuple[int, Device, dt.datetime, dict[str, Any]]],
    refused: list[tuple[int, Device | None, Refused]],
) -> list[tuple[int, Device, dt.datetime, dict[str, Any]]]:
    """Each device's readings counted against its limit at once; those past it refused."""
    limit = settings.SENSOR_MAX_PER_MINUTE
    per_device: dict[int, int] = {}
    for _index, device, _at, _values in accepted:
        per_device[device.pk] = per_device.get(device.pk, 0) + 1
    room = {
        pk: limit - (uses_counted(f"sensor-flood:{pk}", 60, n) - n) for pk, n in per_device.items()
    }
    kept = []
    for entry in accepted:
        pk = entry[1].pk
        if room[pk] > 0:
            room[pk] -= 1
            kept.append(entry)
        else:
            refused.append((entry[0], entry[1], Refused("flooding", f"More than {limit} a minute")))
    return kept


def _not_replayed(
    accepted: list[tuple[int, Device, dt.datetime, dict[str, Any]]],
    refused: list[tuple[int, Device | None, Refused]],
) -> list[tuple[int, Device, dt.datetime, dict[str, Any]]]:
    """Readings already stored, or twice in the batch, refused as replays."""
    if not accepted:
        return []
    stored = set(
        Reading.objects.filter(
            device_id__in={device.pk for _i, device, _at, _v in accepted},
            observed_at__in={at for _i, _device, at, _v in accepted},
        ).values_list("device_id", "observed_at")
    )
    kept = []
    for entry in accepted:
        index, device, observed, _values = entry
        if (device.pk, observed) in stored:
            again = Refused("replayed", f"Already have its reading at {observed.isoformat()}")
            refused.append((index, device, again))
            continue
        stored.add((device.pk, observed))
        kept.append(entry)
    return kept


def _states_of(device_ids: set[int]) -> dict[int, dict[int, RuleState]]:
    states: dict[int, dict[int, RuleState]] = {}
    for state in RuleState.objects.filter(device_id__in=device_ids):
        states.setdefault(state.device_id, {})[state.rule_id] = state
    return states


def _parsed(device: Device, payload: bytes) -> tuple[dt.datetime, dict[str, Any]]:
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise Refused("malformed", f"Larger than {MAX_PAYLOAD_BYTES} bytes")
    try:
        document = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as error:
        raise Refused("malformed", f"Not JSON: {error}"[:300]) from None
    if not isinstance(document, dict):
        raise Refused("malformed", "Not a JSON object")
    observed = _moment(document.get("observedAt"))
    known = PROPERTIES.get(device.kind, {})
    values: dict[str, Any] = {}
    for name, rule in known.items():
        if name not in document:
            continue
        value = document[name]
        if isinstance(rule, Number):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or not rule.low <= value <= rule.high
            ):
                raise Refused(
                    "out_of_range", f"{name} must be a number from {rule.low} to {rule.high}"
                )
            values[name] = float(value)
        elif isinstance(rule, Word):
            if value not in rule.allowed:
                raise Refused("out_of_range", f"{name} must be one of {', '.join(rule.allowed)}")
            values[name] = value
    if not values:
        raise Refused("malformed", f"None of {', '.join(known)} was sent")
    return observed, values


def _moment(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise Refused("malformed", "observedAt is missing: an ISO 8601 time with its zone")
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Refused("malformed", "observedAt is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise Refused("malformed", "observedAt needs its time zone (Z or +01:00)")
    now = timezone.now()
    if moment > now + dt.timedelta(seconds=settings.SENSOR_MAX_AHEAD_SECONDS):
        raise Refused("future", f"observedAt {value[:40]} is in the future")
    if moment < now - dt.timedelta(hours=settings.SENSOR_MAX_AGE_HOURS):
        raise Refused("stale", f"observedAt {value[:40]} is too long ago")
    return moment


def _seen(device: Device, observed: dt.datetime, values: dict[str, Any]) -> list[str]:
    """The device's latest reading, if this is it; the fields changed (to save)."""
    if device.last_seen_at is not None and observed <= device.last_seen_at:
        return []  # a late reading: kept, but it is not the latest
    device.last_seen_at = observed
    device.last_values = {**device.last_values, **values}
    fields = ["last_seen_at", "last_values"]
    if "batteryLevel" in values:
        device.battery_level = values["batteryLevel"]
        fields.append("battery_level")
    return fields


# --- Credentials ---------------------------------------------------------------------

MOSQUITTO_ITERATIONS = 101


def mosquitto_hash(password: str) -> str:
    """A password as Mosquitto 2's password file holds it (PBKDF2-SHA512, ``$7$``)."""
    salt = secrets.token_bytes(12)
    derived = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, MOSQUITTO_ITERATIONS, 64)
    return (
        f"$7${MOSQUITTO_ITERATIONS}${base64.b64encode(salt).decode()}"
        f"${base64.b64encode(derived).decode()}"
    )


def device_credentials_issue(device: Device) -> str:
    """A new secret for the device, returned once: its bearer token for HTTPS and its
    password on the broker (username ``<council-slug>/devices/<device-identifier>``)."""
    secret = "ocd_" + secrets.token_urlsafe(24)
    device.token_hash = hashlib.sha256(secret.encode()).hexdigest()
    device.broker_hash = mosquitto_hash(secret)
    device.save(update_fields=["token_hash", "broker_hash"])
    return secret


def mosquitto_files(
    devices: list[Device], subscriber: tuple[str, str] | None, *, hashed: bool = False
) -> tuple[str, str]:
    """The broker's password file and ACL: each device may publish only to its own
    topic, and the subscriber (username, password; or its hash, ``hashed``) may read
    them all."""
    passwd: list[str] = []
    acl: list[str] = []
    if subscriber is not None:
        name, password = subscriber
        passwd.append(f"{name}:{password if hashed else mosquitto_hash(password)}")
        acl += [
            f"user {name}",
            f"topic read {settings.SENSOR_MQTT_PREFIX}/+/devices/+/readings",
            "",
        ]
    for device in devices:
        if not device.broker_hash or not device.is_active:
            continue
        name = broker_username(device)
        passwd.append(f"{name}:{device.broker_hash}")
        acl += [f"user {name}", f"topic write {device_topic(device)}", ""]
    return "\n".join(passwd) + "\n", "\n".join(acl) + "\n"


def device_by_token(*, identifier: str, token: str) -> Device | None:
    """The active device with this identifier whose secret ``token`` is (its council is
    the device's: the token, random and hashed, names one device in the deployment)."""
    if not token or not identifier or "\x00" in identifier or "\x00" in token:
        return None
    given = hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
    device = (
        Device.objects.filter(identifier=identifier, token_hash=given, is_active=True)
        .select_related("asset", "asset__asset_type", "council")
        .first()
    )
    if device is None or not hmac.compare_digest(device.token_hash, given):
        return None
    return device


def device_topic(device: Device) -> str:
    """Where the device publishes its readings."""
    return f"{settings.SENSOR_MQTT_PREFIX}/{broker_username(device)}/readings"


def broker_username(device: Device) -> str:
    """The device's username on the broker: the part of its topic that names it."""
    return f"{device.council.slug}/devices/{device.identifier}"
