"""Bad readings of every kind are refused and counted per device, never a crash and
never a request; readings arrive over HTTPS with the device's own token."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from onecouncil.cases.models import Case
from onecouncil.sensors.ingest import reading_take
from onecouncil.sensors.models import Device, Reading, Rejection
from tests.sensors.conftest import reading


def counted(identifier="bin-sensor-1"):
    return dict(Rejection.objects.filter(identifier=identifier).values_list("reason", "count"))


def at(minutes):
    return (timezone.now() + dt.timedelta(minutes=minutes)).isoformat()


@pytest.mark.parametrize(
    ("payload", "reason", "says"),
    [
        (b"{not json", "malformed", "Not JSON"),
        (b"[1, 2]", "malformed", "Not a JSON object"),
        (b'{"fillingLevel": 0.5}', "malformed", "observedAt is missing"),
        (b'{"observedAt": "yesterday", "fillingLevel": 0.5}', "malformed", "not an ISO 8601"),
        (b'{"observedAt": "2026-12-07T10:00:00", "fillingLevel": 0.5}', "malformed", "time zone"),
        (
            lambda: json.dumps({"observedAt": at(60), "fillingLevel": 0.5}).encode(),
            "future",
            "future",
        ),
        (
            lambda: json.dumps({"observedAt": at(-60 * 24 * 8), "fillingLevel": 0.5}).encode(),
            "stale",
            "too long ago",
        ),
        (
            lambda: json.dumps({"observedAt": at(0), "fillingLevel": 1.5}).encode(),
            "out_of_range",
            "from 0.0 to 1.0",
        ),
        (
            lambda: json.dumps({"observedAt": at(0), "fillingLevel": True}).encode(),
            "out_of_range",
            "number",
        ),
        (
            lambda: json.dumps({"observedAt": at(0), "fillingLevel": "NaN"}).encode(),
            "out_of_range",
            "number",
        ),
        (
            lambda: json.dumps({"observedAt": at(0), "temperature": 20}).encode(),
            "malformed",
            "None of",
        ),
        (b"\xff\xfe\x00", "malformed", "Not JSON"),
        (b"{" + b" " * 9000 + b"}", "malformed", "Larger than"),
    ],
)
def test_bad_readings_are_refused_and_counted(council, bins, payload, reason, says):
    payload = payload() if callable(payload) else payload  # times made when it runs
    taken = reading_take(council=council, identifier="bin-sensor-1", payload=payload)
    assert taken.outcome == reason and says in taken.detail
    assert counted() == {reason: 1}
    assert not Reading.objects.exists() and not Case.objects.exists()


def test_an_unknown_or_inactive_device_and_a_replay(council, bins):
    assert (
        reading_take(
            council=council, identifier="nobody", payload=reading(fillingLevel=0.1)
        ).outcome
        == "unknown_device"
    )
    assert counted("nobody") == {"unknown_device": 1}
    payload = reading(1, fillingLevel=0.1)
    assert (
        reading_take(council=council, identifier="bin-sensor-1", payload=payload).outcome
        == "stored"
    )
    again = reading_take(council=council, identifier="bin-sensor-1", payload=payload)
    assert again.outcome == "replayed" and Reading.objects.count() == 1
    Device.objects.filter(identifier="bin-sensor-1").update(is_active=False)
    assert (
        reading_take(
            council=council, identifier="bin-sensor-1", payload=reading(fillingLevel=0.1)
        ).outcome
        == "unknown_device"
    )
    assert counted() == {"replayed": 1, "unknown_device": 1}


def test_a_flooding_device_is_held_back(council, bins, settings):
    settings.SENSOR_MAX_PER_MINUTE = 3
    outcomes = [
        reading_take(
            council=council, identifier="bin-sensor-1", payload=reading(n / 10, fillingLevel=0.1)
        ).outcome
        for n in range(5)
    ]
    assert outcomes == ["stored"] * 3 + ["flooding"] * 2
    assert counted() == {"flooding": 2}


def test_another_councils_device_is_not_found(council, other_council, bins):
    taken = reading_take(
        council=other_council, identifier="bin-sensor-1", payload=reading(fillingLevel=0.1)
    )
    assert taken.outcome == "unknown_device"


def test_the_latest_reading_and_battery_are_kept(council, bins):
    reading_take(
        council=council,
        identifier="bin-sensor-1",
        payload=reading(5, fillingLevel=0.4, batteryLevel=0.8),
    )
    reading_take(
        council=council, identifier="bin-sensor-1", payload=reading(10, fillingLevel=0.2)
    )  # late
    device = Device.objects.get(identifier="bin-sensor-1")
    assert device.last_values == {"fillingLevel": 0.4, "batteryLevel": 0.8}
    assert device.battery_level == 0.8 and Reading.objects.count() == 2


URL = "/api/v1/devices/bin-sensor-1/readings"


def post(client, body, token, url=URL):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(url, body, content_type="application/json", **headers)


def test_readings_over_https_with_the_devices_own_token(client, council, bins):
    made = post(client, reading(fillingLevel=0.3), bins["secret"])
    assert made.status_code == 201 and made.json()["outcome"] == "stored"
    assert post(client, b"{bad", bins["secret"]).status_code == 400
    for token in ("", "ocd_wrong", bins["secret"] + "x"):
        refused = post(client, reading(fillingLevel=0.3), token)
        assert refused.status_code == 401 and refused["WWW-Authenticate"].startswith("Bearer")
    assert counted()["credentials"] == 3
    Device.objects.create(council=council, identifier="other-bin", kind="WasteContainer")
    assert (
        post(
            client, reading(fillingLevel=0.3), bins["secret"], "/api/v1/devices/other-bin/readings"
        ).status_code
        == 401
    )
    assert client.get(URL).status_code == 405
    assert Reading.objects.count() == 1


def _mixed(council):
    """A batch with something of everything, in the order it arrived."""
    from onecouncil.sensors.ingest import Incoming

    def item(payload, identifier="bin-sensor-1"):
        return Incoming(council=council, identifier=identifier, payload=payload)

    forty = reading(40, fillingLevel=0.9)
    return [
        item(reading(50, fillingLevel=0.85, batteryLevel=0.9)),
        item(b"{not json"),
        item(forty, identifier="no-such-bin"),
        item(forty),
        item(json.dumps({**json.loads(forty), "fillingLevel": 0.1}).encode()),  # a replay
        item(reading(10, fillingLevel=0.95, batteryLevel=0.8)),  # held 40 minutes: fires
        item(reading(60, fillingLevel=0.3)),  # late, and past the flood limit
        item(reading(5, fillingLevel=7)),
    ]


def _state(council):
    device = Device.objects.get(identifier="bin-sensor-1")
    return (
        sorted(Reading.objects.values_list("values", flat=True), key=str),
        (device.last_values, device.battery_level),
        list(Case.objects.values_list("channel", "answers")),
        sorted(Rejection.objects.values_list("identifier", "reason", "count")),
    )


def test_a_batch_is_taken_as_each_reading_would_be_alone(council, bins, settings):
    from onecouncil.sensors.ingest import readings_take
    from onecouncil.sensors.rules import forget_rules

    settings.SENSOR_MAX_PER_MINUTE = 4  # the device's fifth reading of the minute: flooding
    batch = _mixed(council)
    alone = [
        reading_take(council=council, identifier=i.identifier, payload=i.payload) for i in batch
    ]
    expected = _state(council)
    Reading.objects.all().delete()
    Case.objects.all().delete()
    Rejection.objects.all().delete()
    from onecouncil.sensors.models import RuleState

    RuleState.objects.all().delete()
    Device.objects.update(last_seen_at=None, last_values={}, battery_level=None)
    from django.core.cache import cache

    cache.clear()
    forget_rules()
    together = readings_take(batch)
    assert (
        [t.outcome for t in together]
        == [t.outcome for t in alone]
        == [
            "stored",
            "malformed",
            "unknown_device",
            "stored",
            "replayed",
            "stored",
            "flooding",  # its fifth of the minute (the replay counted too)
            "out_of_range",
        ]
    )
    assert len(together[5].references) == 1 == len(alone[5].references)
    assert _state(council) == expected


def test_a_batch_that_meets_a_reading_stored_meanwhile_takes_each_on_its_own(
    council, bins, monkeypatch
):
    """A reading of the batch stored over HTTPS between the batch's check for replays and
    its insert: the batch's transaction fails, and each reading is taken alone."""
    from onecouncil.sensors import ingest

    batch = [
        *_mixed(council)[:1],
        ingest.Incoming(
            council=council, identifier="bin-sensor-1", payload=reading(30, fillingLevel=0.5)
        ),
    ]
    real = ingest._not_replayed

    def meanwhile(accepted, refused):
        kept = real(accepted, refused)
        reading_take(council=council, identifier="bin-sensor-1", payload=batch[1].payload)
        return kept

    monkeypatch.setattr(ingest, "_not_replayed", meanwhile)
    outcomes = [t.outcome for t in ingest.readings_take(batch)]
    assert outcomes == ["stored", "replayed"]
    assert Reading.objects.count() == 2
    device = Device.objects.get(identifier="bin-sensor-1")
    # The latest is the one stored meanwhile: the batch's own, earlier, is kept as late.
    assert device.last_values == {"fillingLevel": 0.5} and device.battery_level is None


@pytest.mark.django_db(transaction=True)  # the subscriber's thread writes for itself
def test_a_batch_the_database_refused_is_tried_again_then_acknowledged(council, bins, monkeypatch):
    """The database away for a moment: the subscriber's batch is neither dropped nor
    acknowledged until it is stored (before, it waited for a reconnection)."""
    import threading
    import time
    from types import SimpleNamespace

    from onecouncil.sensors import mqtt as sensors_mqtt
    from onecouncil.sensors.mqtt import Broker, Subscriber

    monkeypatch.setattr(sensors_mqtt, "RETRY_SECONDS", 0.05)
    real = sensors_mqtt.readings_take
    failures = []

    def flaky(items):
        if not failures:
            failures.append(1)
            raise RuntimeError("the database went away")
        return real(items)

    monkeypatch.setattr(sensors_mqtt, "readings_take", flaky)
    subscriber = Subscriber(Broker("127.0.0.1", 1), "oc-test-retry")
    acked = []
    monkeypatch.setattr(subscriber.client, "ack", lambda mid, qos: acked.append(mid))
    topic = "onecouncil/riverbend/devices/bin-sensor-1/readings"
    subscriber._inbox.put(
        SimpleNamespace(topic=topic, payload=reading(fillingLevel=0.4), mid=7, qos=1)
    )
    worker = threading.Thread(target=subscriber._batches, daemon=True)
    worker.start()
    deadline = time.monotonic() + 5
    while not acked and time.monotonic() < deadline:
        time.sleep(0.02)
    subscriber.stop()
    worker.join(5)
    assert failures == [1] and acked == [7] and Reading.objects.count() == 1
