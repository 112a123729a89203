"""Training a council's free-text model, by the worker and on demand.

The training set is built afresh each time from what the council holds now: its
catalogue, and the words of its requests as they are today (masked of emails, phones and
postcodes by the one masking module). A request whose words retention has removed, or
that was erased, is therefore gone from the next model: the training set is not kept
anywhere else (docs/privacy.md). Models never cross councils: each learns only from the
requests handled under its own services.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from onecouncil.cases.access import requests_for_training
from onecouncil.catalogue.models import QuestionKind, Service
from onecouncil.catalogue.selectors import search_synonyms, services_to_route_to
from onecouncil.core.masking import mask_personal
from onecouncil.core.models import Council
from onecouncil.core.privacy import PersonKeys
from onecouncil.triage.learn import CORRECTION_WEIGHT, Example, Model, TrainingError
from onecouncil.triage.models import TrainedModel, TriageSettings

logger = logging.getLogger(__name__)

# Below this many requests with words the holdout figures mean nothing: the model is the
# catalogue's (with what history there is) and administrators are told so.
MIN_HISTORY = 50
HOLDOUT_FRACTION = 0.2
FREE_TEXT = {QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT}


@dataclass(frozen=True)
class Dated:
    example: Example
    at: dt.datetime


def settings_of(council: Council) -> TriageSettings:
    found, _created = TriageSettings.objects.get_or_create(council=council)
    return found


def catalogue_texts(services: Sequence[Service]) -> dict[str, list[str]]:
    """Each service's own words: its name (alone, as residents often type just that), its
    description with keywords and group, and its questions with their options."""
    texts: dict[str, list[str]] = {}
    for service in services:
        questions = " ".join(
            " ".join([q.label, q.hint, *(str(o.get("label", "")) for o in (q.options or []))])
            for q in service.questions.all()
        )
        texts[service.code] = [
            service.name,
            " ".join([service.name, service.description, service.keywords, service.group.name]),
            questions,
        ]
    return texts


def words_of(description: str, answers: dict, free_text_codes: set[str]) -> str:
    """What the resident wrote: the description and their free-text answers, masked."""
    parts = [description] + [
        str(value) for code, value in answers.items() if code in free_text_codes and value
    ]
    return mask_personal(" ".join(p for p in parts if p).strip())


def history(council: Council, services: Sequence[Service]) -> list[Dated]:
    """The council's requests with words, oldest first, labelled with their service now."""
    codes = {s.pk: s.code for s in services}
    free_text = {s.pk: {q.code for q in s.questions.all() if q.kind in FREE_TEXT} for s in services}
    rows = requests_for_training(council=council, limit=settings.TRIAGE_HISTORY_LIMIT)
    found: list[Dated] = []
    for service_id, description, answers, created_at, corrected in rows:
        if service_id not in codes:
            continue  # a service withdrawn since: nothing to suggest it for
        text = words_of(description or "", answers or {}, free_text[service_id])
        if text:
            weight = CORRECTION_WEIGHT if corrected else 1.0
            found.append(
                Dated(Example(text=text, label=codes[service_id], weight=weight), created_at)
            )
    found.sort(key=lambda d: d.at)
    return found


def holdout_figures(
    dated: Sequence[Dated], catalogue: dict[str, list[str]], synonyms: Sequence
) -> dict:
    """Trained on the earliest part of history, scored on the newest ``HOLDOUT_FRACTION``:
    top-1 and top-3, per service precision and recall, and the pairs most often confused."""
    cut = int(len(dated) * (1 - HOLDOUT_FRACTION))
    train, test = dated[:cut], dated[cut:]
    model = Model.train([d.example for d in train], catalogue, synonyms)
    truth = [d.example.label for d in test]
    probabilities = model.probabilities([d.example.text for d in test])
    order = np.argsort(-probabilities, axis=1)[:, :3]
    labels = np.array(model.labels)
    predicted = [str(labels[row[0]]) for row in order]
    in_top3 = [t in set(labels[row]) for t, row in zip(truth, order, strict=True)]
    per_service: dict[str, dict[str, float | int]] = {}
    for code in sorted(set(truth) | set(predicted)):
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == p == code)
        said = sum(1 for p in predicted if p == code)
        real = sum(1 for t in truth if t == code)
        per_service[code] = {
            "precision": round(tp / said, 3) if said else 0.0,
            "recall": round(tp / real, 3) if real else 0.0,
            "requests": real,
        }
    confused = Counter((t, p) for t, p in zip(truth, predicted, strict=True) if t != p)
    return {
        "trained_on": len(train),
        "tested_on": len(test),
        "tested_from": test[0].at.isoformat() if test else "",
        "top1": round(sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(test), 3),
        "top3": round(sum(in_top3) / len(test), 3),
        "per_service": per_service,
        "confused": [[t, p, n] for (t, p), n in confused.most_common(10)],
    }


def triage_train(council: Council) -> TrainedModel:
    """Train the council's model now and make it the one in use."""
    started = time.perf_counter()
    # A triage service is where requests wait, never a suggestion.
    services = list(services_to_route_to(council=council).prefetch_related("questions"))
    catalogue = catalogue_texts(services)
    synonyms = search_synonyms(council=council)
    dated = history(council, services)
    model = Model.train([d.example for d in dated], catalogue, synonyms)
    figures = holdout_figures(dated, catalogue, synonyms) if len(dated) >= MIN_HISTORY else {}
    with transaction.atomic():
        TriageSettings.objects.select_for_update().get_or_create(council=council)
        latest = TrainedModel.objects.filter(council=council).aggregate(v=Max("version"))["v"]
        trained = TrainedModel.objects.create(
            council=council,
            version=(latest or 0) + 1,
            seconds=round(time.perf_counter() - started, 2),
            history_examples=len(dated),
            corrections=sum(1 for d in dated if d.example.weight > 1),
            services=len(catalogue),
            catalogue_version=str(council.catalogue_version),
            blob=model.to_bytes(),
            holdout=figures,
        )
        TriageSettings.objects.filter(council=council).update(retrain_requested_at=None)
        # Keep the one in use and the one before it (to compare); older ones go.
        TrainedModel.objects.filter(council=council, version__lt=trained.version - 1).delete()
    return trained


def triage_retrain_request(council: Council) -> None:
    """Ask the worker to train the council's model on its next round."""
    settings_of(council)
    TriageSettings.objects.filter(council=council).update(retrain_requested_at=timezone.now())


def needs_training(council: Council, triage: TriageSettings) -> bool:
    if not triage.enabled:
        return False
    latest = (
        TrainedModel.objects.filter(council=council).only("trained_at", "catalogue_version").first()
    )
    if latest is None or triage.retrain_requested_at is not None:
        return True
    if latest.catalogue_version != str(council.catalogue_version):
        return True
    return timezone.now() - latest.trained_at >= dt.timedelta(hours=settings.TRIAGE_RETRAIN_HOURS)


def train_job() -> int:
    """The insight worker's job: train each council's model when it has none, when asked,
    when the catalogue changed, and otherwise every ``TRIAGE_RETRAIN_HOURS``."""
    done = 0
    for council in Council.objects.filter(is_active=True):
        triage = settings_of(council)
        if not needs_training(council, triage):
            continue
        try:
            triage_train(council)
        except TrainingError:
            continue  # fewer than two services with words: nothing to suggest between
        except Exception:
            logger.exception("training the free-text model for council %s failed", council.pk)
            continue
        done += 1
    return done


def _retrain_council(council_id: int) -> int:
    """Ask for a new training without the removed words; the model in use (which may
    hold a word from them) is replaced on the worker's next round."""
    return TriageSettings.objects.filter(council_id=council_id).update(
        retrain_requested_at=timezone.now()
    )


def training_forget_expired(council_id: int, references: Sequence[str]) -> int:
    return _retrain_council(council_id) if references else 0


def training_forget_erased(keys: PersonKeys) -> int:
    return _retrain_council(keys.council_id)
