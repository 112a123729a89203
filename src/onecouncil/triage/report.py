"""What administrators see of their council's free-text model: which it is, how it does
on held-out data, what it confuses, and how often people take its suggestions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils import timezone

from onecouncil.catalogue.selectors import services_available
from onecouncil.core.models import Council
from onecouncil.triage.models import SuggestionTaken, TrainedModel, TriageLook

ACCEPTANCE_DAYS = 90


@dataclass(frozen=True)
class ServiceFigures:
    name: str
    precision: float
    recall: float
    requests: int


@dataclass(frozen=True)
class Taken:
    channel: str
    shown: int
    accepted: int

    @property
    def percent(self) -> int:
        return round(100 * self.accepted / self.shown) if self.shown else 0


@dataclass(frozen=True)
class ModelReport:
    model: TrainedModel | None
    services: list[ServiceFigures]
    confused: list[tuple[str, str, int]]
    taken: list[Taken]
    routed_by_model: int
    waited_for_staff: int


def model_report(council: Council) -> ModelReport:
    model = TrainedModel.objects.filter(council=council).defer("blob").first()
    names = {s.code: s.name for s in services_available(council=council)}
    holdout: dict[str, Any] = model.holdout if model is not None else {}
    services = [
        ServiceFigures(
            name=names.get(code, code),
            precision=figures["precision"],
            recall=figures["recall"],
            requests=figures["requests"],
        )
        for code, figures in sorted(
            holdout.get("per_service", {}).items(), key=lambda item: names.get(item[0], item[0])
        )
    ]
    confused = [(names.get(t, t), names.get(p, p), n) for t, p, n in holdout.get("confused", [])]
    since = timezone.now() - dt.timedelta(days=ACCEPTANCE_DAYS)
    taken: dict[str, list[int]] = {}
    for row in SuggestionTaken.objects.filter(council=council, created_at__gte=since).values(
        "channel", "chosen", "suggested"
    ):
        counts = taken.setdefault(row["channel"], [0, 0])
        counts[0] += 1
        counts[1] += int(row["chosen"] in row["suggested"])
    looks = TriageLook.objects.filter(council=council, looked_at__gte=since)
    routed = looks.exclude(routed_to="").aggregate(n=Count("pk"))["n"]
    return ModelReport(
        model=model,
        services=services,
        confused=confused,
        taken=[Taken(channel, shown, accepted) for channel, (shown, accepted) in taken.items()],
        routed_by_model=routed,
        waited_for_staff=looks.filter(routed_to="").count(),
    )
