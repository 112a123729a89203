from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import paho.mqtt.client as mqtt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from onecouncil.core.models import Council
from onecouncil.demo.sensors import demo_backfill, simulated
from onecouncil.sensors.ingest import broker_username, device_credentials_issue, device_topic
from onecouncil.sensors.models import Device
from onecouncil.sensors.mqtt import Broker, broker_url


class Command(BaseCommand):
    help = (
        "Realistic readings for the demo's devices (bins filling and emptied, a light "
        "failing, a river rising, a device falling silent): the last --hours taken "
        "in-process, or --live: published to the MQTT broker (SENSOR_MQTT_URL) every few "
        "seconds, the story running --speed times faster than the clock."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--council", default="riverbend")
        parser.add_argument("--hours", type=float, default=0)
        parser.add_argument("--live", action="store_true")
        parser.add_argument("--speed", type=float, default=360.0)
        parser.add_argument("--every", type=float, default=5.0, help="Seconds between rounds.")
        parser.add_argument(
            "--rounds", type=int, default=0, help="Stop after this many (0: never)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        council = Council.objects.filter(slug=options["council"]).first()
        if council is None:
            raise CommandError(f"There is no council {options['council']!r}.")
        devices = list(
            Device.objects.filter(council=council, is_active=True).order_by("identifier")
        )
        if not devices:
            raise CommandError("The council has no devices: load the demo first.")
        if options["hours"]:
            counts = demo_backfill(council, devices, options["hours"], timezone.now())
            self.stdout.write(f"Backfilled: {counts}")
        if options["live"]:
            self._live(devices, options)

    def _live(self, devices: list[Device], options: dict[str, Any]) -> None:
        url = broker_url()
        if not url:
            raise CommandError(
                "There is no broker to publish to: set SENSOR_MQTT_URL, or install Debian's "
                "mosquitto for the embedded one."
            )
        broker = Broker.from_url(url)
        if settings.SENSOR_MQTT_URL:  # a broker of the council's: as the configuration says
            client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="oc-simulator")
            if broker.username:
                client.username_pw_set(broker.username, broker.password)
            clients = dict.fromkeys((d.identifier for d in devices), client)
            started = [client]
        else:
            # The embedded broker lets each device publish only as itself: the simulated
            # devices are given fresh credentials (demo devices: nothing real holds them).
            clients, started = {}, []
            for device in devices:
                client = mqtt.Client(
                    mqtt.CallbackAPIVersion.VERSION2, client_id=f"oc-sim-{device.identifier}"
                )
                client.username_pw_set(broker_username(device), device_credentials_issue(device))
                clients[device.identifier] = client
                started.append(client)
            self.stdout.write(
                "Gave the simulated devices fresh credentials; waiting for the broker."
            )
            time.sleep(6)  # run_broker reloads credentials every 5 seconds
        for client in started:
            client.connect(broker.host, broker.port)
            client.loop_start()
        by_id = {d.identifier: d for d in devices}
        story = timezone.now() - dt.timedelta(days=2)
        rounds = 0
        try:
            while not options["rounds"] or rounds < options["rounds"]:
                step = dt.timedelta(seconds=options["every"] * options["speed"])
                now = timezone.now()
                sent = 0
                # Each round its own stretch of the story: the end is the next one's start.
                for item in simulated(devices, story, story + step - dt.timedelta(microseconds=1)):
                    payload = {**item.payload(), "observedAt": now.isoformat()}
                    clients[item.device].publish(
                        device_topic(by_id[item.device]), json.dumps(payload), qos=1
                    )
                    now += dt.timedelta(milliseconds=1)  # each its own moment
                    sent += 1
                self.stdout.write(f"{timezone.localtime(story):%a %H:%M}: {sent} readings")
                story += step
                rounds += 1
                time.sleep(options["every"])
        finally:
            for client in started:
                client.loop_stop()
                client.disconnect()
