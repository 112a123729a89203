"""Email from an IMAP mailbox, read from a real Dovecot over TLS: requests, replies,
automatic mail, attachments, a worker killed half-way, bad credentials, bad mail."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from onecouncil.cases.models import Case, CaseEvent, EventKind
from onecouncil.inbox.imap import Mailbox, MailboxError, imap_job, imap_read
from onecouncil.inbox.intake import message_take
from onecouncil.inbox.models import InboundMessage, MessageStatus
from tests.inbox.conftest import email
from tests.inbox.test_email_content import jpeg, with_attachments

pytestmark = pytest.mark.slow


@pytest.fixture
def imap(dovecot, council, inbox_service, settings):
    dovecot.empty()
    settings.INBOX_IMAP = [dovecot.mailbox()]
    settings.INBOX_IMAP_EVERY_SECONDS = 0
    return dovecot


def test_mail_in_the_mailbox_becomes_requests_and_leaves_it(imap, council):
    imap.deliver(
        email(),
        email(
            body="",
            html="<p>The streetlight outside the school is <b>flickering</b>.</p>",
            subject="Light",
            message_id="<html@mail.example>",
        ),
    )
    assert imap_job() == 2
    texts = sorted(c.answers["description"] for c in Case.objects.all())
    assert "not collected on Tuesday" in texts[0] and "flickering" in texts[1]
    assert imap.uids() == []  # deleted only once stored
    assert InboundMessage.objects.filter(status=MessageStatus.REQUEST).count() == 2


def test_starttls_and_a_processed_folder(imap, council):
    imap.deliver(email())
    box = Mailbox.from_setting(
        imap.mailbox(port=imap.imap_port, security="starttls", processed_folder="Processed")
    )
    assert imap_read(box, council) == 1
    assert imap.uids() == [] and len(imap.uids("Processed")) == 1
    assert Case.objects.count() == 1


def test_a_worker_killed_after_storing_does_nothing_twice(imap, council):
    raw = email()
    imap.deliver(raw)
    message_take(council=council, raw=raw)  # stored, then killed before the delete
    assert imap_job() == 1
    assert Case.objects.count() == 1 and InboundMessage.objects.count() == 1
    assert imap.uids() == []


def test_attachments_replies_and_automatic_mail_over_imap(imap, council):
    imap.deliver(with_attachments(("pothole.jpg", jpeg(), "image", "jpeg")))
    imap_job()
    case = Case.objects.get()
    assert case.photos.count() == 1
    imap.deliver(
        email(
            body="It is getting deeper.",
            subject=f"Re: {case.reference}",
            message_id="<r@mail.example>",
        ),
        email(
            subject="Out of office", message_id="<ooo@mail.example>", Auto_Submitted="auto-replied"
        ),
    )
    imap_job()
    assert Case.objects.count() == 1
    assert CaseEvent.objects.filter(
        case=case, kind=EventKind.NOTE, message__contains="deeper"
    ).exists()
    assert (
        InboundMessage.objects.get(message_id="<ooo@mail.example>").status == MessageStatus.IGNORED
    )
    assert imap.uids() == []


def test_bad_and_huge_mail_is_kept_and_explained(imap, council, settings):
    settings.INBOX_MAX_BYTES = 20_000
    imap.deliver(
        b"this is not an email\r\n", email(body="x" * 60_000, message_id="<big@mail.example>")
    )
    imap_job()
    reasons = sorted(InboundMessage.objects.values_list("status", "reason"))
    assert reasons == [
        (MessageStatus.FAILED, "Not an email: it has no From header"),
        (MessageStatus.FAILED, "Too large to process"),
    ]
    assert max(len(m.raw) for m in InboundMessage.objects.all()) <= 20_001  # fetched in part
    assert imap.uids() == [] and not Case.objects.exists()


def test_a_wrong_password_or_an_untrusted_certificate_loses_nothing(imap, council):
    imap.deliver(email())
    for box in (imap.mailbox(password="wrong"), imap.mailbox(ca_file="")):
        with pytest.raises(MailboxError):
            imap_read(Mailbox.from_setting(box), council)
    assert len(imap.uids()) == 1 and not Case.objects.exists()
    assert "wrong" not in repr(Mailbox.from_setting(imap.mailbox(password="wrong")))


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        ({"security": "none"}, "never read in the clear"),
        ({"password": ""}, "needs password"),
        ({"pasword": "x"}, "unknown keys"),
    ],
)
def test_a_mistaken_mailbox_setting_is_explained(dovecot, entry, says):
    with pytest.raises(ImproperlyConfigured, match=says):
        Mailbox.from_setting({**dovecot.mailbox(), **entry})
