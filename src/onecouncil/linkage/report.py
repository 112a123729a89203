"""What data staff see of the model: each version with its training data's date, and its
match weights and m and u probabilities per comparison level (the figures Splink's
charts draw, here as a table with a bar per level, drawn on the server: no script)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from onecouncil.cases.access import require
from onecouncil.core.models import Membership
from onecouncil.core.permissions import Permission
from onecouncil.linkage.model import for_backend
from onecouncil.linkage.models import (
    PERSON_FIELD_LABELS,
    IndexState,
    LinkModel,
    PairReview,
    ReviewStatus,
)

SCALE = 20.0  # match weight at the bar's full length either side of zero
COMPARISON_LABELS = {**PERSON_FIELD_LABELS, "address": gettext_lazy("Address (one comparison)")}


def _probability(value: float | None) -> str:
    """m and u as a person reads them: four significant figures; "< 0.0001" for the
    vanishingly small values training gives a level it never saw among matches."""
    if value is None:
        return "\N{EN DASH}"
    return "< 0.0001" if 0 < value < 0.0001 else f"{value:.4g}"


@dataclass
class LevelRow:
    label: str
    m: str
    u: str
    weight: float | None
    tf: bool
    bar_left: float  # percent of the chart's width
    bar_width: float


@dataclass
class ComparisonRows:
    name: str
    description: str
    levels: list[LevelRow]


@dataclass
class ModelReport:
    models: list[LinkModel]
    current: LinkModel | None
    prior: float | None
    comparisons: list[ComparisonRows]
    state: IndexState | None
    to_review: int


def _rows(settings: dict[str, Any]) -> tuple[float, list[ComparisonRows]]:
    from splink.internals.settings_creator import SettingsCreator

    loaded = SettingsCreator.from_path_or_dict(
        for_backend(json.loads(json.dumps(settings)), "duckdb")
    ).get_settings("duckdb")
    comparisons = []
    for comparison in loaded.comparisons:
        levels = []
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            factor = level._bayes_factor
            weight = math.log2(factor) if factor and factor > 0 and factor != math.inf else None
            clipped = max(-SCALE, min(SCALE, weight or 0.0))
            left = 50 + min(clipped, 0) / SCALE * 50
            levels.append(
                LevelRow(
                    label=level.label_for_charts,
                    m=_probability(level.m_probability),
                    u=_probability(level.u_probability),
                    weight=weight,
                    tf=bool(level._has_tf_adjustments),
                    bar_left=round(left, 2),
                    bar_width=round(abs(clipped) / SCALE * 50, 2),
                )
            )
        name = comparison.output_column_name
        comparisons.append(
            ComparisonRows(
                name=name,
                description=str(COMPARISON_LABELS.get(name, name)),
                levels=levels,
            )
        )
    return float(loaded._probability_two_random_records_match), comparisons


def model_report(*, membership: Membership) -> ModelReport:
    require(membership, Permission.MANAGE_SOURCES)
    council_id = membership.council_id
    models = list(LinkModel.objects.filter(council_id=council_id).order_by("-version")[:20])
    current = models[0] if models else None
    prior, comparisons = _rows(current.settings) if current else (None, [])
    return ModelReport(
        models=models,
        current=current,
        prior=prior,
        comparisons=comparisons,
        state=IndexState.objects.filter(council_id=council_id).first(),
        to_review=PairReview.objects.filter(
            council_id=council_id, status=ReviewStatus.PENDING
        ).count(),
    )
