"""The resident journey through real HTTP requests (no JavaScript)."""

import io
import re

import pytest
from django.core import mail
from PIL import Image

from onecouncil.cases.models import Case, Photo
from onecouncil.notify.services import outbox_process
from tests.factories import QuestionFactory, answers_posted

BASE = "/riverbend/report/missed-bin"


def answer_questions(client, **overrides):
    data = {"which_bin": "general", "out_by_7am": "yes"}
    data.update(overrides)
    return client.post(f"{BASE}/questions/", answers_posted(data))


def choose_address(client, address):
    client.post(f"{BASE}/location/", {"action": "find", "postcode": "rb12ab"})
    return client.post(f"{BASE}/location/", {"action": "continue", "uprn": str(address.uprn)})


def give_contact(client, **overrides):
    data = {"name": "Sam Resident", "email": "sam@example.com", "phone": ""}
    data.update(overrides)
    return client.post(f"{BASE}/contact/", data)


def submission_key(client):
    page = client.get(f"{BASE}/check/")
    return re.search(r'name="submission_key" value="([^"]+)"', page.text).group(1)


@pytest.fixture
def journey(client, missed_bin, address):
    assert answer_questions(client).status_code == 302
    assert choose_address(client, address).status_code == 302
    assert client.post(f"{BASE}/photos/", {"action": "continue"}).status_code == 302
    assert give_contact(client).status_code == 302
    return client


def test_full_journey_gives_a_reference_and_sends_confirmation(journey, address):
    check = journey.get(f"{BASE}/check/")
    assert "General waste" in check.text and "4 Mill Lane" in check.text
    response = journey.post(f"{BASE}/check/", {"submission_key": submission_key(journey)})
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/riverbend/report/done/{case.reference}/"
    done = journey.get(response["Location"])
    assert case.reference in done.text
    assert "sam@example.com" in done.text
    assert outbox_process() == 1
    assert case.reference in mail.outbox[0].subject
    assert f"http://testserver/riverbend/track/{case.reference}/" in mail.outbox[0].body


def test_pressing_submit_twice_or_reloading_creates_one_request(journey):
    key = submission_key(journey)
    first = journey.post(f"{BASE}/check/", {"submission_key": key})
    second = journey.post(f"{BASE}/check/", {"submission_key": key})
    assert first["Location"] == second["Location"]
    assert journey.get(first["Location"]).status_code == 200
    assert journey.get(first["Location"]).status_code == 200
    assert Case.objects.count() == 1


def test_a_skipped_step_sends_the_resident_back(client, missed_bin):
    response = client.get(f"{BASE}/contact/")
    assert response["Location"] == f"{BASE}/questions/"


def test_errors_use_the_summary_keep_input_and_explain(client, missed_bin):
    response = answer_questions(client, which_bin="", out_by_7am="yes")
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert (
        '<a href="#id_answer-which_bin_0">Select an answer to: Which bin was missed?</a>'
    ) in response.text
    assert "<title>Error:" in response.text
    assert re.search(r'value="yes"\s+checked', response.text)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "find", "postcode": "nonsense"}, "Enter a real postcode"),
        ({"action": "find", "postcode": "SW1A 1AA"}, "could not find any addresses"),
        ({"action": "continue"}, "Tell us where"),
        ({"action": "continue", "street": "Mill Lane"}, "Describe where on the street"),
        ({"action": "continue", "latitude": "52.1"}, "Enter both the latitude and the longitude"),
        ({"action": "continue", "latitude": "40.7", "longitude": "-74.0"}, "in the United Kingdom"),
        ({"action": "continue", "latitude": "north", "longitude": "-1.8"}, "as a number"),
        ({"action": "continue", "uprn": "999"}, "Select an address from the list"),
    ],
)
def test_location_errors(client, missed_bin, address, data, message):
    answer_questions(client)
    response = client.post(f"{BASE}/location/", data)
    assert response.status_code == 200
    assert message in response.text


def test_street_and_description_or_coordinates_are_enough(client, missed_bin):
    answer_questions(client)
    response = client.post(
        f"{BASE}/location/",
        {"action": "continue", "street": "Mill Lane", "description": "By the post box"},
    )
    assert response.status_code == 302
    response = client.post(
        f"{BASE}/location/", {"action": "continue", "latitude": "52.4862", "longitude": "-1.8904"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Sam", "email": "", "phone": "12345"}, "Enter a telephone number"),
        (
            {"name": "Sam", "email": "sam@example.com", "updates_by_sms": "on"},
            "Enter a mobile number to get text messages",
        ),
        ({"name": "Sam", "email": "", "phone": ""}, "Enter an email address or a phone number"),
        ({"name": "Sam", "email": "sam@", "phone": ""}, "correct format"),
        ({"name": "Sam", "email": "", "phone": "12"}, "Enter a telephone number"),
        # Where the service needs contact details, the anonymous box is not offered or obeyed.
        ({"name": "Sam", "anonymous": "on"}, "Enter an email address or a phone number"),
    ],
)
def test_contact_errors(journey, data, message):
    response = journey.post(f"{BASE}/contact/", data)
    assert response.status_code == 200
    assert message in response.text


def test_contact_labels_follow_the_one_contact_rule(journey):
    page = journey.get(f"{BASE}/contact/").text
    assert re.search(r"Full name\s*\(optional\)", page)
    assert not re.search(r"Email address\s*\(optional\)", page)
    assert not re.search(r"Phone number\s*\(optional\)", page)
    response = journey.post(f"{BASE}/contact/", {"name": "", "email": "sam@example.com"})
    assert response.status_code == 302  # no name needed


def test_half_filled_journey_survives_reload_and_change_links_return_to_check(journey):
    page = journey.get(f"{BASE}/questions/")
    assert re.search(r'value="general"\s+checked', page.text)
    response = journey.post(
        f"{BASE}/questions/",
        {**answers_posted({"which_bin": "recycling", "out_by_7am": "yes"}), "change": "1"},
    )
    assert response["Location"] == f"{BASE}/check/"
    assert "Recycling" in journey.get(f"{BASE}/check/").text


def jpeg():
    out = io.BytesIO()
    Image.new("RGB", (50, 40), "red").save(out, format="JPEG")
    out.seek(0)
    out.name = "bin.jpg"
    return out


def test_photos_are_uploaded_shown_and_attached(journey):
    response = journey.post(f"{BASE}/photos/", {"action": "upload", "photo": jpeg()})
    assert response.status_code == 302
    page = journey.get(f"{BASE}/photos/")
    photo = Photo.objects.get()
    assert f"{BASE}/photos/{photo.pk}/" in page.text
    assert journey.get(f"{BASE}/photos/{photo.pk}/")["Content-Type"] == "image/jpeg"
    journey.post(f"{BASE}/check/", {"submission_key": submission_key(journey)})
    photo.refresh_from_db()
    assert photo.case == Case.objects.get()


def test_disguised_upload_is_explained(journey):
    fake = io.BytesIO(b"<script>alert(1)</script>")
    fake.name = "photo.jpg"
    response = journey.post(f"{BASE}/photos/", {"action": "upload", "photo": fake})
    assert response.status_code == 200
    assert "must be a JPG, PNG or HEIC" in response.text
    assert not Photo.objects.exists()


def test_required_photo_question_must_be_answered(client, missed_bin, address):
    QuestionFactory(
        service=missed_bin,
        code="photo",
        kind="photo",
        required=True,
        label="Add a photo of the bin",
    )
    answer_questions(client)
    choose_address(client, address)
    response = client.post(f"{BASE}/photos/", {"action": "continue"})
    assert response.status_code == 200
    assert "Add a photo: Add a photo of the bin" in response.text


def test_another_sessions_draft_photo_is_not_visible(journey, client_factory=None):
    from django.test import Client

    journey.post(f"{BASE}/photos/", {"action": "upload", "photo": jpeg()})
    photo = Photo.objects.get()
    stranger = Client()
    stranger.get("/riverbend/")
    assert stranger.get(f"{BASE}/photos/{photo.pk}/").status_code == 404


def test_search_finds_services_by_keyword(client, missed_bin):
    response = client.get("/riverbend/services/", {"q": "rubbish"})
    assert "Report a missed bin collection" in response.text
    response = client.get("/riverbend/services/", {"q": "spaceship"})
    assert "0 services found" in response.text


def test_urgent_safety_notice_is_shown_before_the_form(client, missed_bin):
    missed_bin.urgent_notice = "If you smell gas, call 0800 111 999"
    missed_bin.save()
    response = client.get("/riverbend/services/missed-bin/")
    assert "If you smell gas, call 0800 111 999" in response.text
    assert "govuk-warning-text" in response.text


def test_text_message_updates_need_a_number_and_are_kept(journey):
    response = journey.post(
        f"{BASE}/contact/", {"name": "Sam", "email": "sam@example.com", "updates_by_sms": "on"}
    )
    assert "Enter a mobile number to get text messages" in response.text
    journey.post(
        f"{BASE}/contact/",
        {
            "name": "Sam",
            "email": "sam@example.com",
            "phone": "07700 900123",
            "updates_by_sms": "on",
        },
    )
    assert "Updates by text message as well" in journey.get(f"{BASE}/check/").text
    journey.post(f"{BASE}/check/", {"submission_key": submission_key(journey)})
    case = Case.objects.get()
    assert case.updates_by_sms and case.phone_key == "+447700900123"


def test_residents_choose_whether_ward_councillors_see_their_details(journey, council, address):
    from onecouncil.core.models import Role
    from tests.backoffice_helpers import staff

    journey.post(
        f"{BASE}/contact/",
        {"name": "Sam Resident", "email": "sam@example.com", "councillor_consent": "on"},
    )
    assert "Your ward councillors may see your details" in journey.get(f"{BASE}/check/").text
    journey.post(f"{BASE}/check/", {"submission_key": submission_key(journey)})
    case = Case.objects.get()
    assert case.councillor_consent
    from django.test import Client

    councillor = Client()
    councillor.force_login(staff(council, Role.COUNCILLOR, ward_codes=[address.ward.code]))
    assert "Sam Resident" in councillor.get(f"/riverbend/staff/cases/{case.reference}/").text


def test_every_journey_page_says_how_to_do_it_without_going_online(client, missed_bin, address):
    """ "Can't do this online?": the council's phone number and hours, and that an adviser
    can make the request, on the start page and every step; nothing when the council has
    given neither a phone number nor an address."""
    council = missed_bin.council
    council.opening_hours = "Monday to Friday, 9am to 5pm"
    council.save()
    pages = [f"/riverbend/services/{missed_bin.code}/", f"{BASE}/questions/"]
    answer_questions(client)
    pages.append(f"{BASE}/location/")
    choose_address(client, address)
    for url in pages:
        text = client.get(url).text
        assert "Can't do this online?" in text, url
        assert council.phone in text and "Monday to Friday, 9am to 5pm" in text, url
        assert "an adviser can make the request for you" in text, url
    council.phone, council.postal_address = "", ""
    council.save()
    assert "Can't do this online?" not in client.get(f"{BASE}/questions/").text
