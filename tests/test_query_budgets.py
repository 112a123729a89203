"""Query budgets on the busiest endpoints, each with 2 and with 20 requests already made:
the count must not grow with the rows, and stays within what the issue set (an Open311
submission at most 10 in one transaction; a warm tracking page at most 2).

Counted are the statements sent to the database, not the savepoints the test's own
transaction wraps around each ``atomic`` block (in production those are the transaction's
BEGIN and COMMIT). Warm means the shared cache already holds what a previous visit filled
(the council's host name, the catalogue, the key, the cached fragments)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onecouncil.api.keys import api_key_issue
from onecouncil.api.models import KeyKind
from onecouncil.core.models import Role
from tests.api.test_open311 import post as open311_post
from tests.backoffice_helpers import staff
from tests.factories import make_case
from tests.frontdoor.test_journey import (
    answer_questions,
    choose_address,
    give_contact,
    submission_key,
)

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}
ROWS = [2, 20]


class Counted:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def n(self) -> int:
        return len(self.statements)


def counted(action):
    """Run ``action`` and return what it returned with the statements it sent."""
    with CaptureQueriesContext(connection) as ctx:
        result = action()
    found = Counted()
    found.statements = [
        q["sql"]
        for q in ctx.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))
    ]
    return result, found


def within(found: Counted, budget: int) -> None:
    assert found.n <= budget, f"{found.n} statements (budget {budget}):\n" + "\n".join(
        s[:160] for s in found.statements
    )


def _rows(service, n):
    return [make_case(service, answers=ANSWERS).case for _ in range(n)]


@pytest.fixture
def open311_key(council):
    return api_key_issue(council=council, name="FixMyStreet").key


@pytest.fixture
def rest_key(council):
    return api_key_issue(
        council=council, name="Contractor", kind=KeyKind.REST, role=Role.CASE_OFFICER
    ).key


def _rest(client, method, url, key, body=None):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    if method == "get":
        return client.get(url, **auth)
    return client.post(url, data=json.dumps(body), content_type="application/json", **auth)


@pytest.mark.parametrize("rows", ROWS)
def test_an_open311_submission(client, council, missed_bin, open311_key, rows):

    _rows(missed_bin, rows)
    body = {
        "service_code": "missed-bin",
        "attribute[which_bin]": "general",
        "attribute[out_by_7am]": "yes",
        "address_string": "Outside number 4, High Street",
        "lat": None,
        "long": None,
    }
    assert open311_post(client, open311_key, **body).status_code == 201  # warm
    response, found = counted(
        lambda: open311_post(client, open311_key, email="b@example.com", **body)
    )
    assert response.status_code == 201, response.text
    within(found, 10)


@pytest.mark.parametrize("rows", ROWS)
def test_a_rest_create(client, council, missed_bin, rest_key, address, rows):
    _rows(missed_bin, rows)
    body = {
        "service_code": "missed-bin",
        "answers": ANSWERS,
        "location": {"uprn": address.uprn},
        "contact": {"name": "Ann Lee", "email": "ann@example.com"},
    }
    assert _rest(client, "post", "/api/v1/requests", rest_key, body).status_code == 201
    response, found = counted(lambda: _rest(client, "post", "/api/v1/requests", rest_key, body))
    assert response.status_code == 201, response.text
    within(found, 12)


@pytest.mark.parametrize("rows", ROWS)
def test_the_web_journeys_send_step(client, missed_bin, address, rows):
    _rows(missed_bin, rows)
    answer_questions(client)
    choose_address(client, address)
    client.post("/riverbend/report/missed-bin/photos/", {"action": "continue"})
    give_contact(client)
    key = submission_key(client)
    response, found = counted(
        lambda: client.post("/riverbend/report/missed-bin/check/", {"submission_key": key})
    )
    assert response.status_code == 302
    within(found, 18)


@pytest.mark.parametrize("rows", ROWS)
def test_a_warm_tracking_page(client, missed_bin, rows):
    case = _rows(missed_bin, rows)[-1]
    url = f"/riverbend/track/{case.reference}/"
    client.get(url)
    response, found = counted(lambda: client.get(url))
    assert response.status_code == 200 and case.reference in response.text
    within(found, 2)


@pytest.mark.parametrize("rows", ROWS)
def test_the_service_list(client, missed_bin, rows):
    _rows(missed_bin, rows)
    client.get("/riverbend/services/")
    response, found = counted(lambda: client.get("/riverbend/services/"))
    assert response.status_code == 200
    within(found, 1)


@pytest.mark.parametrize("rows", ROWS)
def test_open311_get_requests(client, missed_bin, rows):
    _rows(missed_bin, rows)
    url = "/open311/v2/requests.json?jurisdiction_id=riverbend"
    client.get(url)
    response, found = counted(lambda: client.get(url))
    assert response.status_code == 200 and len(response.json()) == rows
    within(found, 2)


@pytest.mark.parametrize("rows", ROWS)
def test_the_rest_list(client, missed_bin, rest_key, rows):
    _rows(missed_bin, rows)
    _rest(client, "get", "/api/v1/requests", rest_key)
    response, found = counted(lambda: _rest(client, "get", "/api/v1/requests", rest_key))
    assert response.status_code == 200 and len(response.json()["items"]) == rows
    within(found, 3)


@pytest.fixture
def officer(client, council, missed_bin):
    user = staff(council, Role.TEAM_LEADER, teams=[missed_bin.team])
    client.force_login(user)
    return client


@pytest.mark.parametrize("rows", ROWS)
def test_the_staff_queue(officer, missed_bin, rows):
    _rows(missed_bin, rows)
    officer.get("/riverbend/staff/queue/")
    response, found = counted(lambda: officer.get("/riverbend/staff/queue/"))
    assert response.status_code == 200
    within(found, 14)


@pytest.mark.parametrize("rows", ROWS)
def test_the_staff_case_page(officer, missed_bin, rows):
    case = _rows(missed_bin, rows)[-1]
    url = f"/riverbend/staff/cases/{case.reference}/"
    officer.get(url)
    response, found = counted(lambda: officer.get(url))
    assert response.status_code == 200 and case.reference in response.text
    within(found, 20)  # 18, the services it may move to (triage), the emails it came in
