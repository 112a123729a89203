"""Reading an email: who sent it, what they wrote (plain text from HTML, without the
quoted message they replied to or their signature), and whether it is automatic mail
(auto-replies, bounces, mailing lists: never answered, so mail never loops) or mail the
council's own server marked as spam or failing SPF, DKIM or DMARC."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, MIMEPart
from email.parser import BytesParser
from email.utils import parseaddr
from html.parser import HTMLParser


class UnreadableMail(ValueError):
    """The bytes are not an email we can read."""


@dataclass(frozen=True)
class Attachment:
    name: str  # as the sender's program named it: shown, never used as a path
    content_type: str
    content: bytes

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


@dataclass(frozen=True)
class Mail:
    message_id: str
    sender: str
    sender_name: str
    subject: str
    text: str
    automatic: str  # why it is automatic mail, or ""
    suspect: str  # why it looks like spam or forged, or ""
    attachments: tuple[Attachment, ...] = ()
    in_reply_to: tuple[str, ...] = ()  # Message-IDs from In-Reply-To and References


class _Text(HTMLParser):
    BREAKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "blockquote"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self.skip += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    reader = _Text()
    reader.feed(html)
    text = "".join(reader.parts)
    return "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()


_QUOTE_STARTS = re.compile(
    r"^(On .{5,200} wrote:|-{2,} ?Original Message ?-{2,}|From: .+|_{10,})\s*$", re.IGNORECASE
)


def trimmed(text: str) -> str:
    """The new words of a message: before the first quoted line, the "On ... wrote:" line
    or the signature separator ("-- ")."""
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith(">") or _QUOTE_STARTS.match(line.strip()) or line == "-- ":
            break
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def _body(message: EmailMessage) -> str:
    """The words: the plain-text part, or the HTML as text when there is no plain part or
    it is empty (some mail programs send an empty one beside the HTML)."""
    for preference in (("plain", "html"), ("html",)):
        part = message.get_body(preferencelist=preference)
        if part is None:
            continue
        content = _content(part)
        if part.get_content_subtype() == "html":
            content = html_to_text(content)
        if content.strip():
            return content
    return ""


def _content(part: MIMEPart) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError):  # an unknown or lying charset
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def attachments_of(message: EmailMessage) -> tuple[Attachment, ...]:
    """Every part that is not the words of the message: files attached, and images shown
    inside an HTML message. A part that cannot be decoded is skipped (the raw message,
    kept whole, still holds it)."""
    body = message.get_body(preferencelist=("plain", "html"))
    found = []
    for number, part in enumerate(message.walk(), start=1):
        if part.is_multipart() or part is body:
            continue
        if part.get_content_maintype() == "text" and part.get_content_disposition() is None:
            continue  # the other rendering of the words (plain beside HTML)
        content = part.get_payload(decode=True)
        if not isinstance(content, bytes) or not content:
            continue
        name = " ".join(str(part.get_filename() or "").split())[:200] or f"part-{number}"
        found.append(Attachment(name, part.get_content_type()[:100], content))
    return tuple(found)


def message_ids_in(value: str) -> tuple[str, ...]:
    return tuple(re.findall(r"<[^<>\s]{1,250}>", value))


def _automatic(message: EmailMessage, sender: str) -> str:
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in ("bulk", "list", "junk", "auto_reply"):
        return f"Precedence: {precedence}"
    if message.get("List-Id") or message.get("List-Unsubscribe"):
        return "mailing list"
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return "auto-reply"
    return_path = str(message.get("Return-Path", "")).strip()
    if return_path == "<>" or not sender or sender.lower().startswith("mailer-daemon@"):
        return "bounce (no sender)"
    return ""


_FAILED_CHECK = re.compile(r"\b(spf|dkim|dmarc)=(fail|softfail|permerror)\b", re.IGNORECASE)


def _suspect(message: EmailMessage) -> str:
    if str(message.get("X-Spam-Flag", "")).strip().upper() == "YES":
        return "X-Spam-Flag: YES"
    if str(message.get("X-Spam-Status", "")).strip().lower().startswith("yes"):
        return "X-Spam-Status: Yes"
    for value in message.get_all("Authentication-Results", []) or []:
        failed = _FAILED_CHECK.search(str(value))
        if failed:
            return f"Authentication-Results: {failed.group(0)}"
    return ""


def read_mail(raw: bytes) -> Mail:
    """The parts of ``raw`` the inbox needs. Raises ``UnreadableMail`` for anything that
    is not a readable email (the raw message is kept by the caller either way)."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        if message.get("From") is None:
            raise UnreadableMail("Not an email: it has no From header")
        name, address = parseaddr(str(message.get("From", "")))
        sender = address.strip().lower() if "@" in address else ""
        message_id = str(message.get("Message-ID", "")).strip()[:255]
        subject = " ".join(str(message.get("Subject", "")).split())[:300]
        text = trimmed(_body(message))
        attachments = attachments_of(message)
        replied_to = message_ids_in(
            f"{message.get('In-Reply-To', '')} {message.get('References', '')}"
        )
    except UnreadableMail:
        raise
    except Exception as error:  # the email package raises many kinds on bad input
        raise UnreadableMail(f"{type(error).__name__}: {error}"[:300]) from error
    return Mail(
        message_id=message_id or "sha256:" + hashlib.sha256(raw).hexdigest(),
        sender=sender,
        sender_name=name.strip()[:200],
        subject=subject,
        text=text,
        automatic=_automatic(message, sender),
        suspect=_suspect(message),
        attachments=attachments,
        in_reply_to=replied_to,
    )
