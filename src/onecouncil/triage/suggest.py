"""Suggesting services for what someone wrote, with the council's model in use.

A model is read from the database once per process and version (a few hundred KB to a
few MB), then kept: a suggestion costs two small queries (the council's settings, which
version is current) and the model's arithmetic (measured by bench/triage.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from onecouncil.catalogue.models import Service
from onecouncil.catalogue.selectors import services_to_route_to
from onecouncil.core.models import Council
from onecouncil.triage.learn import Model
from onecouncil.triage.models import SuggestionTaken, TrainedModel, TriageSettings

MAX_WORDS_LENGTH = 1000
_loaded: dict[int, tuple[tuple[int, object], int, Model]] = {}


@dataclass(frozen=True)
class ServiceSuggestion:
    service: Service
    probability: float
    reasons: tuple[str, ...]

    @property
    def percent(self) -> int:
        return round(self.probability * 100)

    @property
    def reason(self) -> str:
        """Why it was suggested, in the resident's own words, for pages."""
        return reason_text(self.reasons)


@dataclass(frozen=True)
class Suggestions:
    model_version: int
    items: list[ServiceSuggestion]
    threshold: float

    @property
    def confident(self) -> ServiceSuggestion | None:
        """The first suggestion, when the model is at least as sure as the council asks."""
        if self.items and self.items[0].probability >= self.threshold:
            return self.items[0]
        return None

    @property
    def codes(self) -> list[str]:
        return [s.service.code for s in self.items]


def _newest(council: Council, triage: TriageSettings | None) -> tuple[int, Model] | None:
    """The council's newest model, or None (switched off, or not trained yet)."""
    if triage is not None and not triage.enabled:
        return None
    latest = (
        TrainedModel.objects.filter(council=council)
        .order_by("-version")
        .values_list("pk", "version", "trained_at")
        .first()
    )
    if latest is None:
        return None
    pk, version, trained_at = latest
    # Keyed by the row and the moment it was trained, so a model is never mistaken for
    # another that happens to share a council id and version (a restored database).
    kept = _loaded.get(council.pk)
    if kept is None or kept[0] != (pk, trained_at):
        blob = TrainedModel.objects.filter(pk=pk).values_list("blob", flat=True)[0]
        kept = ((pk, trained_at), version, Model.from_bytes(bytes(blob)))
        _loaded[council.pk] = kept
    return kept[1], kept[2]


def threshold_for(triage: TriageSettings | None, channel: str) -> float:
    """The council's confidence threshold for a channel ("web", "email" or "api")."""
    chosen = triage if triage is not None else TriageSettings()
    return float(
        {"email": chosen.threshold_email, "api": chosen.threshold_api}.get(
            channel, chosen.threshold_web
        )
    )


def suggest_services(
    *, council: Council, text: str, channel: str = "web", k: int = 3
) -> Suggestions | None:
    """The ``k`` likeliest of the council's available services for ``text``; None when
    the council has no model in use."""
    triage = TriageSettings.objects.filter(council=council).first()
    found = _newest(council, triage)
    if found is None:
        return None
    version, model = found
    available = {s.code: s for s in services_to_route_to(council=council)}
    items: list[ServiceSuggestion] = []
    # Ask for a few more: a service withdrawn since the training is skipped.
    for suggestion in model.suggest(text[:MAX_WORDS_LENGTH], k=k + 3):
        service = available.get(suggestion.label)
        if service is not None and len(items) < k:
            items.append(ServiceSuggestion(service, suggestion.probability, suggestion.reasons))
    return Suggestions(model_version=version, items=items, threshold=threshold_for(triage, channel))


def suggestion_taken(
    *, council: Council, suggestions: Suggestions, chosen: str, channel: str
) -> None:
    """Record which service was chosen after these suggestions ("" for none of them)."""
    SuggestionTaken.objects.create(
        council=council,
        model_version=suggestions.model_version,
        channel=channel,
        suggested=suggestions.codes,
        chosen=chosen,
    )


def reason_text(reasons: tuple[str, ...]) -> str:
    """'You mentioned “bin” and “not collected”', or nothing."""
    quoted = [f"“{r}”" for r in reasons]
    if not quoted:
        return ""
    if len(quoted) == 1:
        return _("You mentioned %(first)s") % {"first": quoted[0]}
    return _("You mentioned %(first)s and %(second)s") % {
        "first": ", ".join(quoted[:-1]),
        "second": quoted[-1],
    }
