"""Places that belong to another council: the hand-off on the web when a neighbouring
council on this deployment covers the point, and two-tier services handled by another
council (the county's highways, reported on the district's site)."""

import re
import uuid

import pytest

from onecouncil.cases.access import access_received_case_for_staff, case_for_staff, received_cases
from onecouncil.cases.actions import case_create
from onecouncil.cases.inputs import Contact, Location, NewRequest
from onecouncil.cases.models import Case, Channel
from onecouncil.core.models import Membership
from onecouncil.places.imports import boundaries_import
from tests.backoffice_helpers import staff
from tests.factories import CouncilFactory, QuestionFactory, ServiceFactory, answers_posted
from tests.frontdoor.test_journey import BASE, answer_questions
from tests.places.test_boundaries import CHATHAM, MAIDSTONE, MAIDSTONE_TOWN, MEDWAY

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}


@pytest.fixture
def neighbours(council, other_council, missed_bin):
    """Riverbend on Medway's wards, Northfield on Maidstone's: they share a border."""
    boundaries_import(council=council, wards=MEDWAY)
    boundaries_import(council=other_council, wards=MAIDSTONE)
    missed_bin.lgsl_code = 533
    missed_bin.save()
    return council, other_council


def _theirs(other_council, **kwargs):
    service = ServiceFactory(council=other_council, code="bins-missed", **kwargs)
    QuestionFactory(
        service=service,
        code="which_bin",
        label="Which bin?",
        kind="one_of",
        options=[{"value": "general", "label": "General"}, {"value": "recycling", "label": "R"}],
    )
    QuestionFactory(service=service, code="out_by_7am", label="Out by 7am?", kind="yes_no")
    return service


def _outside(client):
    answer_questions(client)
    return client.post(
        f"{BASE}/location/",
        {
            "action": "continue",
            "latitude": str(MAIDSTONE_TOWN[0]),
            "longitude": str(MAIDSTONE_TOWN[1]),
            "street": "Week Street",
            "description": "By the bus stop",
        },
    )


def test_a_place_in_the_neighbours_area_is_handed_over_with_answers_and_place(client, neighbours):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from onecouncil.cases.models import Photo

    _council, other = neighbours
    theirs = _theirs(other, lgsl_code=533)
    answer_questions(client)
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(png, "PNG")
    client.post(
        f"{BASE}/location/",
        {"action": "photo", "photo": SimpleUploadedFile("p.png", png.getvalue(), "image/png")},
    )
    assert Photo.objects.get().council == _council
    refused = _outside(client)
    assert refused.status_code == 200
    # Said on the position, naming the council that looks after it: not on the street box.
    assert "is in Northfield District Council&#x27;s area, not Riverbend" in refused.text
    assert 'id="id_latitude-error"' in refused.text and 'id="id_street-error"' not in refused.text
    assert "51.2" not in refused.text.split('class="govuk-error-summary')[1].split("</ul>")[0]
    assert "Continue with Northfield District Council" in refused.text
    assert "http://testserver" in refused["Content-Security-Policy"]
    # A council the place is not in is never offered, whatever is posted.
    forged = client.post(f"{BASE}/elsewhere/", {"council": "riverbend"})
    assert forged["Location"] == f"{BASE}/location/"
    moved = client.post(f"{BASE}/elsewhere/", {"council": "northfield"})
    assert re.fullmatch(r"http://testserver/northfield/handoff/[\w-]+/", moved["Location"])
    arrived = client.get(moved["Location"].removeprefix("http://testserver"))
    assert arrived["Location"] == f"/northfield/report/{theirs.code}/location/"
    page = client.get(arrived["Location"]).text
    assert "you are now reporting it to Northfield District Council" in page
    # The photo went with them: it is Northfield's now, on the draft made there.
    assert Photo.objects.get().council == other
    assert str(MAIDSTONE_TOWN[0]) in page and "Week Street" in page
    # The answers came too: the questions step is done.
    assert client.get(f"/northfield/report/{theirs.code}/questions/").status_code == 200
    done = client.post(
        f"/northfield/report/{theirs.code}/location/",
        {
            "action": "continue",
            "latitude": str(MAIDSTONE_TOWN[0]),
            "longitude": str(MAIDSTONE_TOWN[1]),
        },
    )
    assert (
        done.status_code == 302 and done["Location"] == f"/northfield/report/{theirs.code}/photos/"
    )
    assert (
        "p.png" in client.get(done["Location"]).text
        or "Remove" in client.get(done["Location"]).text
    )
    # The token is used once.
    again = client.get(moved["Location"].removeprefix("http://testserver"))
    assert again["Location"] == "/northfield/services/"


def test_with_no_matching_service_the_list_opens_with_the_place_kept(client, neighbours):
    _council, other = neighbours
    elsewhere_service = ServiceFactory(council=other, code="potholes", lgsl_code=None)
    _outside(client)
    moved = client.post(f"{BASE}/elsewhere/", {"council": "northfield"})
    arrived = client.get(moved["Location"].removeprefix("http://testserver"))
    assert arrived["Location"] == "/northfield/services/"
    listing = client.get("/northfield/services/").text
    assert "Choose the service: we kept the place" in listing
    location = client.get(f"/northfield/report/{elsewhere_service.code}/location/").text
    assert str(MAIDSTONE_TOWN[1]) in location


def test_a_mapping_of_codes_matches_when_lgsl_codes_differ(neighbours, missed_bin):
    from onecouncil.catalogue.selectors import matching_service

    _council, other = neighbours
    theirs = _theirs(other, lgsl_code=None)
    assert matching_service(council=other, service=missed_bin) is None
    theirs.other_codes = "fly-tipping, missed-bin"
    theirs.save()
    assert matching_service(council=other, service=missed_bin) == theirs


def test_nothing_is_offered_where_no_council_here_covers_the_place(client, neighbours):
    answer_questions(client)
    response = client.post(
        f"{BASE}/location/", {"action": "continue", "latitude": "51.5074", "longitude": "-0.1278"}
    )
    assert "no council on this website looks" in response.text
    assert "Continue with" not in response.text


# --- Two-tier areas -----------------------------------------------------------------------


@pytest.fixture
def two_tier(other_council):
    """Kent County Council covers the district (Northfield, on Maidstone's wards) and
    handles its potholes."""
    county = CouncilFactory(
        slug="kent",
        name="Kent County Council",
        reference_prefix="KCC",
        public_base_url="http://testserver/kent",
    )
    boundaries_import(council=county, wards=MAIDSTONE)
    boundaries_import(council=other_council, wards=MAIDSTONE)
    highways = ServiceFactory(council=county, code="pothole", name="Report a pothole")
    QuestionFactory(service=highways, code="depth", label="How deep is it?", kind="short_text")
    district = ServiceFactory(
        council=other_council, code="pothole", name="Report a pothole", handled_by=highways
    )
    QuestionFactory(service=district, code="depth", label="How deep?", kind="short_text")
    return county, highways, district


def _report(district, **kwargs):
    return case_create(
        council=district.council,
        request=NewRequest(
            service=district,
            answers={"depth": "10cm"},
            location=Location(latitude=MAIDSTONE_TOWN[0], longitude=MAIDSTONE_TOWN[1]),
            contact=Contact(name="Pat", email="pat@example.com"),
            channel=Channel.WEB,
            submission_key=uuid.uuid4(),
            **kwargs,
        ),
    )


def test_a_two_tier_request_is_made_and_worked_in_the_handling_council(two_tier):
    county, highways, district = two_tier
    made = _report(district)
    case = made.case
    assert case.council == county and case.service == highways
    assert case.reference.startswith("KCC-") and case.team == highways.team
    assert case.received_by == district.council and case.received_service == district
    assert case.ward is not None and case.ward.council_id == county.pk
    # The same submission again is the same request.
    again = case_create(
        council=district.council,
        request=NewRequest(
            service=district,
            answers={"depth": "10cm"},
            location=Location(latitude=MAIDSTONE_TOWN[0], longitude=MAIDSTONE_TOWN[1]),
            contact=Contact(name="Pat", email="pat@example.com"),
            channel=Channel.WEB,
            submission_key=case.submission_key,
        ),
    )
    assert again.case == case and not again.created


def test_the_district_reads_it_and_cannot_change_it(client, two_tier):
    county, _highways, district = two_tier
    case = _report(district).case
    officer = staff(district.council, "case_officer")
    membership = Membership.objects.get(user=officer)
    assert case_for_staff(membership=membership, reference=case.reference) is None
    assert received_cases(membership=membership) == [case]
    seen = access_received_case_for_staff(membership=membership, reference=case.reference)
    assert seen.case == case and seen.shows_personal_data
    councillor = Membership.objects.get(user=staff(district.council, "councillor"))
    assert received_cases(membership=councillor) == []
    client.force_login(officer)
    page = client.get(f"/northfield/staff/handled-elsewhere/{case.reference}/")
    assert page.status_code == 200 and "Kent County Council is dealing with this" in page.text
    assert "How deep?" in page.text and "10cm" in page.text and "pat@example.com" in page.text
    assert client.get(f"/northfield/staff/cases/{case.reference}/").status_code == 404
    found = client.get("/northfield/staff/search/", {"q": case.reference.lower()})
    assert found["Location"] == f"/northfield/staff/handled-elsewhere/{case.reference}/"
    # The county's staff work it as their own.
    county_officer = Membership.objects.get(user=staff(county, "case_officer"))
    assert case_for_staff(membership=county_officer, reference=case.reference) == case


def test_the_resident_is_told_who_is_dealing_with_it(client, two_tier):
    _county, _highways, district = two_tier
    base = f"/northfield/report/{district.code}"
    client.post(f"{base}/questions/", answers_posted({"depth": "10cm"}))
    client.post(
        f"{base}/location/",
        {
            "action": "continue",
            "latitude": str(MAIDSTONE_TOWN[0]),
            "longitude": str(MAIDSTONE_TOWN[1]),
        },
    )
    client.post(f"{base}/photos/", {"action": "continue"})
    client.post(f"{base}/contact/", {"name": "Pat", "email": "pat@example.com", "phone": ""})
    check = client.get(f"{base}/check/").text
    key = re.search(r'name="submission_key" value="([^"]+)"', check).group(1)
    done = client.post(f"{base}/check/", {"submission_key": key})
    case = Case.objects.get()
    assert done["Location"] == f"/northfield/report/done/{case.reference}/"
    page = client.get(done["Location"]).text
    assert case.reference in page and "Kent County Council is dealing with your request" in page
    assert "http://testserver/kent/track/" in page
    # Pressing submit again finds the same request.
    assert client.post(f"{base}/check/", {"submission_key": key})["Location"] == done["Location"]


def test_a_place_outside_the_handling_council_is_refused(two_tier, council):
    _county, _highways, district = two_tier
    boundaries_import(council=district.council, wards=MEDWAY)
    with pytest.raises(Exception, match="outside Kent County Council"):
        case_create(
            council=district.council,
            request=NewRequest(
                service=district,
                answers={"depth": "1"},
                location=Location(latitude=CHATHAM[0], longitude=CHATHAM[1]),
                contact=Contact(email="p@example.com"),
                channel=Channel.WEB,
                submission_key=uuid.uuid4(),
            ),
        )


def test_the_admin_refuses_a_service_handled_by_its_own_council(two_tier):
    from django.core.exceptions import ValidationError

    _county, highways, district = two_tier
    same = ServiceFactory(council=district.council, code="x")
    district.handled_by = same
    with pytest.raises(ValidationError, match="another council"):
        district.clean()
    highways.handled_by = district
    with pytest.raises(ValidationError):
        highways.clean()
