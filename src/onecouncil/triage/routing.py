"""Routing requests that wait for triage: the model moves a request out of a triage
service (``Service.needs_triage``) by itself when it is at least as confident as the
council asks for the channel the request came by; otherwise the request waits for staff,
who see the same suggestions in the triage queue. Each request is looked at once by the
model in use when it arrives (``TriageLook`` records which version said what)."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from onecouncil.cases.access import requests_awaiting_triage
from onecouncil.cases.actions import WorkflowError, case_change_service
from onecouncil.cases.models import Case, Channel
from onecouncil.catalogue.models import QuestionKind
from onecouncil.core.actors import Actor
from onecouncil.core.models import Council
from onecouncil.triage.models import TriageLook
from onecouncil.triage.suggest import Suggestions, suggest_services
from onecouncil.triage.training import words_of

logger = logging.getLogger(__name__)
BATCH = 200

# Which of the council's thresholds applies to a request, by how it came.
CHANNEL_THRESHOLD = {Channel.EMAIL: "email", Channel.API: "api"}


def words_of_case(case: Case) -> str:
    free_text = {
        q.code
        for q in case.service.questions.all()
        if q.kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT)
    }
    return words_of(case.description, case.answers or {}, free_text)


def suggestions_for_case(case: Case) -> Suggestions | None:
    channel = CHANNEL_THRESHOLD.get(Channel(case.channel), "web")
    return suggest_services(council=case.service.council, text=words_of_case(case), channel=channel)


def triage_look(case: Case) -> TriageLook | None:
    """Let the model look at one waiting request: route it when confident enough."""
    found = suggestions_for_case(case)
    if found is None:
        return None  # switched off or not trained yet: it waits for staff
    look = TriageLook(
        council_id=case.council_id,
        case=case,
        model_version=found.model_version,
        suggested=[[s.service.code, round(s.probability, 4)] for s in found.items],
    )
    confident = found.confident
    if confident is not None:
        try:
            case_change_service(
                case=case,
                service=confident.service,
                actor=Actor.system(_("Free-text triage")),
                reason=_("Routed by the free-text model (version %(v)s, %(p)s%% sure)")
                % {"v": found.model_version, "p": confident.percent},
                model_version=found.model_version,
            )
            look.routed_to = confident.service.code
        except WorkflowError:
            logger.warning("triage could not route request %s", case.pk)
    look.save()
    return look


def route_waiting_job() -> int:
    """The worker's job: every waiting request the model has not looked at yet."""
    done = 0
    for council in Council.objects.filter(is_active=True):
        looked = TriageLook.objects.filter(council=council).values("case_id")
        waiting = requests_awaiting_triage(council=council).exclude(pk__in=looked)[:BATCH]
        for case in waiting:
            if triage_look(case) is not None:
                done += 1
    return done
