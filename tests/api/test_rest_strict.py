"""REST bodies are typed strictly: a body that is not a JSON object, or a value of the
wrong type, is refused with 422 naming the field, and changes nothing."""

import pytest

from onecouncil.api.keys import api_key_issue
from onecouncil.api.models import KeyKind
from onecouncil.cases.actions import case_assign
from onecouncil.core.actors import Actor
from tests.backoffice_helpers import staff
from tests.factories import make_case

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}


@pytest.fixture
def assigned(council, missed_bin):
    case = make_case(missed_bin, answers=ANSWERS).case
    return case_assign(
        case=case, assignee=staff(council, "case_officer"), actor=Actor.system("Lead")
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("[]", "body"),
        ('"bob"', "body"),
        ('["bob"]', "body"),
        ("5", "body"),
        ("null", "body"),
        ("", "body"),
        ("{not json", "body"),
        ('{"assignee": 5}', "body.assignee"),
        ('{"assignee": ["bob"]}', "body.assignee"),
        ('{"assignee": true}', "body.assignee"),
    ],
)
def test_assign_refuses_anything_but_an_object_of_the_right_types(
    client, council, assigned, body, field
):
    key = api_key_issue(council=council, name="c", kind=KeyKind.REST, role="team_leader").key
    response = client.post(
        f"/api/v1/requests/{assigned.reference}/assign",
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assigned.refresh_from_db()
    assert assigned.assignee is not None


def test_a_number_is_not_a_yes_or_no(client, council, assigned):
    key = api_key_issue(council=council, name="c", kind=KeyKind.REST, role="team_leader").key
    response = client.post(
        f"/api/v1/requests/{assigned.reference}/updates",
        data='{"message": "Crew booked", "public": 1}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 422 and "body.public" in response.json()["errors"]
    assert not assigned.events.filter(message="Crew booked").exists()
