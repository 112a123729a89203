"""Plausible answers to a service's questions, for the demo and the benchmarks."""

from __future__ import annotations

import datetime as dt
import random
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.utils import timezone

from onecouncil.catalogue.answers import answerable_questions
from onecouncil.catalogue.models import QuestionKind, Service

SAMPLE_TEXT = [
    "It has been like this for over a week and is getting worse.",
    "Several neighbours have noticed it too. It is outside the newsagent.",
    "It happens most evenings after 10pm and wakes the children.",
    "Near the bus stop, on the left as you walk towards the station.",
    "This is the second time this month, please can someone look at it.",
]


def plausible_answers(service: Service, rng: random.Random) -> dict[str, Any]:
    """Answers a resident might give to each of the service's questions."""
    answers: dict[str, Any] = {}
    for question in answerable_questions(service):
        kind = question.kind
        if not question.required and rng.random() < 0.3:
            continue
        if kind == QuestionKind.ONE_OF:
            answers[question.code] = rng.choice(question.options)["value"]
        elif kind == QuestionKind.SEVERAL_OF:
            picks = rng.sample(question.options, k=min(2, len(question.options)))
            answers[question.code] = [p["value"] for p in picks]
        elif kind == QuestionKind.YES_NO:
            answers[question.code] = rng.choice(["yes", "no"])
        elif kind == QuestionKind.NUMBER:
            low = int(question.min_value or 1)
            high = int(question.max_value or 10)
            answers[question.code] = rng.randint(low, max(low, min(high, low + 5)))
        elif kind == QuestionKind.DATE:
            answers[question.code] = (
                timezone.localdate() - dt.timedelta(days=rng.randint(1, 20))
            ).isoformat()
        elif kind == QuestionKind.SHORT_TEXT:
            limit = question.effective_max_length or 20
            answers[question.code] = "AB12 CDE"[:limit] if limit <= 10 else "Blue Ford Focus"
        else:
            answers[question.code] = rng.choice(SAMPLE_TEXT)
    return answers


@cache
def _phrasebook() -> dict[str, list[str]]:
    path = Path(__file__).resolve().parent / "data" / "own_words.yaml"
    loaded: dict[str, list[str]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def plausible_description(service: Service, rng: random.Random) -> str:
    """What a resident might write about this service's problem in their own words: a
    phrasing from the demo's phrasebook, sometimes with more detail, sometimes nothing."""
    phrases = _phrasebook().get(service.code, [])
    if not phrases or rng.random() < 0.1:
        return ""
    words = rng.choice(phrases)
    if rng.random() < 0.3:
        words = f"{words}. {rng.choice(SAMPLE_TEXT)}"
    if rng.random() < 0.3:
        words = words.lower()
    return words
