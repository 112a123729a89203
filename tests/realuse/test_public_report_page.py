"""A public request's page shows what lets someone recognise the problem: the place on a
map, and once staff approve them (or at once where the council chose and nothing
personal is found) the words and the photos; staff can redact or hide them, each an
event. Nothing of a private request, and nothing unapproved, is ever shown."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from onecouncil.cases.actions import (
    WorkflowError,
    case_add_photo,
    case_hide_description,
    case_publish_description,
    case_show_photos,
)
from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.models import EventKind
from onecouncil.core.actors import Actor
from onecouncil.core.models import Role
from tests.backoffice_helpers import staff
from tests.factories import ServiceFactory, make_case

OFFICER = Actor.system("Officer")


@pytest.fixture
def pothole(council):
    return ServiceFactory(council=council, code="pothole", name="Report a pothole")


def _photo(case):
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(out, "PNG")
    return case_add_photo(
        case=case,
        upload=SimpleUploadedFile("hole.png", out.getvalue(), content_type="image/png"),
        actor=OFFICER,
    )


def _made(pothole, words):
    return make_case(
        pothole,
        location=Location(
            street="Mill Lane", description="By the gate", latitude=52.48612, longitude=-1.89037
        ),
        contact=Contact(name="Ola Nowak", email="ola@example.com"),
        description=words,
    ).case


def test_words_and_photos_appear_only_once_approved_and_can_be_redacted_or_hidden(
    client, council, pothole
):
    case = _made(pothole, "Deep hole, Ola Nowak nearly fell in. Ring 07700 900111")
    photo = _photo(case)
    url = f"/riverbend/track/{case.reference}/"
    page = client.get(url).text
    assert "Deep hole" not in page and "hole.png" not in page
    assert client.get(f"{url}photos/{photo.pk}/").status_code == 404
    assert 'id="case-map"' in page and 'data-centre="52.486000,-1.890000"' in page  # rounded
    assert "52.48612" not in page
    # The words as given name the reporter and a phone: refused; a redacted copy goes.
    with pytest.raises(WorkflowError, match="phone number"):
        case_publish_description(case=case, actor=OFFICER)
    case_publish_description(case=case, actor=OFFICER, text="Deep hole, someone nearly fell in.")
    case_show_photos(case=case, actor=OFFICER, shown=True)
    page = client.get(url).text
    assert "Deep hole, someone nearly fell in." in page and "Ola" not in page
    assert f"photos/{photo.pk}/" in page
    assert client.get(f"{url}photos/{photo.pk}/").status_code == 200
    # Hidden again: gone from the page, the photo's address and the Open311 feed.
    case_hide_description(case=case, actor=OFFICER)
    case_show_photos(case=case, actor=OFFICER, shown=False)
    page = client.get(url).text
    assert "someone nearly fell in" not in page
    assert client.get(f"{url}photos/{photo.pk}/").status_code == 404
    feed = client.get(f"/open311/v2/requests/{case.reference}.json?jurisdiction_id=riverbend")
    assert feed.json()[0]["description"] is None
    notes = [e.message for e in case.events.filter(kind=EventKind.NOTE)]
    assert (
        "Description hidden from the public" in notes and "Photos hidden from the public" in notes
    )
    assert case.events.filter(kind=EventKind.DESCRIPTION_PUBLISHED, data__redacted=True).exists()


def test_staff_redact_publish_and_hide_from_the_case_page(client, council, pothole):
    case = _made(pothole, "Hole by number 4, ask for ola@example.com")
    _photo(case)
    client.force_login(staff(council, Role.CASE_OFFICER))
    base = f"/riverbend/staff/cases/{case.reference}/"
    refused = client.post(f"{base}publish-description/", {"action": "publish"}, follow=True)
    assert "email address" in refused.text
    client.post(f"{base}publish-description/", {"action": "publish", "text": "Hole by number 4"})
    client.post(f"{base}photos-public/", {"shown": "yes"})
    public = client.get(f"/riverbend/track/{case.reference}/").text
    assert "Hole by number 4" in public and "ola@" not in public and "/photos/" in public
    client.post(f"{base}publish-description/", {"action": "hide"})
    assert "Hole by number 4" not in client.get(f"/riverbend/track/{case.reference}/").text


def test_a_council_may_publish_words_at_once_when_nothing_personal_is_found(council, pothole):
    council.publish_descriptions_automatically = True
    council.save()
    plain = _made(pothole, "Deep hole in the middle of the road")
    personal = _made(pothole, "Deep hole, call me on 07700 900123")
    assert plain.public_description == "Deep hole in the middle of the road"
    assert plain.description_published_at is not None
    assert personal.description_published_at is None and personal.public_description == ""


def test_a_private_request_shows_nothing(client, council):
    care = ServiceFactory(council=council, code="care", name="Adult care", visibility="private")
    case = make_case(
        care, contact=Contact(email="a@example.com"), description="Mum needs help"
    ).case
    with pytest.raises(WorkflowError):
        case_show_photos(case=case, actor=OFFICER, shown=True)
    page = client.get(f"/riverbend/track/{case.reference}/").text
    assert "Mum" not in page and "case-map" not in page
