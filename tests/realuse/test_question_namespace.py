"""A question coded like a form's own field (``description``, ``street``) never takes
what was typed into that field: the assisted channel, the resident journey, Open311 and
REST each keep the caller's words and the place apart."""

from __future__ import annotations

import re

import pytest

from onecouncil.api.keys import api_key_issue
from onecouncil.api.models import KeyKind
from onecouncil.cases.models import Case
from onecouncil.core.models import Role
from tests.backoffice_helpers import staff
from tests.factories import QuestionFactory, ServiceFactory, answers_posted


@pytest.fixture
def noise(council):
    service = ServiceFactory(
        council=council, code="noise", name="Report a noise problem", location_required=True
    )
    QuestionFactory(
        service=service,
        code="description",
        label="Describe the noise",
        kind="long_text",
        order=1,
    )
    QuestionFactory(
        service=service, code="street", label="Street of the noise", order=2, required=False
    )
    return service


def test_the_assisted_channel_keeps_the_callers_words_and_the_place_apart(client, council, noise):
    client.force_login(staff(council, Role.ADVISER))
    url = f"/{council.slug}/staff/new/noise/"
    form = client.get(url).text
    assert form.count('name="description"') == 1 and form.count('id="id_description"') == 1
    assert 'name="answer-description"' in form and 'name="answer-street"' in form
    key = re.search(r'name="submission_key" value="([^"]+)"', form).group(1)
    data = {
        "submission_key": key,
        "channel": "phone",
        "email": "caller@example.com",
        "street": "High Street",
        "description": "",
        **answers_posted({"description": "Music until 3am every night", "street": "Mill Lane"}),
        "action": "create",
    }
    refused = client.post(url, data)
    # The place box left empty is the place's error; the caller's words stay typed.
    assert "Describe where on the street" in refused.text
    assert "Music until 3am every night" in refused.text
    made = client.post(url, {**data, "description": "Outside number 12"})
    assert made.status_code == 302
    case = Case.objects.get()
    assert case.answers == {"description": "Music until 3am every night", "street": "Mill Lane"}
    assert case.street == "High Street" and case.location_description == "Outside number 12"


def test_the_resident_journey_keeps_a_question_coded_description(client, council, noise):
    base = f"/{council.slug}/report/noise"
    client.get(f"{base}/questions/")
    client.post(f"{base}/questions/", answers_posted({"description": "Barking all day"}))
    located = client.post(
        f"{base}/location/",
        {"action": "continue", "street": "High Street", "description": "By the church"},
    )
    assert located.status_code == 302, located.content
    client.post(f"{base}/photos/", {"action": "continue"})
    client.post(f"{base}/contact/", {"name": "Sam", "email": "sam@example.com", "phone": ""})
    check = client.get(f"{base}/check/").text
    assert "Barking all day" in check and "By the church" in check
    key = re.search(r'name="submission_key" value="([^"]+)"', check).group(1)
    assert client.post(f"{base}/check/", {"submission_key": key}).status_code == 302
    case = Case.objects.get()
    assert case.answers == {"description": "Barking all day"}
    assert case.location_description == "By the church"


def test_open311_names_description_for_a_question_coded_description(client, council, noise):
    key = api_key_issue(council=council, name="FixMyStreet").key
    body = {
        "jurisdiction_id": council.slug,
        "api_key": key,
        "service_code": "noise",
        "address_string": "High Street",
        "email": "ann@example.com",
    }
    missing = client.post("/open311/v2/requests.json", body)
    assert missing.status_code == 400
    said = missing.json()[0]["description"]
    assert said.startswith("description:") and "address_string" not in said
    made = client.post("/open311/v2/requests.json", {**body, "description": "Drilling at night"})
    assert made.status_code == 201, made.content
    case = Case.objects.get()
    assert case.answers["description"] == "Drilling at night"
    assert case.street == "High Street"
    # attribute[description] keeps working, and wins over the free text.
    client.post(
        "/open311/v2/requests.json",
        {**body, "attribute[description]": "Alarm", "description": "Other words"},
    )
    assert Case.objects.order_by("-pk").first().answers["description"] == "Alarm"


def test_rest_names_a_questions_error_by_its_answer(client, council, noise):
    key = api_key_issue(
        council=council, name="Contractor", kind=KeyKind.REST, role="case_officer"
    ).key
    response = client.post(
        "/api/v1/requests",
        data={
            "service_code": "noise",
            "answers": {},
            "location": {"street": "High Street", "description": "By the church"},
            "contact": {"email": "ann@example.com"},
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 400
    assert "answers.description" in response.json()["errors"]
