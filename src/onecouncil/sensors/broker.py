"""The embedded broker: where no MQTT broker is configured (``SENSOR_MQTT_URL`` empty),
``serve`` runs ``run_broker``, which keeps a Mosquitto of its own (Debian's ``mosquitto``
binary) on ``SENSOR_EMBEDDED_MQTT_PORT``, on the loopback address unless told otherwise,
with no anonymous clients: each device signs in with its own credentials and may publish
only to its own topic (the password file and ACL ``mosquitto_files`` writes), and the
subscriber (``run_sensors``) with a password kept in ``VAR_DIR/mqtt/subscriber`` (made
once, readable by this user alone). When devices' credentials change, the files are
written again and the broker told to read them (SIGHUP).

A council with a broker of its own (or a managed one) sets ``SENSOR_MQTT_URL`` instead,
and none is started."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

from onecouncil.sensors.ingest import mosquitto_files, mosquitto_hash
from onecouncil.sensors.models import Device

logger = logging.getLogger(__name__)

SUBSCRIBER = "onecouncil"


def mosquitto_binary() -> str | None:
    """Debian's ``mosquitto``, where installed (it lives in /usr/sbin, often off PATH)."""
    found = shutil.which("mosquitto")
    if found:
        return found
    return "/usr/sbin/mosquitto" if Path("/usr/sbin/mosquitto").exists() else None


def embedded_folder() -> Path:
    return Path(settings.VAR_DIR) / "mqtt"


def subscriber_password(folder: Path) -> str:
    """The subscriber's password on the embedded broker: made once, kept private."""
    path = folder / "subscriber"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(24))
    return path.read_text().strip()


def embedded_url() -> str:
    """Where the subscriber connects to the embedded broker, with its password (for the
    subscriber alone, never a log: ``Broker``'s repr leaves it out)."""
    password = subscriber_password(embedded_folder())
    host, port = settings.SENSOR_EMBEDDED_MQTT_HOST, settings.SENSOR_EMBEDDED_MQTT_PORT
    return f"mqtt://{SUBSCRIBER}:{quote(password, safe='')}@{host}:{port}"


@dataclass
class EmbeddedBroker:
    """One Mosquitto, its files in ``folder``."""

    folder: Path
    port: int
    host: str = "127.0.0.1"
    binary: str = ""
    process: subprocess.Popen[bytes] | None = None
    _digest: str = field(default="", repr=False)
    _subscriber_hash: str = field(default="", repr=False)

    def write_files(self) -> bool:
        """The password file and ACL; True when they changed since the last write."""
        self.folder.mkdir(parents=True, exist_ok=True)
        # Mosquitto started as root reads its files as its own user: the folder and the
        # hashes are readable by it then (the subscriber's own password file never is).
        self.folder.chmod(0o755 if os.geteuid() == 0 else 0o700)
        if not self._subscriber_hash:
            self._subscriber_hash = mosquitto_hash(subscriber_password(self.folder))
        devices = list(Device.objects.select_related("council").order_by("pk"))
        passwd, acl = mosquitto_files(devices, (SUBSCRIBER, self._subscriber_hash), hashed=True)
        digest = hashlib.sha256((passwd + acl).encode()).hexdigest()
        changed = digest != self._digest
        if changed:
            for name, text in (("passwd", passwd), ("acl", acl)):
                path = self.folder / name
                path.write_text(text)
                path.chmod(0o644 if os.geteuid() == 0 else 0o600)
            self._digest = digest
        return changed

    def _write_configuration(self) -> None:
        (self.folder / "mosquitto.conf").write_text(
            f"listener {self.port} {self.host}\n"
            "allow_anonymous false\n"
            f"password_file {self.folder / 'passwd'}\n"
            f"acl_file {self.folder / 'acl'}\n"
            # Sessions kept in memory: the subscriber's survives its own restarts, not
            # the broker's.
            "persistence false\n"
            f"max_queued_messages {settings.SENSOR_EMBEDDED_MQTT_QUEUE}\n"
            # Room for the subscriber's batches: it acknowledges each once stored.
            "max_inflight_messages 1000\n"
            "log_dest stderr\n"
            "log_type error\nlog_type warning\nlog_type notice\n"
        )

    def start(self) -> subprocess.Popen[bytes]:
        self._digest = ""
        self.write_files()
        self._write_configuration()  # once: only the credentials change while it runs
        self._stop_stale()
        self.process = subprocess.Popen(  # noqa: S603 - Debian's binary, our own file
            [self.binary, "-c", str(self.folder / "mosquitto.conf")]
        )
        (self.folder / "mosquitto.pid").write_text(str(self.process.pid))
        return self.process

    def _stop_stale(self) -> None:
        """A Mosquitto left running on our files by a ``run_broker`` killed outright
        holds the port: stop it (only if it is ours: its command line names our file)."""
        pid_file = self.folder / "mosquitto.pid"
        try:
            pid = int(pid_file.read_text())
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return
        if str(self.folder / "mosquitto.conf").encode() not in command:
            return
        os.kill(pid, signal.SIGTERM)
        for _n in range(50):
            if not Path(f"/proc/{pid}").exists():
                return
            time.sleep(0.1)

    def reload_if_changed(self) -> bool:
        """Write the files again; when devices' credentials changed, tell the broker."""
        if not self.write_files():
            return False
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGHUP)
            logger.info("embedded MQTT broker: devices' credentials reloaded")
        return True


def embedded_broker() -> EmbeddedBroker | None:
    """The broker to run: None when one is configured (``SENSOR_MQTT_URL``) or Mosquitto
    is not installed."""
    if settings.SENSOR_MQTT_URL:
        return None
    binary = mosquitto_binary()
    if binary is None:
        return None
    return EmbeddedBroker(
        folder=embedded_folder(),
        port=settings.SENSOR_EMBEDDED_MQTT_PORT,
        host=settings.SENSOR_EMBEDDED_MQTT_HOST,
        binary=binary,
    )
