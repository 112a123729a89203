"""Email from a council's Maildir folder: requests, replies, automatic mail, spam,
floods, unreadable messages, and a worker stopped half-way."""

from __future__ import annotations

import pytest
from django.core import mail as outbox

from onecouncil.cases.models import Case, CaseEvent, Channel, EventKind
from onecouncil.core.privacy import PersonKeys
from onecouncil.inbox.maildir import maildir_job, maildir_of
from onecouncil.inbox.models import InboundMessage, MessageStatus
from onecouncil.inbox.parse import html_to_text, trimmed
from onecouncil.inbox.store import inbox_erase, inbox_export
from onecouncil.notify.services import outbox_process
from tests.inbox.conftest import drop, email


def test_an_email_becomes_a_request_and_the_sender_is_told(council, inbox_service):
    drop(council, email())
    assert maildir_job() == 1
    case = Case.objects.get()
    assert (case.channel, case.service, case.contact_email) == (
        Channel.EMAIL,
        inbox_service,
        "ann@example.com",
    )
    assert case.contact_name == "Ann Lee"
    assert "not collected on Tuesday" in case.answers["description"]
    assert InboundMessage.objects.get().status == MessageStatus.REQUEST
    assert not list((maildir_of(council) / "new").iterdir())  # moved to cur/, not deleted
    assert len(list((maildir_of(council) / "cur").iterdir())) == 1
    outbox_process()
    assert case.reference in outbox.outbox[-1].body


def test_html_quoted_replies_and_signatures_are_trimmed(council, inbox_service):
    html = (
        "<html><head><style>p{}</style></head><body><p>Graffiti on the <b>bridge</b></p>"
        "<blockquote>old</blockquote></body></html>"
    )
    assert html_to_text(html).startswith("Graffiti on the bridge")
    assert trimmed("New words\n\nOn Mon, 1 Dec 2026, Council wrote:\n> old") == "New words"
    assert trimmed("New words\n-- \nAnn Lee\n07700 900123") == "New words"


def test_the_same_message_twice_makes_one_request(council, inbox_service):
    drop(council, email(), "a.eml")
    drop(council, email(), "b.eml")
    maildir_job()
    assert Case.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_a_worker_stopped_before_moving_the_file_does_nothing_twice(council, inbox_service):
    drop(council, email())
    maildir_job()
    # As if killed after storing but before the move: the file is back in new/.
    cur = next((maildir_of(council) / "cur").iterdir())
    cur.rename(maildir_of(council) / "new" / "1.eml")
    maildir_job()
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"List_Id": "<residents.lists.example>"},
        {"Return_Path": "<>"},
    ],
)
def test_automatic_mail_never_makes_a_request_or_a_reply(council, inbox_service, headers):
    drop(council, email(**headers))
    maildir_job()
    assert not Case.objects.exists()
    assert InboundMessage.objects.get().status == MessageStatus.IGNORED
    outbox_process()
    assert not outbox.outbox  # no acknowledgement: no mail loop


@pytest.mark.parametrize(
    "headers",
    [
        {"X_Spam_Flag": "YES"},
        {"Authentication_Results": "mx.council.example; spf=fail smtp.mailfrom=example.com"},
        {"Authentication_Results": "mx.council.example; dkim=fail header.d=example.com"},
    ],
)
def test_spam_and_forgeries_are_quarantined_without_reply(council, inbox_service, headers):
    drop(council, email(**headers))
    maildir_job()
    assert not Case.objects.exists()
    kept = InboundMessage.objects.get()
    assert kept.status == MessageStatus.QUARANTINED and kept.reason


def test_a_flooding_sender_is_quarantined(council, inbox_service, settings):
    settings.INBOX_PER_SENDER_HOUR = 2
    for n in range(4):
        drop(council, email(message_id=f"<{n}@mail.example>"), f"{n}.eml")
    maildir_job()
    assert Case.objects.count() == 2
    assert InboundMessage.objects.filter(status=MessageStatus.QUARANTINED).count() == 2


def test_a_reply_from_the_reporter_joins_their_request(council, inbox_service):
    drop(council, email())
    maildir_job()
    case = Case.objects.get()
    reply = email(
        body="Still not collected.\n\nOn Tue, the council wrote:\n> Your reference",
        subject=f"Re: Your request {case.reference}",
        message_id="<2@mail.example>",
    )
    drop(council, reply, "2.eml")
    maildir_job()
    assert Case.objects.count() == 1
    note = CaseEvent.objects.filter(case=case, kind=EventKind.NOTE).last()
    assert "Still not collected." in note.message and "Your reference" not in note.message
    assert InboundMessage.objects.get(message_id="<2@mail.example>").status == MessageStatus.REPLY


def test_a_reply_from_anyone_else_is_a_new_message(council, inbox_service):
    drop(council, email())
    maildir_job()
    case = Case.objects.get()
    drop(
        council,
        email(
            subject=f"Re: {case.reference}",
            sender="someone@else.example",
            message_id="<3@mail.example>",
        ),
        "3.eml",
    )
    maildir_job()
    assert Case.objects.count() == 2  # references are public: it does not join


@pytest.mark.parametrize(
    "raw",
    [
        b"\x00\xff\xfe not an email at all",
        b"From: a@example.com\nSubject: =?x-unknown?q?caf=E9?=\nContent-Type: text/plain; "
        b"charset=x-unknown\n\n\xe9\xe9\xe9",
    ],
)
def test_unreadable_or_odd_mail_never_crashes_and_is_kept(council, inbox_service, raw):
    drop(council, raw)
    maildir_job()
    kept = InboundMessage.objects.get()
    assert bytes(kept.raw) == raw  # never lost
    assert kept.status in (MessageStatus.FAILED, MessageStatus.REQUEST)


def test_too_large_is_kept_and_explained(council, inbox_service, settings):
    settings.INBOX_MAX_BYTES = 100
    drop(council, email(body="x" * 500))
    maildir_job()
    kept = InboundMessage.objects.get()
    assert (kept.status, kept.reason) == (MessageStatus.FAILED, "Too large to process")


def test_without_a_triage_service_the_message_waits_for_staff(council):
    drop(council, email())
    maildir_job()
    kept = InboundMessage.objects.get()
    assert kept.status == MessageStatus.FAILED and "triage service" in kept.reason


def test_erasure_and_subject_access_cover_the_senders_emails(council, inbox_service):
    drop(council, email())
    maildir_job()
    keys = PersonKeys(council_id=council.pk, emails=frozenset({"ann@example.com"}))
    name, records = inbox_export(keys)
    assert name == "emails" and "not collected on Tuesday" in records[0]["message"]
    assert inbox_erase(keys) == 1
    assert not InboundMessage.objects.exists()


def test_staff_see_emails_set_aside_and_read_one_whole(
    client, council, other_council, inbox_service
):
    from onecouncil.core.audit import AuditEntry
    from onecouncil.core.models import Role
    from tests.backoffice_helpers import staff

    drop(council, email(X_Spam_Flag="YES", subject="Cheap pills"), "spam.eml")
    drop(council, b"\x00 not an email", "bad.eml")
    drop(council, email(Precedence="bulk", message_id="<list@x>", subject="Newsletter"), "l.eml")
    maildir_job()
    client.force_login(staff(council, Role.CASE_OFFICER))
    page = client.get("/riverbend/staff/emails/set-aside/").text
    assert "Cheap pills" in page and "X-Spam-Flag: YES" in page
    assert "no From header" in page and "Newsletter" not in page
    spam = InboundMessage.objects.get(subject="Cheap pills")
    raw = client.get(f"/riverbend/staff/emails/{spam.pk}/raw/")
    assert raw["Content-Type"].startswith("text/plain") and b"Cheap pills" in raw.content
    assert raw["X-Content-Type-Options"] == "nosniff"
    assert AuditEntry.objects.filter(action="read_email", object_ref=str(spam.pk)).exists()
    listed = InboundMessage.objects.get(subject="Newsletter")
    assert client.get(f"/riverbend/staff/emails/{listed.pk}/raw/").status_code == 404
    client.force_login(staff(other_council, Role.CASE_OFFICER, username="o@n"))
    assert client.get(f"/northfield/staff/emails/{spam.pk}/raw/").status_code == 404
    client.force_login(staff(council, Role.ADVISER, username="a@r"))
    assert client.get("/riverbend/staff/emails/set-aside/").status_code == 403
