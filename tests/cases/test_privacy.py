"""What the council keeps: retention with a dry run and legal holds, erasure (by staff, or
by a resident deleting their account), subject access, and the one registry every later
store of residents' data joins."""

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from onecouncil.cases.actions import case_add_photo, case_change_status
from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.models import Case, CaseEvent, Follower, Photo
from onecouncil.cases.privacy import (
    PersonQuery,
    person_erase,
    retention_run,
    subject_access_export,
)
from onecouncil.core import privacy as registry
from onecouncil.core.actors import Actor
from onecouncil.core.models import AuditEntry, Role
from onecouncil.notify.models import Notification
from onecouncil.notify.services import outbox_process
from onecouncil.residents.models import Account
from tests.backoffice_helpers import staff
from tests.factories import AddressFactory, QuestionFactory, ServiceFactory, make_case

ANSWERS = {"which_bin": "general", "out_by_7am": "yes", "notes": "Ring Mrs Patel at No 4"}
CREW = Actor.system("Crew")
STAFF = "/riverbend/staff"


@pytest.fixture
def bins(missed_bin):
    QuestionFactory(service=missed_bin, code="notes", kind="long_text", required=False, order=3)
    missed_bin.retention_days = 30
    missed_bin.save()
    return missed_bin


def _png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return SimpleUploadedFile("p.png", out.getvalue(), content_type="image/png")


def _closed(service, days_ago: int, **contact) -> Case:
    case = make_case(
        service,
        answers=ANSWERS,
        location=Location(
            latitude=52.486243, longitude=-1.890401, street="Mill Lane", description="By No 4"
        ),
        contact=Contact(**(contact or {"name": "Kai Brown", "email": "kai@example.com"})),
    ).case
    case = case_change_status(case=case, status="fixed", actor=CREW)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - dt.timedelta(days=days_ago))
    case.refresh_from_db()
    return case


def test_retention_removes_details_keeps_statistics_and_respects_holds(council, bins):
    old = _closed(bins, days_ago=40)
    photo = case_add_photo(case=old, upload=_png(), actor=CREW)
    photo_file = Path(photo.image.path)
    Follower.objects.create(
        council=council, case=old, email="n@x.example", confirmed_at=old.created_at
    )
    recent = _closed(bins, days_ago=5)
    held = _closed(bins, days_ago=400)
    held.legal_hold_reason = "Insurance claim 2026/114"
    held.save()
    open_case = make_case(bins, answers=ANSWERS).case
    outbox_process()  # the confirmations, now in the outbox's sent messages
    AuditEntry.objects.create(
        council=council,
        user_label="x",
        action="search",
        object_type="q",
        object_ref="old",
    )
    AuditEntry.objects.filter(object_ref="old").update(
        created_at=timezone.now() - dt.timedelta(days=council.audit_retention_days + 1)
    )

    preview = retention_run(council=council, dry_run=True)
    assert preview.total == 1 and preview.held == [held.reference]
    assert preview.audit_entries == 1
    old.refresh_from_db()
    assert old.contact_email == "kai@example.com"  # a dry run changes nothing

    report = retention_run(council=council)
    assert report.requests == {bins.name: 1} and report.stores["outbox"] >= 1
    old.refresh_from_db()
    assert (old.contact_name, old.contact_email, old.email_key) == ("", "", "")
    assert old.anonymised_at is not None and old.person_id is None
    assert old.answers == {"which_bin": "general", "out_by_7am": "yes"}  # choices stay
    assert (old.latitude, old.longitude, old.street) == (52.486, -1.89, "Mill Lane")
    assert old.status == "fixed" and old.service_id == bins.pk  # statistics stay
    assert not Photo.objects.filter(case=old).exists() and not photo_file.exists()
    assert not Follower.objects.filter(case=old).exists()
    assert not Notification.objects.filter(subject_reference=old.reference).exists()
    assert not CaseEvent.objects.filter(case=old, message__contains="kai@").exists()
    assert not AuditEntry.objects.filter(object_ref="old").exists()
    for kept in (recent, held, open_case):
        kept.refresh_from_db()
        assert kept.contact_email == "kai@example.com" or kept.contact_name
    assert AuditEntry.objects.filter(action="retention").count() == 1
    assert retention_run(council=council).total == 0  # nothing twice


def test_the_retention_command_reports_and_dry_runs(council, bins):
    _closed(bins, days_ago=40)
    out = io.StringIO()
    call_command("retention", "--dry-run", stdout=out)
    assert "would remove the details of 1 request" in out.getvalue()
    call_command("retention", "--council", council.slug, stdout=out)
    assert "removed the details of 1 request" in out.getvalue()


def test_every_registered_store_is_told(council, bins, monkeypatch):
    told = []
    store = registry.DataStore(
        name="analytics",
        expire=lambda council_id, refs: told.append(("expire", council_id, list(refs))) or 7,
        erase=lambda person: told.append(("erase", person.council_id, sorted(person.emails))) or 2,
    )
    monkeypatch.setattr(registry, "_stores", {**registry._stores, "analytics": store})
    old = _closed(bins, days_ago=40)
    assert retention_run(council=council).stores["analytics"] == 7
    make_case(bins, answers=ANSWERS, contact=Contact(name="Jo", email="jo@example.com"))
    report = person_erase(council=council, query=PersonQuery(email="jo@example.com"))
    assert report.stores["analytics"] == 2
    assert told == [
        ("expire", council.pk, [old.reference]),
        ("erase", council.pk, ["jo@example.com"]),
    ]


def test_erasure_anonymises_restricts_what_the_law_keeps_and_confirms(council, bins):
    tax = ServiceFactory(
        council=council,
        code="ctax",
        visibility="private",
        location_required=False,
        keep_reason="council tax records must be kept for six years",
    )
    mine = make_case(bins, answers=ANSWERS, contact=Contact(name="Jo", email="jo@example.com")).case
    taxed = make_case(
        tax, location=Location(), contact=Contact(name="Jo", email="jo@example.com")
    ).case
    elsewhere = _closed(bins, days_ago=1)
    Follower.objects.create(
        council=council, case=elsewhere, email="jo@example.com", confirmed_at=elsewhere.created_at
    )
    Account.objects.create(council=council, email="jo@example.com", name="Jo")
    mail.outbox.clear()
    report = person_erase(council=council, query=PersonQuery(email="JO@example.com"))
    assert report.anonymised == [mine.reference]
    assert report.restricted == [(taxed.reference, tax.keep_reason)]
    assert report.follows == 1 and report.accounts == 1
    mine.refresh_from_db()
    taxed.refresh_from_db()
    assert mine.contact_email == "" and taxed.contact_email == "jo@example.com"
    assert taxed.restricted_reason == tax.keep_reason
    assert not Account.objects.exists() and not Follower.objects.exists()
    to_jo = Notification.objects.filter(recipient="jo@example.com")
    assert list(to_jo.values_list("kind", flat=True)) == ["erasure_confirmation"]
    outbox_process()
    (confirmation,) = [m for m in mail.outbox if m.to == ["jo@example.com"]]
    assert "deleted your personal details" in confirmation.body
    assert taxed.reference in confirmation.body and "six years" in confirmation.body
    assert AuditEntry.objects.filter(action="erase_person").exists()


def test_deleting_an_account_stops_follow_updates(client, council, bins):
    from onecouncil.cases.actions import case_add_update
    from onecouncil.residents.accounts import account_signup, account_verify

    issued = account_signup(council=council, email="amy@example.com")
    account = account_verify(council=council, token=issued.token)
    case = make_case(bins, answers=ANSWERS).case
    Follower.objects.create(
        council=council,
        case=case,
        email="amy@example.com",
        account=account,
        confirmed_at=case.created_at,
    )
    from onecouncil.frontdoor.sessions import SESSION_KEY

    session = client.session
    session[SESSION_KEY] = {
        "id": account.pk,
        "v": account.session_version,
        "council": council.pk,
    }
    session.save()
    client.post("/riverbend/account/delete/", {"confirm": "yes"})
    assert not Account.objects.exists() and not Follower.objects.exists()
    mail.outbox.clear()
    case_add_update(case=case, message="Crew booked", actor=CREW)
    outbox_process()
    assert "amy@example.com" not in [m.to[0] for m in mail.outbox if "Crew booked" in m.body]


def test_subject_access_gives_everything_with_others_redacted(client, council, bins):
    home = AddressFactory(council=council, uprn=100023336956, line1="4 Mill Lane")
    theirs = make_case(
        bins,
        answers=ANSWERS,
        location=Location(address=home),
        contact=Contact(name="Jo Home", email="jo@example.com"),
    ).case
    neighbour = make_case(
        bins,
        answers=ANSWERS,
        location=Location(address=home),
        contact=Contact(name="Nosy Neighbour", email="nosy@example.com"),
    ).case
    admin = staff(council, Role.ADMINISTRATOR)
    client.force_login(admin)
    client.get(f"{STAFF}/cases/{theirs.reference}/")  # a read the export must list
    document = json.loads(
        subject_access_export(
            council=council, query=PersonQuery(email="jo@example.com", uprn=home.uprn), user=admin
        )
    )
    (own,) = document["requests_they_made"]
    assert own["reference"] == theirs.reference and own["made_by"]["email"] == "jo@example.com"
    (about,) = document["requests_about_their_home_by_others"]
    assert about["reference"] == neighbour.reference
    text = json.dumps(about)
    assert "Nosy" not in text and "nosy@" not in text and "Mrs Patel" not in text
    viewed = document["who_viewed_their_requests"]
    assert any(f"request {theirs.reference}" in v["read"] for v in viewed)
    assert all(neighbour.reference not in " ".join(v["read"]) for v in viewed)
    assert document["messages_we_sent_them"][0]["to"] == "jo@example.com"
    assert AuditEntry.objects.filter(action="subject_access").exists()


def test_the_data_protection_page_finds_exports_and_erases(client, council, bins):
    case = make_case(bins, answers=ANSWERS, contact=Contact(name="Jo", email="jo@example.com")).case
    client.force_login(staff(council, Role.CASE_OFFICER))
    assert client.get(f"{STAFF}/privacy/").status_code == 403
    client.force_login(staff(council, Role.ADMINISTRATOR, username="a@x.example"))
    empty = client.post(f"{STAFF}/privacy/", {})
    assert empty.status_code == 400 and "Enter an email address" in empty.text
    found = client.post(f"{STAFF}/privacy/", {"email": "jo@example.com"})
    assert case.reference in found.text and "Download everything we hold" in found.text
    export = client.post(f"{STAFF}/privacy/export/", {"email": "jo@example.com"})
    assert export["Content-Disposition"].startswith('attachment; filename="subject-access-')
    assert json.loads(export.content)["requests_they_made"][0]["reference"] == case.reference
    unconfirmed = client.post(f"{STAFF}/privacy/erase/", {"email": "jo@example.com"})
    assert unconfirmed.status_code == 400 and "Confirm that you have checked" in unconfirmed.text
    case.refresh_from_db()
    assert case.contact_email == "jo@example.com"
    done = client.post(f"{STAFF}/privacy/erase/", {"email": "jo@example.com", "confirm": "yes"})
    assert "Details erased" in done.text and case.reference in done.text
    case.refresh_from_db()
    assert case.contact_email == "" and case.anonymised_at is not None


def test_a_legal_hold_is_placed_and_lifted_from_the_case_page(client, council, bins):
    case = _closed(bins, days_ago=40)
    client.force_login(staff(council, Role.ADMINISTRATOR))
    url = f"{STAFF}/cases/{case.reference}/legal-hold/"
    client.post(url, {"action": "place", "reason": ""})
    case.refresh_from_db()
    assert case.legal_hold_reason == ""
    client.post(url, {"action": "place", "reason": "Claim 114"})
    assert "Legal hold: Claim 114" in client.get(f"{STAFF}/cases/{case.reference}/").text
    assert retention_run(council=council).held == [case.reference]
    client.post(url, {"action": "lift"})
    assert retention_run(council=council).requests == {bins.name: 1}
    assert AuditEntry.objects.filter(action="legal_hold").count() == 2
