from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand

from onecouncil.sensors.mqtt import subscriber_from_settings


class Command(BaseCommand):
    help = "Take sensors' readings from the MQTT broker (SENSOR_MQTT_URL) until stopped."

    def handle(self, *args: Any, **options: Any) -> None:
        subscriber = subscriber_from_settings()
        if subscriber is None:
            self.stdout.write(
                "No MQTT broker is configured (SENSOR_MQTT_URL) and Debian's mosquitto is not "
                "installed for an embedded one: readings come only over HTTPS."
            )
            signal.sigwait({signal.SIGTERM, signal.SIGINT})
            return
        signal.signal(signal.SIGTERM, lambda signum, frame: subscriber.stop())
        signal.signal(signal.SIGINT, lambda signum, frame: subscriber.stop())
        self.stdout.write(f"Taking sensors' readings from {subscriber.broker!r}.")
        subscriber.run()
        self.stdout.write(f"Stopped after {subscriber.counts.taken} readings.")
