"""What the inbox's tests share: a council's triage service, and emails as bytes."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from onecouncil.inbox.maildir import maildir_of
from tests.factories import QuestionFactory, ServiceFactory, TeamFactory


@pytest.fixture
def inbox_service(council):
    service = ServiceFactory(
        council=council,
        code="something-else",
        name="Something else",
        needs_triage=True,
        visibility="private",
        location_required=False,
        team=TeamFactory(council=council, name="Contact centre"),
    )
    QuestionFactory(service=service, code="description", label="Tell us", kind="long_text")
    return service


def email(
    body="The bins on Mill Lane were not collected on Tuesday.",
    subject="Bins",
    sender="Ann Lee <ann@example.com>",
    message_id="<1@mail.example>",
    html=None,
    **headers,
):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "report@riverbend.example"
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()


def drop(council, raw, name="1.eml"):
    (maildir_of(council) / "new" / name).write_bytes(raw)


@dataclass(frozen=True)
class Dovecot:
    """A real IMAP server for the tests: Debian's Dovecot, on ports of its own, with TLS
    from a certificate authority of its own (``ca_file``) and one mailbox."""

    imaps_port: int
    imap_port: int
    ca_file: str
    username: str = "inbox@riverbend"
    password: str = "correct horse battery staple"

    def connect(self) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=self.ca_file)
        connection = imaplib.IMAP4_SSL("127.0.0.1", self.imaps_port, ssl_context=context)
        connection.login(self.username, self.password)
        return connection

    def deliver(self, *messages: bytes, folder: str = "INBOX") -> None:
        connection = self.connect()
        for raw in messages:
            connection.append(folder, None, None, raw)
        connection.logout()

    def uids(self, folder: str = "INBOX") -> list[bytes]:
        connection = self.connect()
        connection.select(folder)
        _status, found = connection.uid("SEARCH", "ALL")
        connection.logout()
        return found[0].split()

    def empty(self) -> None:
        connection = self.connect()
        for folder in ("INBOX", "Processed"):
            if connection.select(folder)[0] == "OK":
                connection.uid("STORE", "1:*", "+FLAGS.SILENT", r"(\Deleted)")
                connection.expunge()
        connection.logout()

    def mailbox(self, **overrides: Any) -> dict[str, Any]:
        return {
            "council": "riverbend",
            "host": "127.0.0.1",
            "port": self.imaps_port,
            "username": self.username,
            "password": self.password,
            "ca_file": self.ca_file,
            **overrides,
        }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """Dovecot started for this test run (``make test-deps`` installs Debian's
    ``dovecot-imapd``), run as this user's or, under root, as Dovecot's own users."""
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not Path(binary).exists():
        pytest.fail("Dovecot is not installed: run `make test-deps` (Debian's dovecot-imapd)")
    folder = Path(tempfile.mkdtemp(prefix="oc-dovecot-"))
    folder.chmod(0o755)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    server = Dovecot(
        imaps_port=_free_port(), imap_port=_free_port(), ca_file=str(folder / "cert.pem")
    )
    (folder / "passwd").write_text(f"{server.username}:{{PLAIN}}{server.password}\n")
    home = folder / "home"
    home.mkdir()
    if os.getuid() == 0:  # Dovecot never runs its logins or mail as root
        internal, login, mail_user = "dovecot", "dovenull", pwd.getpwnam("dovecot")
        os.chown(home, mail_user.pw_uid, mail_user.pw_gid)
    else:
        me = pwd.getpwuid(os.getuid())
        internal, login, mail_user = me.pw_name, me.pw_name, me
    (folder / "dovecot.conf").write_text(
        f"""base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{folder}/cert.pem
ssl_key = <{folder}/key.pem
auth_mechanisms = plain login
first_valid_uid = 1
default_internal_user = {internal}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={home}/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  mailbox Processed {{
    auto = create
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {server.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {server.imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""
    )
    subprocess.run([binary, "-c", str(folder / "dovecot.conf")], check=True)
    try:
        for _ in range(100):
            try:
                server.connect().logout()
                break
            except OSError:
                time.sleep(0.05)
        else:
            log = (folder / "dovecot.log").read_text(errors="replace")
            pytest.fail(f"Dovecot did not start:\n{log}")
        yield server
    finally:
        subprocess.run([binary, "-c", str(folder / "dovecot.conf"), "stop"], check=False)
        shutil.rmtree(folder, ignore_errors=True)
