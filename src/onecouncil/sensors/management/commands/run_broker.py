"""Run the embedded MQTT broker (``sensors.broker``) until stopped: ``serve`` runs this
where no broker is configured."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from onecouncil.sensors.broker import embedded_broker

CHECK_SECONDS = 5.0  # a device given credentials can sign in within seconds


class Command(BaseCommand):
    help = (
        "Run an embedded Mosquitto for the sensors where SENSOR_MQTT_URL is empty, "
        "reloading devices' credentials as they change."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = threading.Event()
        signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
        signal.signal(signal.SIGINT, lambda signum, frame: stopping.set())
        broker = embedded_broker()
        if broker is None:
            self.stdout.write(
                "No embedded MQTT broker: SENSOR_MQTT_URL names one, or Debian's mosquitto "
                "is not installed."
            )
            stopping.wait()
            return
        process = broker.start()
        self.stdout.write(f"Embedded MQTT broker (Mosquitto) on {broker.host}:{broker.port}.")
        try:
            while not stopping.wait(CHECK_SECONDS if process.poll() is None else 0):
                if process.poll() is not None:
                    self.stderr.write(
                        f"Mosquitto stopped (exit code {process.returncode}); starting it again."
                    )
                    stopping.wait(2)
                    process = broker.start()
                    continue
                broker.reload_if_changed()  # devices given or refused credentials
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(10)
