"""What the inbox's tests share: a council's triage service, and emails as bytes."""

from __future__ import annotations

from email.message import EmailMessage

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
