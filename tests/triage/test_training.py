"""A council's model: trained by the worker from its catalogue and history, used for
suggestions, corrected by staff, switched off, kept apart from other councils."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from onecouncil.cases.actions import WorkflowError, case_change_service
from onecouncil.cases.models import CaseEvent, EventKind
from onecouncil.core.actors import Actor
from onecouncil.core.models import Membership, Role
from onecouncil.core.privacy import PersonKeys
from onecouncil.triage.models import TrainedModel, TriageSettings
from onecouncil.triage.suggest import suggest_services
from onecouncil.triage.training import (
    history,
    train_job,
    training_forget_erased,
    triage_retrain_request,
    triage_train,
)
from tests.backoffice_helpers import staff
from tests.factories import ServiceFactory, make_case


def officer(council, role=Role.CASE_OFFICER):
    user = staff(council, role)
    return Actor(user=user, membership=Membership.objects.get(user=user, council=council))


WORDS = {
    "missed-bin": ["bin men didnt come tuesday", "my recycling was left again", "bins not emptied"],
    "pothole": ["big hole in the road", "crater on the lane", "cracked tarmac by the school"],
    "street-light": ["lamp out on the corner", "light flickers all night", "dark street lamp"],
    "fly-tipping": ["sofa dumped in the alley", "bags of rubbish dumped", "mattress left out"],
}


BIN_ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}


def request(service, words):
    answers = BIN_ANSWERS if service.code == "missed-bin" else {}
    return make_case(service, description=words, answers=answers).case


def make_history(services, per_service=15):
    for n in range(per_service):
        for code, phrases in WORDS.items():
            request(services[code], f"{phrases[n % 3]} near number {n}")


def test_day_one_suggestions_come_from_the_catalogue(council, services):
    trained = triage_train(council)
    assert (trained.version, trained.history_examples, trained.from_history) == (1, 0, False)
    found = suggest_services(council=council, text="The bin men didn't come on Tuesday")
    assert found is not None and found.model_version == 1
    assert found.items[0].service == services["missed-bin"]
    assert len(found.items) == 3
    assert found.items[0].reasons  # words the resident typed


def test_history_takes_over_with_figures_on_the_newest_fifth(council, services):
    make_history(services)
    trained = triage_train(council)
    assert trained.history_examples == 60 and trained.from_history
    figures = trained.holdout
    assert (figures["trained_on"], figures["tested_on"]) == (48, 12)
    assert set(figures["per_service"]) <= set(WORDS)
    assert 0 <= figures["top1"] <= figures["top3"] <= 1
    assert suggest_services(council=council, text="sofa dumped").items[0].service.code == (
        "fly-tipping"
    )


def test_training_text_is_masked(council, services):
    request(services["pothole"], "Hole outside, call 07700 900123 or ann@example.com")
    texts = [d.example.text for d in history(council, list(services.values()))]
    assert texts and all("ann@example.com" not in t and "07700" not in t for t in texts)


def test_a_staff_correction_teaches_the_next_model(council, services):
    make_history(services, per_service=6)
    moved = [request(services["pothole"], f"abandoned trolley in the brook {n}") for n in range(6)]
    actor = officer(council)
    for case in moved:
        case_change_service(case=case, service=services["fly-tipping"], actor=actor)
    trained = triage_train(council)
    assert trained.corrections == 6
    found = suggest_services(council=council, text="shopping trolley in the brook")
    assert found.items[0].service.code == "fly-tipping"


def test_moving_a_request_reroutes_it_and_is_recorded(council, services):
    case = request(services["missed-bin"], "hole in road")
    moved = case_change_service(
        case=case, service=services["pothole"], actor=officer(council), reason="It is a pothole"
    )
    assert moved.service == services["pothole"]
    assert moved.team.name == "Highways"
    event = CaseEvent.objects.get(case=case, kind=EventKind.SERVICE_CHANGED)
    assert not event.is_public and event.message == "It is a pothole"
    assert (event.data["from"], event.data["to"], event.data["by_model"]) == (
        "missed-bin",
        "pothole",
        0,
    )


def test_only_staff_who_may_may_move_a_request_and_only_within_the_council(
    council, other_council, services
):
    case = request(services["missed-bin"], "")
    with pytest.raises(PermissionDenied):
        case_change_service(
            case=case, service=services["pothole"], actor=officer(council, Role.ADVISER)
        )
    elsewhere = ServiceFactory(council=other_council, code="pothole")
    with pytest.raises(WorkflowError):
        case_change_service(case=case, service=elsewhere, actor=officer(council))


def test_the_worker_trains_when_needed_and_when_asked(council, services):
    assert train_job() >= 1
    assert train_job() == 0  # nothing changed
    triage_retrain_request(council)
    assert train_job() == 1
    assert TrainedModel.objects.filter(council=council).count() == 2  # in use and the last
    triage_retrain_request(council)
    train_job()
    assert list(TrainedModel.objects.filter(council=council).values_list("version", flat=True)) == [
        3,
        2,
    ]


def test_erasure_asks_for_a_model_without_the_words(council, services):
    make_history(services, per_service=2)
    triage_train(council)
    assert training_forget_erased(PersonKeys(council_id=council.pk)) == 1
    assert TriageSettings.objects.get(council=council).retrain_requested_at is not None
    assert train_job() == 1
    assert TrainedModel.objects.filter(council=council).first().version == 2


def test_switched_off_means_no_suggestions_and_no_training(council, services):
    triage_train(council)
    TriageSettings.objects.filter(council=council).update(enabled=False)
    assert suggest_services(council=council, text="pothole") is None
    triage_retrain_request(council)
    TriageSettings.objects.filter(council=council).update(enabled=False)
    before = TrainedModel.objects.count()
    train_job()
    assert TrainedModel.objects.filter(council=council).count() == before


def test_models_never_cross_councils(council, other_council, services):
    make_history(services, per_service=2)
    ServiceFactory(council=other_council, code="noise", name="Report noise")
    ServiceFactory(council=other_council, code="graffiti", name="Report graffiti")
    theirs = triage_train(other_council)
    assert theirs.history_examples == 0
    found = suggest_services(council=other_council, text="bins not emptied")
    assert {s.service.council_id for s in found.items} == {other_council.pk}
