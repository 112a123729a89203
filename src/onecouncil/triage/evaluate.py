"""Judging the free-text model on labelled data it has not seen.

The rows are ordered by time; the model learns from the earliest part and is scored on
the newest (``test_fraction``), as it would be used: trained on the past, asked about
what comes next. Beside it, in the same run and on the same split, plain TF-IDF with
logistic regression (scikit-learn's defaults), the baseline Signalen uses. Rows with no
text are left out of both and counted.

A labelled file has no catalogue, so the product's model gets the one thing a catalogue
always has: each category's own name, as its catalogue text.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline

from onecouncil.triage.learn import Example, Model

FREQUENT = 30


@dataclass(frozen=True)
class Row:
    text: str
    label: str
    at: float


class EvaluationError(ValueError):
    pass


def _moment(value: str) -> float:
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(value).timestamp()
    except ValueError as error:
        raise EvaluationError(f"Cannot read {value!r} as a time") from error


def read_rows(path: Path, *, text: str, label: str, time_column: str) -> tuple[list[Row], int]:
    """The usable rows, oldest first, and how many had no text."""
    rows: list[Row] = []
    empty = 0
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {text, label, time_column} - set(reader.fieldnames or [])
        if missing:
            raise EvaluationError(f"No column named {', '.join(sorted(missing))} in {path}")
        for n, record in enumerate(reader, start=2):
            words = (record[text] or "").strip()
            category = (record[label] or "").strip()
            if not category:
                raise EvaluationError(f"Row {n} has no {label}")
            if not words:
                empty += 1
                continue
            try:
                at = _moment(record[time_column] or "")
            except EvaluationError as error:
                raise EvaluationError(f"Row {n}: {error}") from error
            rows.append(Row(text=words, label=category, at=at))
    rows.sort(key=lambda r: r.at)
    return rows, empty


def _scores(probabilities: np.ndarray, labels: Sequence[str], truth: Sequence[str]) -> dict:
    order = np.argsort(-probabilities, axis=1)[:, :3]
    names = np.array(labels)
    top1 = names[order[:, 0]]
    top3 = [set(names[row]) for row in order]
    return {
        "top1": round(float(np.mean([p == t for p, t in zip(top1, truth, strict=True)])), 4),
        "top3": round(float(np.mean([t in s for s, t in zip(top3, truth, strict=True)])), 4),
        "macro_f1": round(
            float(
                f1_score(truth, top1, average="macro", labels=sorted(set(truth)), zero_division=0)
            ),
            4,
        ),
    }


def compare(rows: Sequence[Row], test_fraction: float) -> dict[str, Any]:
    """The product's model and the baseline, trained and scored on the same time split."""
    if not 0 < test_fraction < 1:
        raise EvaluationError("The test fraction must be between 0 and 1")
    cut = int(len(rows) * (1 - test_fraction))
    train, test = rows[:cut], rows[cut:]
    if len({r.label for r in train}) < 2 or not test:
        raise EvaluationError("Too few rows to split into training and test data")
    truth = [r.label for r in test]
    texts = [r.text for r in test]

    started = time.perf_counter()
    model = Model.train(
        [Example(text=r.text, label=r.label) for r in train],
        catalogue={label: [label] for label in {r.label for r in train}},
    )
    trained = time.perf_counter() - started
    started = time.perf_counter()
    ours = _scores(model.probabilities(texts), model.labels, truth)
    ours["predict_ms_per_text"] = round((time.perf_counter() - started) * 1000 / len(test), 3)
    ours["train_seconds"] = round(trained, 2)

    started = time.perf_counter()
    baseline = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
    baseline.fit([r.text for r in train], [r.label for r in train])
    base_trained = time.perf_counter() - started
    theirs = _scores(baseline.predict_proba(texts), [str(c) for c in baseline.classes_], truth)
    theirs["train_seconds"] = round(base_trained, 2)
    return {
        "train_rows": len(train),
        "test_rows": len(test),
        "categories": len({r.label for r in rows}),
        "test_categories_unseen_in_training": len({*truth} - {r.label for r in train}),
        "onecouncil": ours,
        "baseline_tfidf_logistic_regression": theirs,
        "top3_gain_points": round((ours["top3"] - theirs["top3"]) * 100, 1),
    }


def evaluate(
    path: Path, *, text: str, label: str, time_column: str, test_fraction: float = 0.2
) -> dict[str, Any]:
    """Every category, then only those with at least ``FREQUENT`` rows."""
    rows, empty = read_rows(path, text=text, label=label, time_column=time_column)
    counts = Counter(r.label for r in rows)
    frequent = [r for r in rows if counts[r.label] >= FREQUENT]
    return {
        "file": path.name,
        "rows_with_text": len(rows),
        "rows_without_text": empty,
        "test_fraction": test_fraction,
        "all_categories": compare(rows, test_fraction),
        f"categories_with_at_least_{FREQUENT}_rows": compare(frequent, test_fraction),
    }
