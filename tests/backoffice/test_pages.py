"""The staff pages, through real HTTP, as officers and advisers use them."""

import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.models import Case, EventKind, ResponseTemplate
from onecouncil.core.models import AuditEntry, Role
from tests.backoffice_helpers import PASSWORD, staff
from tests.factories import AddressFactory, ServiceFactory, answers_posted, make_case
from tests.two_factor import code_for_secret, code_for_user, enrolled

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}
STAFF = "/riverbend/staff"


@pytest.fixture
def officer(council, missed_bin):
    return staff(council, Role.TEAM_LEADER, teams=[missed_bin.team])


@pytest.fixture
def signed_in(client, officer):
    client.force_login(officer)
    return client


def test_sign_in_throttles_guessing(client, council, officer):
    url = f"{STAFF}/sign-in/"
    response = client.post(url, {"username": officer.username, "password": "wrong"})
    assert "is not right" in response.text
    for _ in range(4):
        client.post(url, {"username": officer.username, "password": "wrong"})
    response = client.post(url, {"username": officer.username, "password": PASSWORD})
    assert "Too many attempts" in response.text
    assert "_auth_user_id" not in client.session


def test_sign_in_works_and_sessions_expire(client, council, officer):
    response = client.post(
        f"{STAFF}/sign-in/?next={STAFF}/search/",
        {"username": officer.username, "password": PASSWORD},
    )
    two_factor = f"{STAFF}/two-factor/?next=%2Friverbend%2Fstaff%2Fsearch%2F"
    assert response["Location"] == two_factor
    # The password alone opens nothing.
    assert client.get(f"{STAFF}/search/")["Location"].startswith(f"{STAFF}/two-factor/")
    enrol = client.get(two_factor).text
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', enrol).group(1)
    codes = client.post(two_factor, {"code": code_for_secret(secret)}).text
    assert codes.count("<li><code>") == 10 and f'href="{STAFF}/search/"' in codes
    assert client.get(f"{STAFF}/search/").status_code == 200
    assert client.session.get_expiry_age() == 8 * 60 * 60
    assert AuditEntry.objects.filter(action="sign_in", user=officer).exists()
    client.post(f"{STAFF}/sign-out/")
    assert client.get(f"{STAFF}/queue/").status_code == 302


def test_staff_of_another_council_cannot_sign_in_here(client, council, other_council):
    outsider = staff(other_council, Role.ADMINISTRATOR)
    response = client.post(
        f"{STAFF}/sign-in/", {"username": outsider.username, "password": PASSWORD}
    )
    assert "is not right for Riverbend" in response.text


def test_sign_in_refuses_an_offsite_next(client, council, officer):
    response = client.post(
        f"{STAFF}/sign-in/?next=https://evil.example/",
        {"username": officer.username, "password": PASSWORD},
    )
    assert response["Location"] == f"{STAFF}/two-factor/?next=%2Friverbend%2Fstaff%2Fqueue%2F"
    assert client.get(f"{STAFF}/two-factor/?next=https://evil.example/").status_code == 200
    enrolled(officer)
    done = client.post(
        f"{STAFF}/two-factor/?next=https://evil.example/", {"code": code_for_user(officer)}
    )
    assert not done["Location"].startswith("https://evil")


def test_queue_filters_and_sorts_by_due_date(signed_in, officer, missed_bin, council):
    late = make_case(missed_bin, answers=ANSWERS).case
    soon = make_case(missed_bin, answers=ANSWERS).case
    later = make_case(missed_bin, answers=ANSWERS).case
    now = timezone.now()
    Case.objects.filter(pk=late.pk).update(due_at=now - dt.timedelta(hours=3))
    Case.objects.filter(pk=soon.pk).update(due_at=now + dt.timedelta(hours=3), assignee=officer)
    Case.objects.filter(pk=later.pk).update(due_at=now + dt.timedelta(days=9))
    text = signed_in.get(f"{STAFF}/queue/").text
    assert text.index(late.reference) < text.index(soon.reference) < text.index(later.reference)
    assert "Overdue" in text
    overdue = signed_in.get(f"{STAFF}/queue/", {"due": "overdue"}).text
    assert late.reference in overdue and soon.reference not in overdue
    due_soon = signed_in.get(f"{STAFF}/queue/", {"due": "soon"}).text
    assert soon.reference in due_soon and later.reference not in due_soon
    mine = signed_in.get(f"{STAFF}/queue/", {"assigned": "me"}).text
    assert soon.reference in mine and late.reference not in mine
    nobody = signed_in.get(f"{STAFF}/queue/", {"assigned": "unassigned"}).text
    assert soon.reference not in nobody and late.reference in nobody
    other_service = ServiceFactory(council=council, code="pothole", name="Report a pothole")
    by_service = signed_in.get(f"{STAFF}/queue/", {"service": other_service.pk}).text
    assert late.reference not in by_service


def test_bulk_assign_and_status(signed_in, officer, missed_bin):
    cases = [make_case(missed_bin, answers=ANSWERS).case for _ in range(3)]
    response = signed_in.post(
        f"{STAFF}/queue/bulk/",
        {
            "references": [c.reference for c in cases[:2]],
            "assign_to": officer.pk,
            "status": "in_progress",
        },
    )
    assert response.status_code == 302
    changed = Case.objects.filter(assignee=officer, status="in_progress")
    assert set(changed.values_list("reference", flat=True)) == {c.reference for c in cases[:2]}
    assert "2 requests changed" in signed_in.get(response["Location"]).text
    # "Select all on this page", without JavaScript: every box on the page ticked.
    queue = signed_in.get(f"{STAFF}/queue/").text
    assert "select=all" in queue and " checked>" not in queue.split("<tbody")[-1]
    ticked = signed_in.get(f"{STAFF}/queue/", {"select": "all"}).text
    assert all(f'value="{c.reference}" checked>' in ticked for c in cases)


def test_csv_export_of_the_filtered_queue(signed_in, missed_bin):
    cases = [make_case(missed_bin, answers=ANSWERS).case for _ in range(3)]
    response = signed_in.get(f"{STAFF}/queue/export.csv", {"status": "open"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["reference", "service", "status"]
    assert {r[0] for r in rows[1:]} == {c.reference for c in cases}
    assert "sam@example.com" not in response.content.decode()
    assert AuditEntry.objects.filter(action="export_csv", detail__rows=3).exists()


def test_search_by_reference_name_email_phone_postcode_and_uprn(signed_in, missed_bin, council):
    address = AddressFactory(council=council, uprn=100012345678, postcode="RB2 9ZZ")
    case = make_case(
        missed_bin,
        answers=ANSWERS,
        location=Location(address=address),
        contact=Contact(name="Grace Okafor", email="grace@example.com", phone="07700 900 456"),
    ).case
    make_case(missed_bin, answers=ANSWERS)  # someone else
    sloppy = case.reference.lower().replace("-", " ").replace("0", "o")
    response = signed_in.get(f"{STAFF}/search/", {"q": sloppy})
    assert response["Location"] == f"{STAFF}/cases/{case.reference}/"
    for query in (
        "grace okafor",
        "GRACE@example.com",
        "+447700900456",
        "07700900456",
        "rb29zz",
        "RB2 9ZZ",
        "100012345678",
    ):
        text = signed_in.get(f"{STAFF}/search/", {"q": query}).text
        assert case.reference in text, query
        assert text.count('class="govuk-link oc-reference"') == 1, query
    assert case.reference in signed_in.get(f"{STAFF}/search/", {"q": case.street.lower()}).text
    # Digits beyond any UPRN or phone number find nothing, without an error.
    assert signed_in.get(f"{STAFF}/search/", {"q": "9" * 5000}).status_code == 200
    assert AuditEntry.objects.filter(action="search", object_ref="grace okafor").exists()


def test_case_view_shows_the_resident_and_their_other_requests(signed_in, missed_bin, council):
    pothole = ServiceFactory(council=council, code="pothole", name="Report a pothole")
    first = make_case(pothole, location=Location(street="Mill Lane", description="x")).case
    case = make_case(missed_bin, answers=ANSWERS).case
    text = signed_in.get(f"{STAFF}/cases/{case.reference}/").text
    assert "Sam Resident" in text and "sam@example.com" in text
    assert first.reference in text and "Report a pothole" in text
    entry = AuditEntry.objects.get(action="view_personal_data")
    assert entry.object_ref == f"request {case.reference}" and entry.ip_address == "127.0.0.1"


def test_actions_from_the_case_page(signed_in, officer, missed_bin, council):
    case = make_case(missed_bin, answers=ANSWERS).case
    url = f"{STAFF}/cases/{case.reference}"
    template = ResponseTemplate.objects.create(
        council=council, name="Crew sent", body="A crew will visit for {reference}."
    )
    prefilled = signed_in.get(f"{url}/?template={template.pk}").text
    assert f"A crew will visit for {case.reference}." in prefilled
    signed_in.post(f"{url}/assign/", {"assignee": officer.pk})
    signed_in.post(f"{url}/update/", {"message": "A crew will visit.", "action": "publish"})
    signed_in.post(f"{url}/note/", {"message": "Gate code 1234"})
    response = signed_in.post(f"{url}/status/", {"status": "closed"})
    page = signed_in.get(response["Location"]).text
    assert "Choose a reason for closing" in page
    signed_in.post(f"{url}/status/", {"status": "closed", "closure_reason": "no_action"})
    case.refresh_from_db()
    assert case.status == "closed" and case.assignee == officer
    kinds = list(case.events.values_list("kind", flat=True))
    for kind in (
        EventKind.ASSIGNED,
        EventKind.PUBLIC_UPDATE,
        EventKind.NOTE,
        EventKind.STATUS_CHANGED,
    ):
        assert kind in kinds
    public = signed_in.get(f"/riverbend/track/{case.reference}/").text
    assert "A crew will visit." in public and "Gate code" not in public


def test_assisted_channel_finds_an_existing_resident_and_records_the_channel(
    client, council, missed_bin, address
):
    earlier = make_case(
        missed_bin,
        answers=ANSWERS,
        location=Location(address=address),
        contact=Contact(name="Femi Davies", email="femi@example.com", phone="07700 900777"),
    ).case
    adviser = staff(council, Role.ADVISER)
    client.force_login(adviser)
    url = f"{STAFF}/new/missed-bin/"
    found = client.get(url, {"find": "07700900777"}).text
    assert "Femi Davies" in found
    prefilled = client.get(url, {"use": earlier.reference}).text
    assert 'value="femi@example.com"' in prefilled and 'value="RB1 2AB"' in prefilled
    key = re.search(r'name="submission_key" value="([^"]+)"', prefilled).group(1)
    data = {
        "submission_key": key,
        "channel": "phone",
        "name": "Femi Davies",
        "email": "femi@example.com",
        "phone": "07700 900777",
        "postcode": "RB1 2AB",
        "uprn": str(address.uprn),
        **answers_posted({"which_bin": "recycling", "out_by_7am": "yes"}),
        "action": "create",
    }
    bad = client.post(url, {**data, "answer-which_bin": "", "email": "nope"})
    assert "Select an answer to: Which bin was missed?" in bad.text
    assert "correct format" in bad.text
    response = client.post(url, data)
    assert response.status_code == 302
    client.post(url, data)  # a double click
    case = Case.objects.exclude(pk=earlier.pk).get()
    assert case.channel == "phone" and case.uprn == address.uprn
    created = case.events.get(kind=EventKind.CREATED)
    assert created.actor == adviser
    made = client.get(response["Location"]).text
    assert "Read this reference number to the caller" in made
    assert f'id="reference">{case.reference}<' in made
    assert "We will email them a confirmation" in made
    # Another request for the same caller: their details come with them.
    again = client.get(f"{STAFF}/new/", {"use": case.reference}).text
    assert "Another request for Femi Davies" in again
    assert f"{STAFF}/new/missed-bin/?use={case.reference}" in again
    prefilled = client.get(f"{STAFF}/new/missed-bin/", {"use": case.reference}).text
    assert 'value="femi@example.com"' in prefilled
    page = client.get(f"{STAFF}/cases/{case.reference}/").text
    assert earlier.reference in page  # the single view of the resident


def test_assisted_channel_searches_services(client, council, missed_bin):
    client.force_login(staff(council, Role.ADVISER))
    page = client.get(f"{STAFF}/new/", {"q": "my bin wasn't emptied"}).text
    assert "1 service found" in page
    assert f"{STAFF}/new/missed-bin/" in page
    assert "0 services found" in client.get(f"{STAFF}/new/", {"q": "xylophone"}).text


def test_my_requests_nearest_first(signed_in, officer, missed_bin, council):
    near = AddressFactory(council=council, postcode="RB1 1AA", latitude=52.4800, longitude=-1.8900)
    far = AddressFactory(council=council, postcode="RB3 3AA", latitude=52.5200, longitude=-1.9500)
    far_case = make_case(missed_bin, answers=ANSWERS, location=Location(address=far)).case
    near_case = make_case(missed_bin, answers=ANSWERS, location=Location(address=near)).case
    Case.objects.update(assignee=officer)
    text = signed_in.get(f"{STAFF}/mine/", {"postcode": "rb1 1aa"}).text
    assert text.index(near_case.reference) < text.index(far_case.reference)
    assert "metres away" in text
    # Overdue and due-soon requests are flagged, by the queue's own rules.
    Case.objects.filter(pk=far_case.pk).update(due_at=timezone.now() - dt.timedelta(hours=2))
    Case.objects.filter(pk=near_case.pk).update(due_at=timezone.now() + dt.timedelta(hours=2))
    flagged = signed_in.get(f"{STAFF}/mine/").text
    assert "Overdue" in flagged and "Due soon" in flagged


def test_queue_queries_do_not_grow_with_rows(signed_in, missed_bin):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert signed_in.get(f"{STAFF}/queue/").status_code == 200
        return len(ctx.captured_queries)

    for _ in range(5):
        make_case(missed_bin, answers=ANSWERS)
    count()  # the first request fills the shared cache (the council's host name)
    few = count()
    for _ in range(40):
        make_case(missed_bin, answers=ANSWERS)
    assert count() == few


def test_officer_adds_a_photo_on_site_and_staff_see_photos(signed_in, missed_bin):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    case = make_case(missed_bin, answers=ANSWERS).case
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(out, format="JPEG")
    url = f"{STAFF}/cases/{case.reference}"
    response = signed_in.post(
        f"{url}/photos/",
        {"photo": SimpleUploadedFile("site.jpg", out.getvalue(), content_type="image/jpeg")},
    )
    assert response.status_code == 302
    photo = case.photos.get()
    page = signed_in.get(f"{url}/").text
    assert f"{url}/photos/{photo.pk}/" in page
    assert signed_in.get(f"{url}/photos/{photo.pk}/")["Content-Type"] == "image/jpeg"
    bad = signed_in.post(
        f"{url}/photos/",
        {"photo": SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")},
    )
    assert "JPG, PNG or HEIC" in signed_in.get(bad["Location"]).text


def test_odd_staff_input_gets_a_clear_answer_not_a_server_error(signed_in, missed_bin, council):
    """Each of these gave a 500 once: Unicode digits, junk ids, mangled keys."""
    case = make_case(missed_bin, answers=ANSWERS).case
    page = f"/riverbend/staff/cases/{case.reference}/"
    assert signed_in.get(f"{page}?template=²").status_code == 200
    response = signed_in.post(f"{page}assign/", {"assignee": "²"})
    assert response.status_code in (200, 302)
    nothing = signed_in.post("/riverbend/staff/queue/bulk/", {"status": "in_progress"})
    assert nothing.status_code == 302
    shown = signed_in.get(nothing["Location"]).text
    assert "There is a problem" in shown and "Select requests" in shown
    assert ">Done<" not in shown
    junk = signed_in.post(
        "/riverbend/staff/queue/bulk/", {"references": [case.reference], "assign_to": "abc"}
    )
    assert junk.status_code == 302
    assert "Choose someone" in signed_in.get(junk["Location"]).text
    assisted = signed_in.post(
        "/riverbend/staff/new/missed-bin/",
        {
            "submission_key": "not-a-uuid",
            "channel": "phone",
            "email": "caller@example.com",
            "uprn": "²",
            **answers_posted({"which_bin": "general", "out_by_7am": "yes"}),
        },
    )
    assert assisted.status_code == 200
    assert "UPRN" in assisted.text or "address" in assisted.text


def test_audit_page_shows_readable_actions_and_names(client, council, missed_bin):
    case = make_case(missed_bin, answers=ANSWERS).case
    leader = staff(council, Role.TEAM_LEADER, username="tl@riverbend.example")
    leader.first_name, leader.last_name = "Tara", "Lead"
    leader.save()
    client.force_login(leader)
    client.get(f"{STAFF}/cases/{case.reference}/")
    admin = staff(council, Role.ADMINISTRATOR, username="admin@riverbend.example")
    client.force_login(admin)
    page = client.get(f"{STAFF}/audit/").text
    assert "Viewed a request with the resident&#x27;s details" in page or "Viewed a request" in page
    assert "Tara Lead" in page
    assert "view_personal_data" not in page and "view_case" not in page


def test_audit_filters_explain_characters_no_database_keeps(client, council, missed_bin):
    make_case(missed_bin, answers=ANSWERS)
    client.force_login(staff(council, Role.ADMINISTRATOR, username="admin@riverbend.example"))
    refused = client.get(f"{STAFF}/audit/", {"who": "a\x00b"})
    assert refused.status_code == 400
    assert "There is a problem" in refused.text
    assert "Null characters are not allowed" in refused.text
    found = client.get(f"{STAFF}/audit/", {"who": "admin"})
    assert found.status_code == 200 and "There is a problem" not in found.text
