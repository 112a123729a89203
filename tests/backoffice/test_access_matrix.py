"""Every staff URL, for every role, and for staff of another council (docs/permissions.md)."""

import pytest

from onecouncil.core.models import Role
from onecouncil.core.permissions import ROLE_PERMISSIONS, Permission
from onecouncil.linkage.contact import records_link
from onecouncil.linkage.models import SourceSystem
from tests.backoffice_helpers import staff
from tests.factories import make_case

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}


@pytest.fixture
def case(missed_bin, address):
    import io
    import uuid

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from onecouncil.cases.actions import photo_add
    from onecouncil.cases.inputs import Location
    from onecouncil.residents.accounts import account_signup, account_verify

    issued = account_signup(council=missed_bin.council, email="resident@example.com")
    account = account_verify(council=missed_bin.council, token=issued.token)
    key = uuid.uuid4()
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(out, format="PNG")
    photo_add(
        council=missed_bin.council,
        draft_key=key,
        upload=SimpleUploadedFile("p.png", out.getvalue()),
    )
    return make_case(
        missed_bin,
        answers=ANSWERS,
        location=Location(address=address),
        account=account,
        photo_draft_key=key,
    ).case


def urls(case):
    from onecouncil.insight.store import refresh

    refresh(full=True)  # the dashboards' figures come from a published snapshot
    source = SourceSystem.objects.create(
        council=case.council,
        name="Council tax",
        owner="Revenues",
        lawful_basis="legal_obligation",
        purposes=["single_view"],
        id_column="REF",
        mapping={"surname": "SURNAME"},
    )
    person = records_link(case.council, "request", [case.pk])[0].person_id
    ref = case.reference
    base = "/riverbend/staff"
    return [
        ("GET", f"{base}/queue/", {}, Permission.VIEW_CASES),
        ("GET", f"{base}/queue/export.csv", {}, Permission.EXPORT_CSV),
        (
            "POST",
            f"{base}/queue/bulk/",
            {"references": ref, "status": "in_progress"},
            Permission.BULK_CHANGE,
        ),
        ("GET", f"{base}/search/?q=Sam", {}, Permission.VIEW_CASES),
        ("GET", f"{base}/mine/", {}, Permission.VIEW_CASES),
        ("GET", f"{base}/new/", {}, Permission.CREATE_ON_BEHALF),
        ("GET", f"{base}/new/missed-bin/", {}, Permission.CREATE_ON_BEHALF),
        ("GET", f"{base}/audit/", {}, Permission.VIEW_AUDIT),
        ("GET", f"{base}/insight/", {}, Permission.VIEW_INSIGHT),
        ("GET", f"{base}/insight/demand/", {}, Permission.VIEW_INSIGHT),
        ("GET", f"{base}/insight/service-levels/", {}, Permission.VIEW_INSIGHT),
        ("GET", f"{base}/insight/channels/", {}, Permission.VIEW_INSIGHT),
        ("GET", f"{base}/insight/costs/", {}, Permission.VIEW_INSIGHT),
        ("GET", f"{base}/insight/sensors/", {}, Permission.VIEW_INSIGHT),
        (
            "GET",
            f"{base}/insight/demand/?download=requests-by-service",
            {},
            Permission.VIEW_INSIGHT,
        ),
        ("GET", f"{base}/open-data/", {}, Permission.PUBLISH_OPEN_DATA),
        ("POST", f"{base}/open-data/", {"action": "build"}, Permission.PUBLISH_OPEN_DATA),
        ("GET", f"{base}/people/", {}, Permission.MANAGE_STAFF),
        ("GET", f"{base}/people/invite/", {}, Permission.MANAGE_STAFF),
        ("GET", f"{base}/privacy/", {}, Permission.DATA_PROTECTION),
        ("POST", f"{base}/privacy/", {"email": "sam@example.com"}, Permission.DATA_PROTECTION),
        (
            "POST",
            f"{base}/privacy/export/",
            {"email": "sam@example.com"},
            Permission.DATA_PROTECTION,
        ),
        (
            "POST",
            f"{base}/cases/{ref}/legal-hold/",
            {"action": "place", "reason": "Claim"},
            Permission.DATA_PROTECTION,
        ),
        ("GET", f"{base}/cases/{ref}/", {}, Permission.VIEW_CASES),
        ("POST", f"{base}/cases/{ref}/assign/", {"assignee": ""}, Permission.ASSIGN),
        (
            "POST",
            f"{base}/cases/{ref}/status/",
            {"status": "in_progress"},
            Permission.CHANGE_STATUS,
        ),
        ("POST", f"{base}/cases/{ref}/update/", {"message": "Hello"}, Permission.PUBLIC_UPDATE),
        ("POST", f"{base}/cases/{ref}/note/", {"message": "Note"}, Permission.INTERNAL_NOTE),
        ("POST", f"{base}/cases/{ref}/duplicate/", {"original": ref}, Permission.MARK_DUPLICATE),
        ("POST", f"{base}/cases/{ref}/photos/", {}, Permission.INTERNAL_NOTE),
        ("GET", f"{base}/residents/{case.account_id}/", {}, Permission.VIEW_PERSONAL_DATA),
        ("GET", f"{base}/single-view/{person}/", {}, Permission.SINGLE_VIEW),
        ("GET", f"{base}/linkage/review/", {}, Permission.MANAGE_SOURCES),
        ("GET", f"{base}/linkage/sources/", {}, Permission.MANAGE_SOURCES),
        ("GET", f"{base}/linkage/sources/{source.pk}/", {}, Permission.MANAGE_SOURCES),
        ("GET", f"{base}/linkage/model/", {}, Permission.MANAGE_SOURCES),
        ("POST", f"{base}/linkage/model/", {}, Permission.MANAGE_SOURCES),
    ]


@pytest.mark.parametrize("role", list(Role))
def test_every_staff_url_for_every_role(client, council, case, role):
    # Councillors represent the ward of this request, so only their role limits them.
    client.force_login(staff(council, role, ward_codes=[case.ward.code] if case.ward else []))
    for method, url, data, permission in urls(case):
        response = client.get(url) if method == "GET" else client.post(url, data)
        allowed = permission in ROLE_PERMISSIONS[role]
        if allowed:
            assert response.status_code in (200, 302), (role, url, response.status_code)
            if response.status_code == 302:
                assert "/sign-in/" not in response["Location"], (role, url)
        else:
            assert response.status_code == 403, (role, url, response.status_code)


@pytest.mark.parametrize("role", list(Role))
def test_staff_of_another_council_get_nothing(client, council, other_council, case, role):
    client.force_login(staff(other_council, role))
    for method, url, data, _permission in urls(case):
        response = client.get(url) if method == "GET" else client.post(url, data)
        assert response.status_code == 403, (role, url, response.status_code)
    # Not even through their own council's pages.
    client.force_login(staff(other_council, Role.ADMINISTRATOR, username="admin2"))
    assert client.get(f"/northfield/staff/cases/{case.reference}/").status_code == 404
    found = client.get("/northfield/staff/search/", {"q": "Sam Resident"})
    assert case.reference not in found.text


def test_signed_out_visitors_are_sent_to_sign_in(client, case):
    response = client.get(f"/riverbend/staff/cases/{case.reference}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/riverbend/staff/sign-in/?next=")


def test_councillors_see_only_their_wards_and_no_personal_data(client, council, missed_bin):
    from onecouncil.cases.inputs import Location
    from tests.factories import AddressFactory

    mine = make_case(
        missed_bin, answers=ANSWERS, location=Location(address=AddressFactory(council=council))
    ).case
    other = make_case(
        missed_bin, answers=ANSWERS, location=Location(address=AddressFactory(council=council))
    ).case
    client.force_login(staff(council, Role.COUNCILLOR, ward_codes=[mine.ward.code]))
    page = client.get(f"/riverbend/staff/cases/{mine.reference}/")
    assert page.status_code == 200
    assert "Sam Resident" not in page.text and "sam@example.com" not in page.text
    assert "You cannot see the reporter" in page.text
    assert client.get(f"/riverbend/staff/cases/{other.reference}/").status_code == 404
    queue = client.get("/riverbend/staff/queue/")
    assert mine.reference in queue.text and other.reference not in queue.text
    # With the reporter's consent, the councillor sees who reported it.
    mine.councillor_consent = True
    mine.save()
    assert "Sam Resident" in client.get(f"/riverbend/staff/cases/{mine.reference}/").text


def test_permissions_document_lists_every_permission_and_role():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "permissions.md").read_text()
    for permission in Permission:
        assert f"`{permission.value}`" in text
    for role in Role:
        assert str(role.label) in text
