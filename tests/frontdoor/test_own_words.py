"""'Tell us in your own words' through real HTTP requests (no JavaScript), and the JSON
the page's script asks for."""

from __future__ import annotations

import pytest

from onecouncil.cases.models import Case
from onecouncil.triage.models import SuggestionTaken, TriageSettings
from onecouncil.triage.training import triage_train
from tests.factories import QuestionFactory, ServiceFactory
from tests.frontdoor.test_journey import (
    BASE,
    answer_questions,
    choose_address,
    give_contact,
    submission_key,
)

HOME = "/riverbend/"
OWN = "/riverbend/own-words/"
WORDS = "The bin men didn't come on Tuesday, bin not collected"


@pytest.fixture
def trained(council, missed_bin):
    ServiceFactory(
        council=council,
        code="pothole",
        name="Report a pothole",
        description="A hole or crack in a road or pavement.",
    )
    ServiceFactory(
        council=council,
        code="street-light",
        name="Report a street light fault",
        description="A street lamp that is out or flickering.",
    )
    return triage_train(council)


def test_the_start_page_offers_it_beside_search(client, trained):
    page = client.get(HOME).text
    assert 'action="/riverbend/own-words/"' in page
    assert 'name="words"' in page and "Or tell us in your own words" in page


def test_words_lead_to_three_suggestions_with_reasons(client, trained):
    response = client.post(OWN, {"words": WORDS})
    assert response.status_code == 302 and response.url == OWN
    assert WORDS not in response.url  # words never travel in an address
    page = client.get(OWN).text
    assert "Is it one of these?" in page
    assert page.count('name="chosen" type="radio"') == 4  # three and "none of these"
    first = page.index("Report a missed bin collection")
    assert first < page.index("Report a pothole") and "You mentioned" in page
    assert "didn&#x27;t come on Tuesday" in page  # what they wrote, shown back


def test_a_confident_suggestion_is_preselected_as_the_council_sets(client, council, trained):
    client.post(OWN, {"words": WORDS})
    TriageSettings.objects.filter(council=council).update(threshold_web=0)
    assert 'value="missed-bin" checked' in client.get(OWN).text
    TriageSettings.objects.filter(council=council).update(threshold_web=1)
    assert "checked" not in client.get(OWN).text


def test_choosing_carries_the_words_into_the_report(client, council, address, trained):
    client.post(OWN, {"words": WORDS})
    response = client.post(OWN, {"chosen": "missed-bin"})
    assert response.status_code == 302 and response.url == "/riverbend/services/missed-bin/"
    taken = SuggestionTaken.objects.get(council=council)
    assert taken.chosen == "missed-bin" and taken.accepted and taken.channel == "web"
    assert taken.model_version == trained.version
    answer_questions(client)
    choose_address(client, address)
    client.post(f"{BASE}/photos/", {"action": "continue"})
    give_contact(client)
    check = client.get(f"{BASE}/check/").text
    assert "In your own words" in check and "didn&#x27;t come on Tuesday" in check
    client.post(f"{BASE}/check/", {"submission_key": submission_key(client)})
    assert Case.objects.get().description == WORDS


def test_a_service_with_a_long_text_question_gets_the_words_as_its_answer(
    client, council, missed_bin, trained
):
    QuestionFactory(
        service=missed_bin,
        code="details",
        label="Tell us more",
        kind="long_text",
        required=False,
        order=3,
    )
    client.post(OWN, {"words": WORDS})
    client.post(OWN, {"chosen": "missed-bin"})
    questions = client.get(f"{BASE}/questions/").text
    assert "didn&#x27;t come on Tuesday" in questions


def test_none_of_these_leads_to_every_service(client, council, trained):
    client.post(OWN, {"words": WORDS})
    response = client.post(OWN, {"chosen": "none"})
    assert response.url == "/riverbend/services/#all-services"
    assert SuggestionTaken.objects.get(council=council).chosen == ""


def test_no_choice_is_explained(client, trained):
    client.post(OWN, {"words": WORDS})
    page = client.post(OWN, {"choosing": "1"}).text  # no radio ticked: no "chosen" sent
    assert "There is a problem" in page and "Choose a service, or none of these" in page


@pytest.mark.parametrize("chosen", ["no-such-service", "pot\x00holes"])
def test_a_choice_of_no_service_is_not_found(client, trained, chosen):
    client.post(OWN, {"words": WORDS})
    assert client.post(OWN, {"chosen": chosen}).status_code == 404


@pytest.mark.parametrize(
    ("words", "message"),
    [("", "Tell us what you want to report or request"), ("x" * 1001, "1000 characters or fewer")],
)
def test_bad_words_are_explained_and_kept(client, trained, words, message):
    page = client.post(OWN, {"words": words}).text
    assert "There is a problem" in page and message in page


def test_without_a_model_the_resident_is_sent_to_search(client, council, trained):
    TriageSettings.objects.filter(council=council).update(enabled=False)
    client.post(OWN, {"words": WORDS})
    page = client.get(OWN).text
    assert "We could not suggest a service" in page and 'href="/riverbend/services/"' in page


def test_the_script_gets_the_same_suggestions_as_json(client, trained):
    found = client.post("/riverbend/own-words/suggest/", {"words": WORDS}).json()
    assert found["suggestions"][0]["code"] == "missed-bin"
    assert found["suggestions"][0]["reason"].startswith("You mentioned")
    assert client.post("/riverbend/own-words/suggest/", {"words": ""}).status_code == 400
    assert client.get("/riverbend/own-words/suggest/").status_code == 405


def test_suggestions_never_offer_another_councils_services(client, council, other_council, trained):
    ServiceFactory(council=other_council, code="bins", name="Report a missed bin collection")
    found = client.post("/riverbend/own-words/suggest/", {"words": WORDS}).json()
    assert "bins" not in [s["code"] for s in found["suggestions"]]


def test_a_client_asking_for_suggestions_far_too_often_is_told_to_wait(
    client, trained, monkeypatch
):
    import importlib

    own_words = importlib.import_module("onecouncil.frontdoor.views.own_words")

    monkeypatch.setattr(own_words, "SUGGESTS_PER_HOUR", 2)
    url = "/riverbend/own-words/suggest/"
    for _n in range(2):
        assert client.post(url, {"words": WORDS}, REMOTE_ADDR="203.0.113.7").status_code == 200
    refused = client.post(url, {"words": WORDS}, REMOTE_ADDR="203.0.113.7")
    assert refused.status_code == 429 and refused.json()["suggestions"] == []
    assert client.post(url, {"words": WORDS}, REMOTE_ADDR="203.0.113.8").status_code == 200
