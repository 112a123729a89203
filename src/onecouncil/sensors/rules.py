"""Rules turn readings into requests, through the one writer.

- **Threshold held for a duration, with hysteresis**: a bin's ``fillingLevel`` at or above
  0.8 for 30 minutes fires; it clears only when it falls below 0.5 (``clear_at``).
- **A fault status**: a light's ``status`` one of ``defectiveLamp, columnIssue``.
- **Silence**: no reading for twice the device's expected interval (``silence_job``).

A rule that fires raises a request (channel "sensor", the service that asks for the
asset's type unless the rule names one, the asset and its place, the reading in the
description), **at most one open request per asset and rule**: an open request of that
service about that asset already there (a resident's, or an earlier alarm's) is added to
instead. When the condition clears, the request is told so and, where the rule says,
closed. Rule states are this adapter's own table; requests are read through
``cases.access`` and written through ``cases.actions``.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from onecouncil.cases.access import open_request_about_asset, request_by_reference
from onecouncil.cases.actions import WorkflowError, case_add_note, case_change_status, case_create
from onecouncil.cases.inputs import Contact, Location, NewRequest, Submitter
from onecouncil.cases.models import Channel
from onecouncil.catalogue.models import Service
from onecouncil.catalogue.selectors import service_asking_for_asset_type
from onecouncil.core.actors import Actor
from onecouncil.sensors.models import Condition, Device, Reading, Rule, RuleState
from onecouncil.sensors.refusals import refusal_count

_KEYS = uuid.UUID("0b5e7d0a-1f0c-4c55-9d8e-5a3f2f7f6c11")  # namespace for submission keys
_CACHE_SECONDS = 30.0
_rules_read: dict[tuple[int, str], tuple[float, list[Rule]]] = {}


def rules_for(device: Device) -> list[Rule]:
    """The active rules for the device's council and kind (read at most every 30 s by
    a process: a rule changed in the admin applies within that)."""
    key = (device.council_id, device.kind)
    now = time.monotonic()
    found = _rules_read.get(key)
    if found is None or now - found[0] > _CACHE_SECONDS:
        rules = list(
            Rule.objects.filter(council_id=device.council_id, kind=device.kind, is_active=True)
            .select_related("service")
            .order_by("pk")
        )
        found = (now, rules)
        _rules_read[key] = found
    return found[1]


def forget_rules() -> None:
    _rules_read.clear()


def _met(rule: Rule, value: object) -> bool | None:
    """Whether the reading meets the rule's condition (None: it says nothing of it)."""
    if value is None:
        return None
    if rule.condition == Condition.ONE_OF:
        return str(value) in {w.strip() for w in rule.words.split(",") if w.strip()}
    if not isinstance(value, int | float) or rule.threshold is None:
        return None
    if rule.condition == Condition.ABOVE:
        return value >= rule.threshold
    if rule.condition == Condition.BELOW:
        return value <= rule.threshold
    return None


def _cleared(rule: Rule, value: object) -> bool:
    """Whether a firing rule's condition has cleared: past ``clear_at`` (hysteresis) for
    a threshold, any other word for a status."""
    if rule.condition == Condition.ONE_OF:
        return _met(rule, value) is False
    if not isinstance(value, int | float) or rule.threshold is None:
        return False
    clear_at = rule.clear_at if rule.clear_at is not None else rule.threshold
    if rule.condition == Condition.ABOVE:
        return value < clear_at
    return value > clear_at


def rules_apply(
    device: Device, reading: Reading, states: dict[int, RuleState] | None = None
) -> list[str]:
    """Run the device's rules on a new reading; the references of the requests raised,
    added to or cleared. ``states`` (the device's rule states by rule, read beforehand
    for a batch of readings) is kept up to date; without it they are read here."""
    rules = rules_for(device)
    if not rules:
        return []
    if states is None:
        states = {s.rule_id: s for s in RuleState.objects.filter(device=device)}
    touched: list[str] = []
    for rule in rules:
        state = states.get(rule.pk)
        if rule.condition == Condition.SILENT:
            if state is not None and state.firing:  # it spoke again
                touched += _clear(rule, device, state, reading.observed_at, _("It reported again"))
            continue
        if rule.property not in reading.values:
            continue
        value = reading.values[rule.property]
        if state is None:
            state = states[rule.pk] = RuleState.objects.create(device=device, rule=rule)
        touched += _step(rule, device, state, reading.observed_at, value)
    return touched


def _step(
    rule: Rule, device: Device, state: RuleState, at: dt.datetime, value: object
) -> list[str]:
    """One reading's value through one rule: clear a firing rule, or hold, or fire."""
    if state.firing:
        if _cleared(rule, value):
            words = _("%(property)s is %(value)s") % {"property": rule.property, "value": value}
            return _clear(rule, device, state, at, words)
        return []
    if not _met(rule, value):
        if state.held_since is not None:
            state.held_since = None
            state.save(update_fields=["held_since"])
        return []
    if state.held_since is None or at < state.held_since:
        state.held_since = at
        state.save(update_fields=["held_since"])
    if at - state.held_since < dt.timedelta(minutes=rule.hold_minutes):
        return []
    what = _("%(property)s is %(value)s (since %(since)s)") % {
        "property": rule.property,
        "value": value,
        "since": timezone.localtime(state.held_since).strftime("%d %b %Y %H:%M"),
    }
    return _fire(rule, device, state, what)


def _service_for(rule: Rule, device: Device) -> Service | None:
    if rule.service is not None:
        return rule.service
    if device.asset is None:
        return None
    return service_asking_for_asset_type(
        council_id=device.asset.council_id, code=device.asset.asset_type.code
    )


def _fire(rule: Rule, device: Device, state: RuleState, what: str) -> list[str]:
    """The rule fires: raise the request, or add to the open one about the asset."""
    actor = Actor.system(_("Sensor %(device)s") % {"device": device.identifier})
    words = _("%(rule)s: sensor %(device)s reports %(what)s.") % {
        "rule": rule.name,
        "device": device.identifier,
        "what": what,
    }
    service = _service_for(rule, device)
    if service is None:
        _failed(device, _("No service asks for this asset's type: name one on the rule"))
        return []
    existing = None
    if device.asset is not None:
        existing = open_request_about_asset(
            council=device.council, asset_id=device.asset.pk, service_id=service.pk
        )
    if existing is None and state.case_reference:
        earlier = request_by_reference(council=device.council, reference=state.case_reference)
        existing = earlier if earlier is not None and earlier.is_open else None
    if existing is not None:
        case_add_note(case=existing, message=words, actor=actor)
        reference = existing.reference
    else:
        asset = device.asset
        location = (
            Location(latitude=asset.latitude, longitude=asset.longitude, asset=asset)
            if asset is not None
            else Location()
        )
        assert state.held_since is not None
        key = uuid.uuid5(_KEYS, f"{device.pk}:{rule.pk}:{state.held_since.isoformat()}")
        try:
            made = case_create(
                council=service.council,
                request=NewRequest(
                    service=service,
                    answers=dict(rule.answers or {}),
                    description=words,
                    location=location,
                    contact=Contact(anonymous=True, by_device=True),
                    channel=Channel.SENSOR,
                    channel_detail=device.identifier,
                    submission_key=key,
                    submitter=Submitter(actor=actor),
                ),
            )
        except ValidationError as error:
            _failed(device, "; ".join(error.messages))
            return []
        reference = made.case.reference
    state.firing = True
    state.case_reference = reference
    state.changed_at = timezone.now()
    state.save(update_fields=["firing", "case_reference", "changed_at"])
    return [reference]


def _clear(rule: Rule, device: Device, state: RuleState, at: dt.datetime, words: str) -> list[str]:
    state.firing = False
    state.held_since = None
    state.changed_at = timezone.now()
    state.save(update_fields=["firing", "held_since", "changed_at"])
    case = request_by_reference(council=device.council, reference=state.case_reference)
    if case is None or not case.is_open:
        return []
    actor = Actor.system(_("Sensor %(device)s") % {"device": device.identifier})
    message = _("%(rule)s has cleared: %(words)s.") % {"rule": rule.name, "words": words}
    try:
        if rule.close_when_clear:
            case_change_status(case=case, status="fixed", actor=actor, message=message)
        else:
            case_add_note(case=case, message=message, actor=actor)
    except WorkflowError as error:
        _failed(device, " ".join(error.messages))
    return [case.reference]


def _failed(device: Device, why: str) -> None:
    """A rule that could not raise its request is counted for administrators."""
    refusal_count(device.council, device.identifier, device, "rule_failed", why)


def silence_job() -> int:
    """The worker's job: fire the silence rules of devices quiet for twice their
    expected interval. Returns how many fired."""
    fired = 0
    now = timezone.now()
    silent_rules = Rule.objects.filter(condition=Condition.SILENT, is_active=True)
    for rule in silent_rules.select_related("service"):
        devices: Iterable[Device] = Device.objects.filter(
            council_id=rule.council_id, kind=rule.kind, is_active=True, last_seen_at__isnull=False
        ).select_related("asset", "asset__asset_type", "council")
        for device in devices:
            assert device.last_seen_at is not None
            if not device.is_silent(now):
                continue
            state, _created = RuleState.objects.get_or_create(device=device, rule=rule)
            if state.firing:
                continue
            state.held_since = device.last_seen_at
            what = _("nothing since %(when)s") % {
                "when": timezone.localtime(device.last_seen_at).strftime("%d %b %Y %H:%M")
            }
            fired += bool(_fire(rule, device, state, what))
    return fired
