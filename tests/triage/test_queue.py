"""Requests that wait for triage: routed by the model when it is confident enough for
their channel, otherwise by staff from the triage queue; kept out of figures and open
data until then. The model's page for administrators."""

from __future__ import annotations

from decimal import Decimal

import pytest

from onecouncil.cases.access import requests_in_id_order
from onecouncil.cases.models import CaseEvent, Channel, EventKind
from onecouncil.core.models import Role
from onecouncil.triage.models import TriageLook, TriageSettings
from onecouncil.triage.routing import route_waiting_job
from onecouncil.triage.training import triage_train
from tests.backoffice_helpers import staff
from tests.factories import QuestionFactory, ServiceFactory, TeamFactory, make_case
from tests.triage.test_training import make_history, request

STAFF = "/riverbend/staff"


@pytest.fixture
def inbox(council):
    """The council's catch-all: private, routed to a triage team, its one question coded
    "description" (so API clients answer it with their description), as in the demo."""
    service = ServiceFactory(
        council=council,
        code="something-else",
        name="Something else",
        description="Anything we do not list.",
        needs_triage=True,
        visibility="private",
        team=TeamFactory(council=council, name="Contact centre"),
    )
    QuestionFactory(
        service=service,
        code="description",
        label="What would you like to tell us?",
        kind="long_text",
        order=1,
    )
    return service


@pytest.fixture
def trained(council, services, inbox):
    make_history(services, per_service=15)
    return triage_train(council)


def waiting(inbox, words, channel=Channel.API):
    return make_case(inbox, answers={"description": words}, channel=channel).case


def signed_in(client, council, role):
    client.force_login(staff(council, role))
    return client


def test_the_model_routes_a_request_it_is_sure_of(council, services, inbox, trained):
    TriageSettings.objects.filter(council=council).update(threshold_api=Decimal("0.5"))
    case = waiting(inbox, "sofa dumped in the alley behind the shops")
    assert route_waiting_job() == 1
    case.refresh_from_db()
    assert case.service.code == "fly-tipping"
    look = TriageLook.objects.get(case=case)
    assert look.routed_to == "fly-tipping" and look.model_version == trained.version
    event = CaseEvent.objects.get(case=case, kind=EventKind.SERVICE_CHANGED)
    assert event.actor is None and event.data["by_model"] == trained.version
    assert route_waiting_job() == 0  # looked at once


def test_below_the_channels_threshold_it_waits_for_staff(council, services, inbox, trained):
    TriageSettings.objects.filter(council=council).update(
        threshold_api=Decimal("1.00"), threshold_email=Decimal("0.10")
    )
    by_api = waiting(inbox, "sofa dumped in the alley")
    by_email = waiting(inbox, "sofa dumped in the alley", channel=Channel.EMAIL)
    route_waiting_job()
    by_api.refresh_from_db()
    by_email.refresh_from_db()
    assert by_api.service == inbox and TriageLook.objects.get(case=by_api).routed_to == ""
    assert by_email.service.code == "fly-tipping"


def test_a_model_move_is_not_a_correction_but_a_staff_move_is(council, services, inbox, trained):
    TriageSettings.objects.filter(council=council).update(threshold_api=Decimal("0.0"))
    waiting(inbox, "sofa dumped in the alley")
    route_waiting_job()
    assert triage_train(council).corrections == 0


def test_waiting_requests_stay_out_of_figures_and_open_data(council, services, inbox, trained):
    TriageSettings.objects.filter(council=council).update(enabled=False)
    case = waiting(inbox, "something odd")
    assert case.pk not in set(requests_in_id_order(council=council).values_list("pk", flat=True))
    TriageSettings.objects.filter(council=council).update(enabled=True, threshold_api=0)
    route_waiting_job()
    assert case.pk in set(requests_in_id_order(council=council).values_list("pk", flat=True))


def test_the_triage_queue_shows_words_and_suggestions_and_routes_in_one_click(
    client, council, services, inbox, trained
):
    TriageSettings.objects.filter(council=council).update(threshold_api=Decimal("1.00"))
    case = waiting(inbox, "a sofa and bags dumped in the alley")
    route_waiting_job()
    officer = signed_in(client, council, Role.CASE_OFFICER)
    page = officer.get(f"{STAFF}/triage/").text
    assert case.reference in page and "a sofa and bags dumped in the alley" in page
    assert "Move to Report fly-tipping" in page and "You mentioned" in page
    assert 'value="something-else"' not in page  # never back into a triage service
    response = officer.post(f"{STAFF}/triage/{case.reference}/route/", {"service": "fly-tipping"})
    assert response.url == f"{STAFF}/triage/"
    case.refresh_from_db()
    assert case.service.code == "fly-tipping"
    event = CaseEvent.objects.get(case=case, kind=EventKind.SERVICE_CHANGED)
    assert event.actor is not None  # a person: the next training learns from it
    assert "Nothing is waiting" in officer.get(f"{STAFF}/triage/").text


def test_routing_to_no_service_or_a_triage_service_is_refused(client, council, inbox, trained):
    case = waiting(inbox, "something")
    officer = signed_in(client, council, Role.CASE_OFFICER)
    for code in ("", "something-else", "no-such-service"):
        officer.post(f"{STAFF}/triage/{case.reference}/route/", {"service": code})
        case.refresh_from_db()
        assert case.service == inbox
    assert "Choose the service" in officer.get(f"{STAFF}/triage/").text


def test_advisers_and_councillors_have_no_triage(client, council, inbox, trained):
    case = waiting(inbox, "something")
    for role in (Role.ADVISER, Role.COUNCILLOR):
        someone = signed_in(client, council, role)
        assert someone.get(f"{STAFF}/triage/").status_code == 403
        assert (
            someone.post(
                f"{STAFF}/triage/{case.reference}/route/", {"service": "pothole"}
            ).status_code
            == 403
        )


def test_staff_move_a_request_from_its_page(client, council, services, trained):
    case = request(services["missed-bin"], "big hole in the road")
    officer = signed_in(client, council, Role.CASE_OFFICER)
    page = officer.get(f"{STAFF}/cases/{case.reference}/").text
    assert "Move to another service" in page
    officer.post(
        f"{STAFF}/cases/{case.reference}/service/", {"service": "pothole", "reason": "a pothole"}
    )
    case.refresh_from_db()
    assert case.service.code == "pothole"
    assert "Moved to Report a pothole" in officer.get(f"{STAFF}/cases/{case.reference}/").text


def test_the_model_page_shows_figures_and_saves_settings(client, council, trained):
    admin = signed_in(client, council, Role.ADMINISTRATOR)
    page = admin.get(f"{STAFF}/triage/model/").text
    assert "Version" in page and "requests, 0 of them moved by staff" in page
    assert 'id="per-service"' in page and "Report fly-tipping" in page
    response = admin.post(
        f"{STAFF}/triage/model/",
        {"enabled": "on", "threshold_web": "0.4", "threshold_email": "0.9", "threshold_api": "2"},
    )
    assert "Ensure this value is less than or equal to 1" in response.text
    admin.post(
        f"{STAFF}/triage/model/",
        {"threshold_web": "0.4", "threshold_email": "0.9", "threshold_api": "0.8"},
    )
    saved = TriageSettings.objects.get(council=council)
    assert (saved.enabled, saved.threshold_email) == (False, Decimal("0.90"))
    admin.post(f"{STAFF}/triage/model/", {"action": "train"})
    assert TriageSettings.objects.get(council=council).retrain_requested_at is not None
    officer = signed_in(client, council, Role.SERVICE_MANAGER)
    assert officer.get(f"{STAFF}/triage/model/").status_code == 403


def test_an_open311_client_posting_to_the_catch_all_is_routed_by_the_model(
    client, council, services, inbox, trained
):
    """As FixMyStreet would: a vague category, the resident's words as the description."""
    from onecouncil.api.keys import api_key_issue
    from onecouncil.cases.models import Case
    from tests.api.test_open311 import post

    TriageSettings.objects.filter(council=council).update(threshold_api=Decimal("0.5"))
    key = api_key_issue(council=council, name="FixMyStreet").key
    response = post(
        client,
        key,
        service_code="something-else",
        description="Old sofa and bags of rubbish dumped in the alley",
        **{"attribute[size]": None, "attribute[hazards][]": None},
    )
    assert response.status_code == 201, response.text
    reference = response.json()[0]["service_request_id"]
    assert Case.objects.get(reference=reference).service == inbox  # acknowledged at once
    route_waiting_job()
    assert Case.objects.get(reference=reference).service.code == "fly-tipping"
