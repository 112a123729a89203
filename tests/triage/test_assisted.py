"""An adviser types what the caller says: suggestions, and the words on the request."""

from __future__ import annotations

from onecouncil.cases.models import Case
from onecouncil.core.models import Role
from onecouncil.triage.models import SuggestionTaken
from onecouncil.triage.training import triage_train
from tests.backoffice_helpers import staff
from tests.triage.test_training import make_history

STAFF = "/riverbend/staff"


def test_an_adviser_gets_suggestions_and_the_words_reach_the_request(
    client, council, services, address
):
    make_history(services, per_service=5)
    triage_train(council)
    client.force_login(staff(council, Role.ADVISER))
    page = client.post(f"{STAFF}/new/", {"words": "Caller says a sofa was dumped in the alley"})
    assert "Is it one of these?" in page.text
    assert page.text.index("Report fly-tipping") < page.text.index("Report a pothole")
    assert "You mentioned" in page.text
    form = client.get(f"{STAFF}/new/fly-tipping/").text
    assert "sofa was dumped in the alley" in form  # the words came along
    taken = SuggestionTaken.objects.get(council=council)
    assert (taken.chosen, taken.channel, taken.accepted) == ("fly-tipping", "phone", True)
    response = client.post(
        f"{STAFF}/new/fly-tipping/",
        {
            "channel": "phone",
            "name": "Ann Caller",
            "phone": "07700 900123",
            "uprn": str(address.uprn),
            "postcode": address.postcode,
            "words": "Caller says a sofa was dumped in the alley",
            "submission_key": "5b2d0f7e-3a4c-4f57-9a7e-1d2c3b4a5f60",
        },
    )
    assert response.status_code == 302, response.text
    made = Case.objects.get(reference=response.url.rstrip("/").rsplit("/", 1)[-1])
    assert made.description == "Caller says a sofa was dumped in the alley"
    assert "sofa" not in client.get(f"{STAFF}/new/pothole/").text  # used once, then gone


def test_empty_words_are_explained(client, council, services):
    triage_train(council)
    client.force_login(staff(council, Role.ADVISER))
    page = client.post(f"{STAFF}/new/", {"words": ""}).text
    assert "There is a problem" in page and "Type what the caller says" in page


def test_a_new_start_forgets_the_last_callers_words(client, council, services):
    triage_train(council)
    client.force_login(staff(council, Role.ADVISER))
    client.post(f"{STAFF}/new/", {"words": "Caller says a sofa was dumped in the alley"})
    client.get(f"{STAFF}/new/")  # the adviser starts again, for someone else
    assert "sofa" not in client.get(f"{STAFF}/new/fly-tipping/").text
