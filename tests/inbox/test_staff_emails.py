"""Staff and emails: releasing a quarantined message, and reading a request's emails
and downloading their attachments, each only by those who may."""

from __future__ import annotations

from django.core import mail as outbox

from onecouncil.cases.models import Case
from onecouncil.core.audit import AuditEntry
from onecouncil.core.models import Role
from onecouncil.inbox.maildir import maildir_job
from onecouncil.inbox.models import InboundMessage, MessageStatus
from onecouncil.notify.services import outbox_process
from tests.backoffice_helpers import staff
from tests.inbox.conftest import drop, email
from tests.inbox.test_email_content import jpeg, with_attachments


def test_a_quarantined_email_released_becomes_a_request_once(client, council, inbox_service):
    drop(council, email(X_Spam_Flag="YES", subject="Bins again"), "spam.eml")
    maildir_job()
    held = InboundMessage.objects.get()
    client.force_login(staff(council, Role.CASE_OFFICER))
    page = client.get("/riverbend/staff/emails/set-aside/").text
    assert "It is genuine: make it a request" in page
    response = client.post(f"/riverbend/staff/emails/{held.pk}/release/")
    case = Case.objects.get()
    assert response.url == f"/riverbend/staff/cases/{case.reference}/"
    held.refresh_from_db()
    assert (held.status, held.case) == (MessageStatus.REQUEST, case)
    assert "not collected on Tuesday" in case.answers["description"]
    outbox_process()
    assert case.reference in outbox.outbox[-1].body  # acknowledged, as any other
    assert AuditEntry.objects.filter(action="release_email", object_ref=str(held.pk)).exists()
    again = client.post(f"/riverbend/staff/emails/{held.pk}/release/", follow=True).text
    assert "not quarantined" in again and Case.objects.count() == 1


def test_only_staff_who_move_requests_may_release(client, council, other_council, inbox_service):
    drop(council, email(X_Spam_Flag="YES"), "spam.eml")
    maildir_job()
    held = InboundMessage.objects.get()
    client.force_login(staff(council, Role.ADVISER))
    assert client.post(f"/riverbend/staff/emails/{held.pk}/release/").status_code == 403
    client.force_login(staff(other_council, Role.CASE_OFFICER, username="o@n"))
    client.post(f"/northfield/staff/emails/{held.pk}/release/")
    assert not Case.objects.exists()


def test_a_requests_emails_and_attachments_for_staff_who_see_its_personal_data(
    client, council, other_council, inbox_service
):
    drop(
        council,
        with_attachments(
            ("letter.pdf", b"%PDF-1.4 letter", "application", "pdf"),
            ("p.jpg", jpeg(), "image", "jpeg"),
        ),
    )
    maildir_job()
    case = Case.objects.get()
    message = InboundMessage.objects.get()
    client.force_login(staff(council, Role.CASE_OFFICER))
    page = client.get(f"/riverbend/staff/cases/{case.reference}/").text
    assert "Email from ann@example.com" in page and "Download letter.pdf" in page
    download = client.get(f"/riverbend/staff/emails/{message.pk}/attachments/1/")
    assert download.content == b"%PDF-1.4 letter"
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"] == 'attachment; filename="letter.pdf"'
    assert client.get(f"/riverbend/staff/emails/{message.pk}/raw/").status_code == 200
    assert client.get(f"/riverbend/staff/emails/{message.pk}/attachments/9/").status_code == 404
    client.force_login(staff(council, Role.COUNCILLOR, username="c@r"))  # no consent given
    assert "Download letter.pdf" not in client.get(f"/riverbend/staff/cases/{case.reference}/").text
    assert client.get(f"/riverbend/staff/emails/{message.pk}/attachments/1/").status_code == 404
    assert client.get(f"/riverbend/staff/emails/{message.pk}/raw/").status_code == 404
    client.force_login(staff(other_council, Role.CASE_OFFICER, username="o@n"))
    assert client.get(f"/northfield/staff/emails/{message.pk}/attachments/1/").status_code == 404
