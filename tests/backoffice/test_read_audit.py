"""Reads of personal data are recorded by the access functions, whatever the door: one
audit entry per request (web request) listing everything handed out."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from onecouncil.api.keys import api_key_issue
from onecouncil.api.models import KeyKind
from onecouncil.cases.actions import case_add_photo
from onecouncil.cases.inputs import Contact, Location
from onecouncil.core.actors import Actor
from onecouncil.core.models import AuditEntry, Role
from onecouncil.residents.models import Account
from tests.backoffice_helpers import staff
from tests.factories import make_case

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}
STAFF = "/riverbend/staff"


def _reads():
    return list(AuditEntry.objects.filter(action="view_personal_data").order_by("id"))


@pytest.fixture
def case(missed_bin, address):
    made = make_case(
        missed_bin,
        answers=ANSWERS,
        location=Location(address=address),
        contact=Contact(name="Kai Brown", email="kai@example.com", phone="07700 900555"),
    )
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    case_add_photo(
        case=made.case,
        upload=SimpleUploadedFile("p.png", out.getvalue(), content_type="image/png"),
        actor=Actor.system("Crew"),
    )
    return made.case


def test_a_case_page_is_one_entry_listing_the_request_and_its_photos(client, council, case):
    officer = staff(council, Role.CASE_OFFICER)
    client.force_login(officer)
    assert client.get(f"{STAFF}/cases/{case.reference}/").status_code == 200
    (entry,) = _reads()
    assert entry.user == officer and entry.object_ref == f"request {case.reference}"
    assert f"photos of {case.reference}" in entry.detail["read"]
    assert entry.detail["path"].endswith(f"/cases/{case.reference}/")
    photo = case.photos.get()
    assert client.get(f"{STAFF}/cases/{case.reference}/photos/{photo.pk}/").status_code == 200
    assert f"photo {photo.pk} of {case.reference}" in _reads()[-1].detail["read"]


def test_searches_and_resident_profiles_are_recorded(client, council, case):
    client.force_login(staff(council, Role.ADVISER))
    client.get(f"{STAFF}/search/", {"q": "Kai Brown"})
    assert _reads()[-1].detail["read"] == [f"search results: {case.reference}"]
    account = Account.objects.create(council=council, email="kai@example.com", name="Kai")
    client.get(f"{STAFF}/residents/{account.pk}/")
    assert f"resident account {account.pk}" in _reads()[-1].detail["read"]
    client.get(f"{STAFF}/new/missed-bin/", {"use": case.reference})
    assert f"request {case.reference}" in _reads()[-1].detail["read"]


def test_a_councillor_without_consent_reads_no_personal_data(client, council, case):
    client.force_login(staff(council, Role.COUNCILLOR, ward_codes=[case.ward.code]))
    assert client.get(f"{STAFF}/cases/{case.reference}/").status_code == 200
    assert not _reads()


def test_an_api_client_reading_a_request_is_recorded_by_name(client, council, case):
    key = api_key_issue(
        council=council, name="Street crew app", kind=KeyKind.REST, role="case_officer"
    )
    response = client.get(
        f"/api/v1/requests/{case.reference}", HTTP_AUTHORIZATION=f"Bearer {key.key}"
    )
    assert response.status_code == 200
    (entry,) = _reads()
    assert entry.user is None and entry.user_label == "API client: Street crew app"
    assert entry.object_ref == f"request {case.reference}"


def test_an_api_list_is_recorded_with_every_request_it_handed_out(
    client, council, case, missed_bin
):
    other = make_case(missed_bin, answers=ANSWERS, contact=Contact(email="zoe@example.com"))
    key = api_key_issue(council=council, name="Bulk reader", kind=KeyKind.REST, role="case_officer")
    listed = client.get("/api/v1/requests?limit=200", HTTP_AUTHORIZATION=f"Bearer {key.key}")
    assert listed.status_code == 200 and len(listed.json()["items"]) == 2
    (entry,) = _reads()
    assert entry.user_label == "API client: Bulk reader"
    assert case.reference in entry.object_ref and other.case.reference in entry.object_ref


def test_public_pages_record_nothing(client, case):
    client.get(f"/riverbend/track/{case.reference}/")
    assert not _reads()


def test_the_admins_outbox_pages_are_recorded(client, council, case, django_user_model):
    from onecouncil.notify.models import Notification

    root = django_user_model.objects.create_superuser("root", "root@x.example", "pw-1234567890")
    client.force_login(root)
    message = Notification.objects.filter(recipient="kai@example.com").first()
    assert client.get("/admin/notify/notification/").status_code == 200
    listed = _reads()[-1]
    assert listed.user == root and f"message {message.pk}" in listed.detail["read"]
    assert client.get(f"/admin/notify/notification/{message.pk}/change/").status_code == 200
    assert _reads()[-1].detail["read"] == [f"message {message.pk}"]
