"""The matcher at the moment of contact: one record against the person index, scored by
the trained model exactly as the batch run scores it, in a few milliseconds.

Candidates come from the index's own database indexes, one per blocking rule (the batch
run's rules: a record the batch run would compare, the matcher compares); each candidate
is scored in Python with the model's parameters as Splink reads them (its Bayes factors,
its term-frequency adjustments, each level tested by the Python twin of its SQL in
``linkage.model``). Splink's own real-time path (``find_matches_to_new_records``) builds
and runs a SQL pipeline per call; this needs no SQL engine beyond the index lookups.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db.models import Count

from onecouncil.linkage.model import BLOCKING, comparisons, for_backend
from onecouncil.linkage.models import LinkModel, LinkRecord
from onecouncil.linkage.standardise import PERSON_FIELDS

MAX_CANDIDATES = 2000


@dataclass(frozen=True)
class Level:
    bayes_factor: float
    tf_column: str | None
    tf_weight: float
    tf_u_exact: float | None
    tf_minimum_u: float


@dataclass(frozen=True)
class Scorer:
    prior_odds: float
    levels: list[list[Level]]  # per comparison, in order
    tf_totals: dict[str, int]  # non-missing values per term-frequency column

    @property
    def tf_columns(self) -> list[str]:
        return sorted({lv.tf_column for comp in self.levels for lv in comp if lv.tf_column})


def _blocking_columns() -> list[tuple[str, ...]]:
    """The columns each blocking rule requires to be equal (``block_on`` rules)."""
    rules = []
    for rule in BLOCKING:
        sql = rule.get_blocking_rule("duckdb").blocking_rule_sql
        columns = tuple(
            part.split(".")[1].strip('"')
            for part in sql.replace("(", " ").replace(")", " ").split()
            if part.startswith("l.")
        )
        rules.append(columns)
    return rules


BLOCKS = _blocking_columns()


@lru_cache(maxsize=32)
def _scorer_of(settings_json: str, totals: tuple[tuple[str, int], ...]) -> Scorer:
    import json

    from splink.internals.settings_creator import SettingsCreator

    settings = SettingsCreator.from_path_or_dict(
        for_backend(json.loads(settings_json), "duckdb")
    ).get_settings("duckdb")
    levels: list[list[Level]] = []
    for comparison in settings.comparisons:
        these = comparison.comparison_levels
        mine = []
        for level in these:
            if level.is_null_level:
                mine.append(Level(1.0, None, 0.0, None, 0.0))
                continue
            factor = level._bayes_factor
            tf = level._has_tf_adjustments and level._tf_adjustment_weight != 0
            mine.append(
                Level(
                    bayes_factor=1.0 if factor is None else float(factor),
                    tf_column=level._tf_adjustment_input_column_name if tf else None,
                    tf_weight=float(level._tf_adjustment_weight),
                    tf_u_exact=level._u_probability_corresponding_to_exact_match(these)
                    if tf
                    else None,
                    tf_minimum_u=float(level._tf_minimum_u_value),
                )
            )
        levels.append(mine)
    prior = settings._probability_two_random_records_match
    return Scorer(prior_odds=prior / (1 - prior), levels=levels, tf_totals=dict(totals))


def scorer(model: LinkModel) -> Scorer:
    import json

    totals = tuple(sorted((model.tf_totals or {}).items()))
    return _scorer_of(json.dumps(model.settings, sort_keys=True), totals)


TESTS = [tests for _comparison, tests in comparisons()]


def score(
    scorer: Scorer,
    left: dict[str, Any],
    right: dict[str, Any],
    frequencies: dict[str, dict[str, int]],
) -> tuple[float, float]:
    """The match weight and probability of two records (``standardise.COLUMNS``);
    ``frequencies`` counts each term-frequency column's values in the index."""
    odds = scorer.prior_odds
    for levels, tests in zip(scorer.levels, TESTS, strict=True):
        for level, test in zip(levels, tests, strict=True):
            if not test(left, right):
                continue
            odds *= level.bayes_factor
            if level.tf_column and level.tf_u_exact is not None:
                column = level.tf_column
                total = scorer.tf_totals.get(column) or 0
                counts = frequencies.get(column, {})
                tfs = [
                    counts.get(v, 0) / total
                    for v in (left.get(column), right.get(column))
                    if v is not None and total and counts.get(v)
                ]
                if tfs:
                    divisor = max(max(tfs), level.tf_minimum_u)
                    odds *= (level.tf_u_exact / divisor) ** level.tf_weight
            break
    if math.isinf(odds):
        return math.inf, 1.0
    weight = math.log2(odds) if odds > 0 else -math.inf
    return weight, odds / (1 + odds)


def frequencies_of(
    council_id: int, scorer: Scorer, records: list[dict[str, Any]]
) -> dict[str, dict[str, int]]:
    """How often each of these records' values of the term-frequency columns occurs in the
    index (one indexed count per column)."""
    counted: dict[str, dict[str, int]] = {}
    for column in scorer.tf_columns:
        values = sorted({r[column] for r in records if r.get(column) is not None})
        if not values:
            counted[column] = {}
            continue
        rows = (
            LinkRecord.objects.filter(council_id=council_id, **{f"{column}__in": values})
            .order_by()
            .values_list(column)
            .annotate(n=Count("pk"))
        )
        counted[column] = dict(rows)
    return counted


def candidates(council_id: int, record: dict[str, Any], *, exclude_key: str = "") -> list[dict]:
    """The index's records that share a blocking rule's values with ``record``: one
    query per rule, each answered by that rule's own index, joined by UNION (an OR of
    the rules would be read by scanning the council's records)."""
    fields = ("pk", "key", "person_id", *PERSON_FIELDS)
    chosen = None
    for columns in BLOCKS:
        values = [record.get(c) for c in columns]
        if any(v is None for v in values):
            continue
        rule = (
            LinkRecord.objects.filter(
                council_id=council_id, **dict(zip(columns, values, strict=True))
            )
            .exclude(key=exclude_key)
            .values(*fields)
        )
        chosen = rule if chosen is None else chosen.union(rule)
    if chosen is None:
        return []
    return list(chosen[:MAX_CANDIDATES])


@dataclass(frozen=True)
class Match:
    record_id: int
    key: str
    person_id: int | None
    match_weight: float
    match_probability: float


def matches(
    model: LinkModel, record: dict[str, Any], *, exclude_key: str = "", threshold: float = 0.0
) -> list[Match]:
    """The index's records that ``record`` may be, best first, at or above
    ``threshold`` match probability."""
    chosen = scorer(model)
    found = candidates(model.council_id, record, exclude_key=exclude_key)
    if not found:
        return []
    frequencies = frequencies_of(model.council_id, chosen, [record, *found])
    scored = []
    for other in found:
        weight, probability = score(chosen, record, other, frequencies)
        if probability >= threshold:
            scored.append(Match(other["pk"], other["key"], other["person_id"], weight, probability))
    return sorted(scored, key=lambda m: (-m.match_probability, m.key))
