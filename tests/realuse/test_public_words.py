"""A template's kind decides where it may go, and a public update never names the person
who made the request: whatever the form or API, "Dear Oliver Khan" never reaches the
public tracking page. Publishing a description shows what becomes public and warns."""

from __future__ import annotations

import json
import re

import pytest

from onecouncil.api.keys import api_key_issue
from onecouncil.api.models import KeyKind
from onecouncil.cases.actions import WorkflowError, case_add_update, case_change_status
from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.models import EventKind, ResponseTemplate
from onecouncil.core.actors import Actor
from onecouncil.core.models import Role
from tests.backoffice_helpers import staff
from tests.factories import make_case

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}
OFFICER = Actor.system("Officer")


@pytest.fixture
def case(missed_bin):
    return make_case(
        missed_bin,
        answers=ANSWERS,
        location=Location(street="Mill Lane", description="By the gate"),
        contact=Contact(name="Oliver Khan", email="oliver@example.com", phone="07700 900123"),
    ).case


@pytest.fixture
def greeting(council):
    return ResponseTemplate.objects.create(
        council=council, name="Greeting", use="message", body="Dear {name}, we are on it."
    )


def test_a_message_template_is_refused_as_a_public_update(case, greeting):
    with pytest.raises(WorkflowError, match="template for private messages"):
        case_add_update(case=case, message="We are on it.", actor=OFFICER, template=greeting)
    assert not case.events.filter(kind=EventKind.PUBLIC_UPDATE).exists()


@pytest.mark.parametrize(
    "words",
    [
        "Dear Oliver Khan, fixed.",
        "dear  oliver khan",
        "Ring oliver@example.com",
        "Call 07700900123",
    ],
)
def test_a_public_update_naming_the_reporter_is_refused(case, words):
    with pytest.raises(WorkflowError, match="private message"):
        case_add_update(case=case, message=words, actor=OFFICER)
    with pytest.raises(WorkflowError, match="leave them out"):
        case_change_status(case=case, status="in_progress", message=words, actor=OFFICER)
    case_add_update(case=case, message="Crew booked for Friday.", actor=OFFICER)


def test_the_case_page_refuses_a_message_template_sent_publicly(client, council, case, greeting):
    client.force_login(staff(council, Role.CASE_OFFICER))
    url = f"/riverbend/staff/cases/{case.reference}/"
    filled = client.get(url, {"template": greeting.pk}).text
    assert (
        "Dear Oliver Khan" in filled and 'id="id_kind_message" name="kind" type="radio"' in filled
    )
    sent = client.post(
        f"{url}update/",
        {"template": greeting.pk, "kind": "public", "message": "Dear Oliver Khan, we are on it."},
        follow=True,
    )
    assert "template for private messages" in sent.text
    public = client.get(f"/riverbend/track/{case.reference}/").text
    assert "Oliver" not in public
    client.post(
        f"{url}update/",
        {"template": greeting.pk, "kind": "message", "message": "Dear Oliver Khan, on it."},
    )
    assert case.events.filter(kind=EventKind.MESSAGE).count() == 1


def test_the_rest_api_refuses_a_public_update_naming_the_reporter(client, council, case):
    key = api_key_issue(
        council=council, name="Contractor", kind=KeyKind.REST, role="case_officer"
    ).key
    response = client.post(
        f"/api/v1/requests/{case.reference}/updates",
        data=json.dumps({"message": "Dear Oliver Khan, done", "public": True}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 400, response.content
    assert not case.events.filter(kind=EventKind.PUBLIC_UPDATE).exists()


def test_publishing_a_description_shows_it_and_warns_of_details(client, council, missed_bin):
    made = make_case(
        missed_bin,
        answers=ANSWERS,
        location=Location(street="Mill Lane", description="By the gate"),
        contact=Contact(name="Ann", email="ann@example.com"),
        description="Ring me on 07700 900456 or ann@example.com, RB1 2AB",
    ).case
    client.force_login(staff(council, Role.CASE_OFFICER))
    page = client.get(f"/riverbend/staff/cases/{made.reference}/").text
    shown = re.search(r'id="will-be-public" name="text"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert "07700 900456" in shown  # the words that would go, to redact before publishing
    assert "an email address, a phone number, a postcode" in page
