"""Readings over MQTT: one subscriber (``onecouncil run_sensors``, started by
``onecouncil serve``) on ``onecouncil/<council-slug>/devices/<device-id>/readings``
(the first part is ``SENSOR_MQTT_PREFIX``).

It subscribes at QoS 1 in a persistent session (a fixed client id, ``clean_session``
false), so the broker keeps the readings sent while it is down and hands them over when
it returns; and it acknowledges each message only after the reading is stored
(``manual_ack``), so a subscriber killed mid-way is sent it again, and the reading's
uniqueness (device, observedAt) takes it once. Devices authenticate to the broker with
their own credentials, and the broker's ACL lets each publish only to its own topic
(``devices --mosquitto`` writes the password file and ACL).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from django.conf import settings
from django.db import close_old_connections

from onecouncil.core.models import Council
from onecouncil.sensors.ingest import Incoming, readings_take

logger = logging.getLogger(__name__)

BATCH = 500  # readings taken in one transaction at most
RETRY_SECONDS = 2.0  # a batch that failed (the database away) is tried again after this


def topic_filter() -> str:
    """What the subscriber reads: every council's devices' readings, under the
    deployment's prefix (``SENSOR_MQTT_PREFIX``, "onecouncil": deployments may share a
    broker)."""
    return f"{settings.SENSOR_MQTT_PREFIX}/+/devices/+/readings"


@dataclass(frozen=True)
class Broker:
    host: str
    port: int = 1883
    username: str = ""
    password: str = ""

    def __repr__(self) -> str:  # never the password
        return f"Broker({self.username or 'anonymous'}@{self.host}:{self.port})"

    @classmethod
    def from_url(cls, url: str) -> Broker:
        parts = urlsplit(url)
        if parts.scheme != "mqtt" or not parts.hostname:
            raise ValueError("SENSOR_MQTT_URL is mqtt://[user:password@]host[:port]")
        return cls(
            host=parts.hostname,
            port=parts.port or 1883,
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
        )


@dataclass
class Counts:
    taken: int = 0
    refused: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)


class Subscriber:
    """The sensors' subscriber. ``run`` blocks until ``stop``."""

    def __init__(self, broker: Broker, client_id: str) -> None:
        self.broker = broker
        self.counts = Counts()
        self.connected = threading.Event()
        self._stopping = threading.Event()
        self._councils: dict[str, Council | None] = {}
        self._since_close = 0
        self._inbox: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        if broker.username:
            self.client.username_pw_set(broker.username, broker.password)
        self.client.max_inflight_messages_set(200)
        self.client.on_connect = self._connected
        self.client.on_message = self._message
        self.client.on_disconnect = self._disconnected
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)

    def _connected(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: object,
        reason: object,
        properties: object,
    ) -> None:
        if getattr(reason, "is_failure", False):
            logger.error(
                "the MQTT broker %r refused the sensors' subscriber: %s", self.broker, reason
            )
            return
        client.subscribe(topic_filter(), qos=1)
        self.connected.set()

    def _disconnected(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: object,
        reason: object,
        properties: object,
    ) -> None:
        self.connected.clear()
        if not self._stopping.is_set():
            logger.warning("the MQTT broker %r went away (%s); reconnecting", self.broker, reason)

    def _council(self, slug: str) -> Council | None:
        if slug not in self._councils or self._councils[slug] is None:
            self._councils[slug] = Council.objects.filter(slug=slug, is_active=True).first()
        return self._councils[slug]

    def _message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        self._inbox.put(message)  # taken by the batching thread, acknowledged once stored

    def _batches(self) -> None:
        """Take what has arrived in batches of up to ``BATCH``: one transaction each, and
        each message acknowledged only once its batch is committed."""
        while not self._stopping.is_set():
            try:
                first = self._inbox.get(timeout=0.2)
            except queue.Empty:
                continue
            batch = [first]
            while len(batch) < BATCH:
                try:
                    batch.append(self._inbox.get_nowait())
                except queue.Empty:
                    break
            while not self._stopping.is_set():
                try:
                    self._take(batch)
                    break
                except Exception:  # the database went away, say: tried again, not dropped
                    logger.exception(
                        "a batch of %s readings could not be taken; trying again", len(batch)
                    )
                    close_old_connections()
                    self._stopping.wait(RETRY_SECONDS)
            else:
                return  # stopping: not acknowledged, so the broker sends them again
            for message in batch:
                self.client.ack(message.mid, message.qos)

    def _take(self, batch: list[mqtt.MQTTMessage]) -> None:
        self._since_close += len(batch)
        if self._since_close >= 1000:
            close_old_connections()
            self._since_close = 0
        prefix = settings.SENSOR_MQTT_PREFIX + "/"
        items = []
        for message in batch:
            parts = message.topic[len(prefix) :].split("/")
            ours = message.topic.startswith(prefix) and len(parts) == 4 and parts[1] == "devices"
            council = self._council(parts[0]) if ours else None
            if council is None:
                self.counts.refused += 1
                continue  # not a topic of ours, or no such council: nothing to count against
            items.append(Incoming(council=council, identifier=parts[2], payload=message.payload))
        for taken in readings_take(items):
            self.counts.by_outcome[taken.outcome] = self.counts.by_outcome.get(taken.outcome, 0) + 1
            if taken.outcome == "stored":
                self.counts.taken += 1
            else:
                self.counts.refused += 1

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.client.connect(self.broker.host, self.broker.port, keepalive=30)
                break
            except OSError as error:
                logger.warning(
                    "cannot reach the MQTT broker %r: %s; trying again", self.broker, error
                )
                self._stopping.wait(5)
        worker = threading.Thread(target=self._batches, name="sensor-batches", daemon=True)
        worker.start()
        self.client.loop_start()
        try:
            self._stopping.wait()
        finally:
            self.client.disconnect()
            self.client.loop_stop()
            worker.join(10)

    def stop(self) -> None:
        self._stopping.set()


def broker_url() -> str:
    """The configured broker, or the embedded one where Mosquitto is installed, or ""."""
    from onecouncil.sensors.broker import embedded_url, mosquitto_binary

    if settings.SENSOR_MQTT_URL:
        return str(settings.SENSOR_MQTT_URL)
    return embedded_url() if mosquitto_binary() else ""


def subscriber_from_settings() -> Subscriber | None:
    url = broker_url()
    if not url:
        return None
    return Subscriber(Broker.from_url(url), settings.SENSOR_MQTT_CLIENT_ID)


def wait_until(condition: object, timeout: float) -> bool:
    """For callers and tests: poll ``condition()`` until true or ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.05)
    return False
