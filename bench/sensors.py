"""Sensors and assets, each figure beside a baseline measured in the same run (this
machine is noisy).

    .venv/bin/python bench/sensors.py [--readings 5000] [--database-url URL]

Starts a Mosquitto of its own (Debian's, on a free port: the queue and in-flight window a
deployment would set, ``BROKER_CONF``) for both the bare subscriber and ours. Builds the
demo councils (no history) in a
fresh SQLite database, or in the PostgreSQL database named by ``--database-url``
(emptied first), then:

1. **Throughput**: publishes ``--readings`` readings (Riverbend's bin sensors, each its
   own moment, rules and all) at QoS 1 and times the sensors' subscriber storing them;
   beside it, raw Mosquitto: the same messages published and received by a bare paho
   subscriber at QoS 1.
2. **Publish to request**: 30 times, a bin reading over the rule's threshold (held for
   no time) is published and the time until its request exists is taken; p50 and p95.
3. **Kill -9**: ``onecouncil run_sensors`` in its own process takes 800 readings and is
   killed with SIGKILL a third of the way through, then started again: how many of the
   published readings were never stored (the target is none).
4. **The asset layer**: 100,000 street lights in Riverbend, and the map's asset feed
   for a zoomed-in box asked 200 times; beside it, ``/healthz``.

Prints the figures; record them in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What a deployment's broker would be set to for the sensors (docs/sensors.md): a queue
# for the subscriber's session big enough for a burst, and a window of messages in flight
# wide enough for its batches.
BROKER_CONF = """listener {port} 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
max_inflight_messages 1000
log_dest none
"""


def own_broker() -> tuple[int, subprocess.Popen[bytes]]:
    import shutil
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = Path(tempfile.mkdtemp(prefix="oc-bench-mqtt-"))
    (folder / "mosquitto.conf").write_text(BROKER_CONF.format(port=port))
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    process = subprocess.Popen([binary, "-c", str(folder / "mosquitto.conf")])

    def listening() -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    until(listening, 10)
    return port, process


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def until(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def main() -> None:  # noqa: C901 - one measured story, in order
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    port, broker_process = own_broker()

    workdir = Path(tempfile.mkdtemp(prefix="oc-sensors-bench-"))
    database = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecouncil.config.settings")
    os.environ.setdefault("INSIGHT_DIR", str(workdir / "insight"))
    os.environ.setdefault("OPEN_DATA_DIR", str(workdir / "opendata"))
    prefix = f"oc-bench-{uuid.uuid4().hex[:8]}"
    os.environ["SENSOR_MQTT_PREFIX"] = prefix
    os.environ["SENSOR_MAX_PER_MINUTE"] = "1000000"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    import paho.mqtt.client as mqtt
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from onecouncil.assets.models import Asset, AssetType
    from onecouncil.core.models import Council
    from onecouncil.sensors.ingest import device_topic
    from onecouncil.sensors.models import Device, Reading, Rule, RuleState
    from onecouncil.sensors.mqtt import Broker, Subscriber

    print("building the demo (no history) ...")
    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_demo", history=0, requests=0, stdout=quiet)
    council = Council.objects.get(slug="riverbend")
    bins = list(Device.objects.filter(council=council, kind="WasteContainer").order_by("pk"))
    Reading.objects.all().delete()
    RuleState.objects.all().delete()
    Device.objects.update(last_seen_at=None)

    def publisher():  # type: ignore[no-untyped-def]
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}"
        )
        client.max_inflight_messages_set(1000)
        client.connect("127.0.0.1", port)
        client.loop_start()
        return client

    start = timezone.now() - dt.timedelta(hours=160)  # every reading inside the week kept

    def messages(count: int, offset: float) -> list[tuple[str, bytes]]:
        made = []
        for n in range(count):
            device = bins[n % len(bins)]
            at = start + dt.timedelta(seconds=offset + n)
            level = round(
                0.1 + 0.3 * random.random(), 3
            )  # below the threshold: rules run, none fire
            made.append(
                (
                    device_topic(device),
                    json.dumps({"observedAt": at.isoformat(), "fillingLevel": level}).encode(),
                )
            )
        return made

    # 1a. Raw Mosquitto: the same messages, a bare subscriber at QoS 1.
    batch = messages(args.readings, 0)
    received = 0
    done = threading.Event()

    def counted(client, userdata, message):  # type: ignore[no-untyped-def]
        nonlocal received
        received += 1
        if received >= len(batch):
            done.set()

    raw = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"raw-{uuid.uuid4().hex[:8]}")
    raw.on_message = counted
    raw.connect("127.0.0.1", port)
    raw.subscribe(f"{prefix}/+/devices/+/readings", qos=1)
    raw.loop_start()
    time.sleep(0.5)
    sender = publisher()
    began = time.perf_counter()
    for topic, payload in batch:
        sender.publish(topic, payload, qos=1)
    done.wait(120)
    raw_seconds = time.perf_counter() - began
    raw.loop_stop()
    raw.disconnect()
    print(
        f"\nraw Mosquitto, publish to subscribe at QoS 1: {received} in {raw_seconds:.2f} s, "
        f"{received / raw_seconds:,.0f} a second"
    )

    # 1b. Ours: the sensors' subscriber, storing and running the rules.
    subscriber = Subscriber(Broker("127.0.0.1", port), f"oc-bench-{uuid.uuid4().hex[:8]}")
    thread = threading.Thread(target=subscriber.run, daemon=True)
    thread.start()
    subscriber.connected.wait(10)
    time.sleep(0.5)
    batch = messages(args.readings, 200_000)
    began = time.perf_counter()
    for topic, payload in batch:
        sender.publish(topic, payload, qos=1)
    until(lambda: subscriber.counts.taken + subscriber.counts.refused >= len(batch), 600)
    ours_seconds = time.perf_counter() - began
    print(
        f"onecouncil subscriber, stored and ruled: {subscriber.counts.taken} in "
        f"{ours_seconds:.2f} s, {subscriber.counts.taken / ours_seconds:,.0f} a second "
        f"({subscriber.counts.by_outcome})"
    )

    # 2. Publish to request.
    Rule.objects.filter(council=council, name="Litter bin full").update(hold_minutes=0)
    from onecouncil.sensors.rules import forget_rules

    forget_rules()
    from onecouncil.cases.access import open_request_about_asset

    latencies = []
    service_id = Rule.objects.get(council=council, name="Litter bin full").service_id
    from onecouncil.catalogue.models import Service

    service = (
        Service.objects.get(council=council, code="litter-bin")
        if service_id is None
        else Service.objects.get(pk=service_id)
    )
    for trial in range(30):
        device = bins[trial % len(bins)]
        RuleState.objects.filter(device=device).delete()
        at = timezone.now() - dt.timedelta(seconds=30 - trial)
        payload = json.dumps({"observedAt": at.isoformat(), "fillingLevel": 0.95}).encode()
        from onecouncil.cases.actions import case_change_status
        from onecouncil.core.actors import Actor

        existing = open_request_about_asset(
            council=council, asset_id=device.asset_id, service_id=service.pk
        )
        if existing is not None:
            case_change_status(case=existing, status="fixed", actor=Actor.system("bench"))
        began = time.perf_counter()
        sender.publish(device_topic(device), payload, qos=1)
        asset_id = device.asset_id
        until(
            lambda asset_id=asset_id: (
                open_request_about_asset(council=council, asset_id=asset_id, service_id=service.pk)
                is not None
            ),
            10,
        )
        latencies.append((time.perf_counter() - began) * 1000)
    print(
        f"publish to request: p50 {percentile(latencies, 50):.0f} ms, "
        f"p95 {percentile(latencies, 95):.0f} ms (30 trials)"
    )
    subscriber.stop()
    thread.join(10)

    # 3. Kill -9 of the subscriber's process.
    client_id = f"oc-kill-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "SENSOR_MQTT_CLIENT_ID": client_id,
        "SENSOR_MQTT_URL": f"mqtt://127.0.0.1:{port}",
    }
    # The persistent session is made first, so nothing published before the process has
    # subscribed is lost to the measurement.
    session = Subscriber(Broker("127.0.0.1", port), client_id)
    thread = threading.Thread(target=session.run, daemon=True)
    thread.start()
    session.connected.wait(10)
    time.sleep(0.5)
    session.stop()
    thread.join(10)
    command = [str(Path(sys.executable).parent / "onecouncil"), "run_sensors"]
    stored_before = Reading.objects.count()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    batch = messages(800, 300_000)
    for topic, payload in batch:
        sender.publish(topic, payload, qos=1).wait_for_publish(5)
    until(lambda: Reading.objects.count() - stored_before >= len(batch) // 3, 120)
    process.send_signal(signal.SIGKILL)
    process.wait()
    at_kill = Reading.objects.count() - stored_before
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    until(lambda: Reading.objects.count() - stored_before >= len(batch), 180)
    time.sleep(2)
    process.send_signal(signal.SIGTERM)
    process.wait(30)
    stored = Reading.objects.count() - stored_before
    print(
        f"kill -9 at {at_kill} of {len(batch)} stored; after restart {stored} stored: "
        f"{len(batch) - stored} lost"
    )
    sender.loop_stop()
    sender.disconnect()

    # 4. The asset layer with 100,000 assets.
    lights = AssetType.objects.get(council=council, code="street-light")
    rng = random.Random(3)
    centre = (52.47, -1.90)
    Asset.objects.bulk_create(
        [
            Asset(
                council=council,
                asset_type=lights,
                identifier=f"BENCH-SL-{n:06d}",
                latitude=centre[0] + rng.uniform(-0.15, 0.15),
                longitude=centre[1] + rng.uniform(-0.25, 0.25),
            )
            for n in range(100_000)
        ],
        batch_size=5000,
    )
    total = Asset.objects.filter(council=council, asset_type=lights).count()
    setup_test_environment()
    client = Client()
    box = f"{centre[1] - 0.006},{centre[0] - 0.003},{centre[1] + 0.006},{centre[0] + 0.003}"
    url = "/riverbend/report/street-light/assets.json"
    shown = len(client.get(url, {"bbox": box}).json()["features"])

    def timed(path: str, params: dict[str, str]) -> list[float]:
        times = []
        for _n in range(200):
            began = time.perf_counter()
            response = client.get(path, params)
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.status_code
        return times

    layer = timed(url, {"bbox": box})
    health = timed("/healthz", {})
    print(
        f"\nasset layer, {total:,} street lights, {shown} in the box: "
        f"p50 {statistics.median(layer):.1f} ms, p95 {percentile(layer, 95):.1f} ms"
    )
    print(f"/healthz: p50 {statistics.median(health):.1f} ms, p95 {percentile(health, 95):.1f} ms")
    broker_process.terminate()


if __name__ == "__main__":
    main()
