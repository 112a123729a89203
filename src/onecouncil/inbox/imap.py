"""Mail from an IMAP mailbox the worker polls: what Exchange Online and every mail server
offer. Each council's mailboxes are named in settings (``INBOX_IMAP``), always over TLS
(implicit, or STARTTLS), with the password in the environment or a file, never in the
code or the database.

A message is fetched without marking it read, stored and acted on (``message_take``),
and only then flagged deleted (or copied to the council's "processed" folder first).
A worker killed between the two finds the message again on its next round, and
``message_take`` recognises it by its Message-ID: nothing is lost, nothing is done
twice.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from onecouncil.core.models import Council
from onecouncil.inbox.intake import message_take

logger = logging.getLogger(__name__)

BATCH = 200  # messages per round, per mailbox: a flood waits for the next round
TIMEOUT_SECONDS = 30


class MailboxError(Exception):
    """The mailbox could not be read this round (it is tried again on the next)."""


@dataclass(frozen=True)
class Mailbox:
    council: str  # the council's slug
    host: str
    username: str
    password: str
    port: int = 993
    security: str = "tls"  # "tls" (implicit, port 993) or "starttls" (port 143)
    folder: str = "INBOX"
    processed_folder: str = ""  # copied there before deletion, when set
    ca_file: str = ""  # a private certificate authority (the tests' own, say)

    def __repr__(self) -> str:  # never the password, in a log or a traceback
        return f"Mailbox({self.username}@{self.host}:{self.port} for {self.council})"

    @classmethod
    def from_setting(cls, entry: dict[str, Any]) -> Mailbox:
        known = set(cls.__dataclass_fields__) | {"password_file"}
        unknown = set(entry) - known
        if unknown:
            raise ImproperlyConfigured(f"INBOX_IMAP: unknown keys {sorted(unknown)}")
        values = {k: v for k, v in entry.items() if k != "password_file"}
        if "password_file" in entry:
            values["password"] = Path(entry["password_file"]).read_text().strip()
        for required in ("council", "host", "username", "password"):
            if not values.get(required):
                raise ImproperlyConfigured(f"INBOX_IMAP: each mailbox needs {required}")
        if values.get("security", "tls") not in ("tls", "starttls"):
            raise ImproperlyConfigured(
                "INBOX_IMAP: security is tls or starttls (mail is never read in the clear)"
            )
        return cls(**values)


def mailboxes() -> list[Mailbox]:
    return [Mailbox.from_setting(entry) for entry in settings.INBOX_IMAP]


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    context = ssl.create_default_context(cafile=mailbox.ca_file or None)
    if mailbox.security == "tls":
        return imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=context, timeout=TIMEOUT_SECONDS
        )
    connection = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT_SECONDS)
    connection.starttls(ssl_context=context)
    return connection


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


def imap_read(mailbox: Mailbox, council: Council) -> int:
    """Take every message waiting in the mailbox (up to ``BATCH``). Returns how many."""
    try:
        connection = _connect(mailbox)
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailboxError(f"{mailbox!r}: could not connect: {error}") from error
    try:
        connection.login(mailbox.username, mailbox.password)
        status, _data = connection.select(_quoted(mailbox.folder))
        if status != "OK":
            raise MailboxError(f"{mailbox!r}: no folder {mailbox.folder}")
        status, found = connection.uid("SEARCH", "NOT DELETED")
        uids = [u.decode() for u in found[0].split()[:BATCH]] if status == "OK" and found[0] else []
        done = 0
        for uid in uids:
            raw = _fetch(connection, uid)
            if raw is None:
                continue
            try:
                message_take(council=council, raw=raw)  # stored before it leaves the mailbox
            except Exception:  # left in the mailbox, and tried again next round
                logger.exception("taking message %s from %r failed", uid, mailbox)
                continue
            if mailbox.processed_folder:
                status, _data = connection.uid("COPY", uid, _quoted(mailbox.processed_folder))
                if status != "OK":
                    raise MailboxError(f"{mailbox!r}: could not copy to its processed folder")
            connection.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
            done += 1
        if done:
            connection.expunge()
        return done
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailboxError(f"{mailbox!r}: {type(error).__name__}: {error}") from error
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            connection.logout()


def _fetch(connection: imaplib.IMAP4, uid: str) -> bytes | None:
    """The whole message, without marking it read. A message larger than the inbox
    takes is fetched only in part: its headers and first bytes are kept (and explained
    as too large to process), never the whole of it into memory."""
    status, sized = connection.uid("FETCH", uid, "(RFC822.SIZE)")
    size_found = _SIZE.search(sized[0]) if status == "OK" and isinstance(sized[0], bytes) else None
    size = int(size_found.group(1)) if size_found else 0
    part = "BODY.PEEK[]"
    if size > settings.INBOX_MAX_BYTES:
        part = f"BODY.PEEK[]<0.{settings.INBOX_MAX_BYTES + 1}>"
    status, data = connection.uid("FETCH", uid, f"({part})")
    if status != "OK":
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


_polled_at: dict[Mailbox, float] = {}


def imap_job() -> int:
    """The worker's job: every configured mailbox of an active council, each at most
    once every ``INBOX_IMAP_EVERY_SECONDS`` (at once again while a full batch waits)."""
    done = 0
    for mailbox in mailboxes():
        last = _polled_at.get(mailbox)
        if last is not None and time.monotonic() - last < settings.INBOX_IMAP_EVERY_SECONDS:
            continue
        _polled_at[mailbox] = time.monotonic()
        council = Council.objects.filter(slug=mailbox.council, is_active=True).first()
        if council is None:
            logger.error("INBOX_IMAP names %s, which is not an active council", mailbox.council)
            continue
        try:
            taken = imap_read(mailbox, council)
            done += taken
            if taken >= BATCH:
                _polled_at.pop(mailbox, None)
        except MailboxError as error:
            logger.warning("reading a mailbox failed, tried again next round: %s", error)
        except Exception:
            logger.exception("reading %r failed", mailbox)
    return done
