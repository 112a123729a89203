"""Readings over MQTT, through real brokers: the machine's Mosquitto (anonymous) for
delivery and the persistent session, and a Mosquitto of the test's own with a password
file and ACL written by ``devices --mosquitto`` for devices' credentials."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from django.core.management import call_command

from onecouncil.cases.models import Case
from onecouncil.sensors.ingest import device_topic
from onecouncil.sensors.models import Reading, Rule
from onecouncil.sensors.mqtt import Broker, Subscriber
from tests.sensors.conftest import reading

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SHARED = ("127.0.0.1", 1883)


@pytest.fixture(autouse=True)
def own_prefix(settings):
    """A topic prefix of the test's own: test runs share the machine's broker."""
    settings.SENSOR_MQTT_PREFIX = f"oc-test-{uuid.uuid4().hex[:10]}"


def publish(messages, host=SHARED[0], port=SHARED[1], username="", password="", qos=1):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"pub-{uuid.uuid4().hex[:8]}")
    if username:
        client.username_pw_set(username, password)
    client.connect(host, port)
    client.loop_start()
    try:
        for topic, payload in messages:
            client.publish(topic, payload, qos=qos).wait_for_publish(timeout=5)
    finally:
        client.disconnect()
        client.loop_stop()


def running(broker, client_id):
    subscriber = Subscriber(broker, client_id)
    thread = threading.Thread(target=subscriber.run, daemon=True)
    thread.start()
    assert subscriber.connected.wait(10), "the subscriber did not connect"
    time.sleep(0.3)  # its SUBSCRIBE acknowledged
    return subscriber, thread


def stopped(subscriber, thread):
    subscriber.stop()
    thread.join(10)


def until(condition, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_readings_published_become_a_request(council, bins):
    Rule.objects.filter(pk=bins["rule"].pk).update(hold_minutes=0)
    subscriber, thread = running(Broker(*SHARED), f"oc-test-{uuid.uuid4().hex[:8]}")
    try:
        topic = device_topic(bins["device"])
        publish(
            [
                (topic, reading(3, fillingLevel=0.2)),
                (topic, reading(2, fillingLevel=0.9)),
                (topic, b"{bad"),
            ]
        )
        assert until(lambda: Case.objects.exists() and subscriber.counts.refused >= 1)
    finally:
        stopped(subscriber, thread)
    case = Case.objects.get()
    assert case.channel == "sensor" and case.asset == bins["asset"]
    assert Reading.objects.count() == 2 and subscriber.counts.by_outcome == {
        "stored": 2,
        "malformed": 1,
    }


def test_readings_sent_while_the_subscriber_is_away_are_taken_once_it_returns(council, bins):
    client_id = f"oc-test-{uuid.uuid4().hex[:8]}"
    subscriber, thread = running(Broker(*SHARED), client_id)  # the session is made
    stopped(subscriber, thread)
    topic = device_topic(bins["device"])
    publish([(topic, reading(30 - n, fillingLevel=n / 40)) for n in range(20)])
    subscriber, thread = running(Broker(*SHARED), client_id)
    try:
        assert until(lambda: Reading.objects.count() == 20), Reading.objects.count()
    finally:
        stopped(subscriber, thread)
    publish([(topic, reading(30, fillingLevel=0.0))])  # a replay: counted, not stored twice
    assert Reading.objects.count() == 20


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def locked_broker(settings, council, bins):
    """A Mosquitto of this test's own: no anonymous clients, the password file and ACL
    the product writes."""
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists():
        pytest.fail("Mosquitto is not installed (Debian's mosquitto)")
    folder = Path(tempfile.mkdtemp(prefix="oc-mosquitto-"))
    folder.chmod(0o755)  # run as root, Mosquitto reads its files as the mosquitto user
    port = _free_port()
    settings.SENSOR_MQTT_URL = f"mqtt://onecouncil:sub-secret@127.0.0.1:{port}"
    call_command("devices", "--mosquitto", str(folder))
    (folder / "mosquitto.conf").write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous false\n"
        f"password_file {folder / 'passwd'}\nacl_file {folder / 'acl'}\n"
        f"persistence false\nlog_dest stderr\n"
    )
    for name in ("passwd", "acl"):
        os.chmod(folder / name, 0o644)
    process = subprocess.Popen(
        [binary, "-c", str(folder / "mosquitto.conf")], stderr=subprocess.PIPE
    )
    try:
        if not until(lambda: _listening(port), 10):
            process.terminate()
            pytest.fail(f"mosquitto did not start: {process.communicate(timeout=5)[1].decode()}")
        yield port
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)


def _listening(port):
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_a_device_publishes_only_as_itself(settings, council, bins, locked_broker):
    from onecouncil.sensors.ingest import broker_username, device_credentials_issue
    from onecouncil.sensors.models import Device

    other = Device.objects.create(council=council, identifier="bin-sensor-2", kind="WasteContainer")
    device_credentials_issue(other)
    call_command(
        "devices", "--mosquitto", str(Path(tempfile.mkdtemp()))
    )  # (the broker read its files already)
    port = locked_broker
    subscriber, thread = running(
        Broker.from_url(settings.SENSOR_MQTT_URL), f"oc-{uuid.uuid4().hex[:8]}"
    )
    try:
        me = bins["device"]
        publish(
            [
                (device_topic(me), reading(2, fillingLevel=0.4)),
                (device_topic(other), reading(1, fillingLevel=0.9)),
            ],
            port=port,
            username=broker_username(me),
            password=bins["secret"],
        )
        assert until(lambda: Reading.objects.filter(device=me).exists())
        time.sleep(1)
        assert not Reading.objects.filter(device=other).exists()  # the ACL dropped it
    finally:
        stopped(subscriber, thread)
    answers = []
    wrong = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"wrong-{uuid.uuid4().hex[:6]}")
    wrong.username_pw_set(broker_username(me), "not-the-secret")
    wrong.on_connect = lambda client, userdata, flags, reason, properties: answers.append(reason)
    wrong.connect("127.0.0.1", port)
    for _n in range(20):
        wrong.loop(timeout=0.1)
        if answers:
            break
    assert answers and answers[0].is_failure and not wrong.is_connected()


def test_the_embedded_broker_takes_devices_as_themselves_and_learns_new_ones(
    settings, council, bins
):
    """With no broker configured, ``run_broker``'s Mosquitto: no anonymous clients, the
    subscriber's password kept in the var folder, a device given credentials while it
    runs allowed in once the files are reloaded, and a Mosquitto left running by a killed
    ``run_broker`` replaced, not fought over."""
    from onecouncil.sensors.broker import embedded_broker, embedded_url
    from onecouncil.sensors.ingest import broker_username, device_credentials_issue
    from onecouncil.sensors.models import Device
    from onecouncil.sensors.mqtt import broker_url

    settings.SENSOR_MQTT_URL = ""
    tmp_path = Path(tempfile.mkdtemp(prefix="oc-var-"))  # Mosquitto, as its own user, reaches it
    tmp_path.chmod(0o755)
    settings.VAR_DIR = tmp_path
    settings.SENSOR_EMBEDDED_MQTT_PORT = port = _free_port()
    assert broker_url() == embedded_url() and f"@127.0.0.1:{port}" in broker_url()
    assert oct((tmp_path / "mqtt" / "subscriber").stat().st_mode)[-3:] == "600"
    broker = embedded_broker()
    assert broker is not None and "password" not in repr(broker)
    first = broker.start()
    assert until(lambda: _listening(port), 10)
    stale = broker.start()  # as a new run_broker would, after the last was killed
    assert first.wait(10) is not None and stale.poll() is None
    assert until(lambda: _listening(port), 10)
    subscriber, thread = running(Broker.from_url(broker_url()), f"oc-{uuid.uuid4().hex[:8]}")
    try:
        me = bins["device"]
        publish(
            [(device_topic(me), reading(3, fillingLevel=0.3))],
            port=port,
            username=broker_username(me),
            password=bins["secret"],
        )
        assert until(lambda: Reading.objects.count() == 1)
        assert _refused_anonymous(port)
        newcomer = Device.objects.create(
            council=council, identifier="bin-sensor-2", kind="WasteContainer", asset=me.asset
        )
        secret = device_credentials_issue(newcomer)
        assert broker.reload_if_changed() and not broker.reload_if_changed()
        time.sleep(0.5)
        publish(
            [(device_topic(newcomer), reading(1, fillingLevel=0.5))],
            port=port,
            username=broker_username(newcomer),
            password=secret,
        )
        assert until(lambda: Reading.objects.filter(device=newcomer).count() == 1)
    finally:
        stopped(subscriber, thread)
        stale.terminate()
        stale.wait(10)
        shutil.rmtree(tmp_path, ignore_errors=True)


def _refused_anonymous(port):
    """Whether the broker refuses a client without credentials (its CONNACK says so)."""
    answered = threading.Event()
    codes = []
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"anon-{uuid.uuid4().hex[:8]}")

    def connected(client, userdata, flags, reason_code, properties):
        codes.append(reason_code)
        answered.set()

    client.on_connect = connected
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        assert answered.wait(10), "no CONNACK"
    finally:
        client.loop_stop()
        client.disconnect()
    return codes[0].is_failure
