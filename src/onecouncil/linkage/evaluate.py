"""Measuring the product's linkage on labelled data (``linkage_evaluate``): the product's
own model (``linkage.model``, not a copy) as a deduplication, beside plain Splink with
default-style settings (its library comparisons, each column on its own, no
term-frequency adjustments) on the same blocking and the same training steps, in the same
run. Each runs in a process of its own so that its peak memory is its own.

Nothing here (or in ``model`` and ``standardise``) imports Django, so the runs can be
spawned as fresh processes."""

from __future__ import annotations

import multiprocessing
import resource
import time
from pathlib import Path
from queue import Empty
from typing import Any

import pandas as pd

from onecouncil.linkage import model
from onecouncil.linkage.standardise import COLUMNS, PERSON_FIELDS, standard

OPTIONAL = ("email", "phone", "uprn")
REQUIRED = ("unique_id", "cluster", *(f for f in PERSON_FIELDS if f not in OPTIONAL))


class InputError(ValueError):
    pass


def read_labelled(path: Path) -> tuple[pd.DataFrame, pd.Series]:
    """The file's records in the standard shape, and each record's true cluster."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        raw = pd.read_parquet(path)
    elif suffix == ".csv":
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    else:
        raise InputError(f"{path.name}: give a .csv or .parquet file")
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise InputError(f"{path.name} has no column {', '.join(missing)}")
    if raw["unique_id"].duplicated().any():
        first = raw["unique_id"][raw["unique_id"].duplicated()].iloc[0]
        raise InputError(f"unique_id {first} appears more than once")
    for column in OPTIONAL:
        if column not in raw.columns:
            raw[column] = None
    records = pd.DataFrame(
        [standard(row) for row in raw[list(REQUIRED) + list(OPTIONAL)].to_dict("records")],
        columns=list(COLUMNS),
    )
    return records, raw["cluster"].astype(str).set_axis(records["unique_id"])


def plain_settings() -> Any:
    """Plain Splink, default-style: its library comparisons, a column each."""
    import splink.comparison_library as cl
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("postcode"),
            cl.ExactMatch("house_number"),
            cl.ExactMatch("street"),
            cl.ExactMatch("uprn"),
            cl.ExactMatch("email"),
            cl.ExactMatch("phone"),
        ],
        blocking_rules_to_generate_predictions=model.BLOCKING,
    )


def pair_scores(truth: pd.Series, found: dict[str, str]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of clusters against the true ones."""
    frame = pd.DataFrame({"true": truth.values, "found": [found[uid] for uid in truth.index]})

    def pairs(sizes: pd.Series) -> int:
        return int((sizes * (sizes - 1) // 2).sum())

    true_pairs = pairs(frame.groupby("true").size())
    found_pairs = pairs(frame.groupby("found").size())
    both = pairs(frame.groupby(["true", "found"]).size())
    precision = both / found_pairs if found_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "true_pairs": true_pairs,
        "found_pairs": found_pairs,
    }


def _run(which: str, records: pd.DataFrame, pair_budget: int, out: Any) -> None:
    began = time.perf_counter()
    trained = model.train(
        records,
        model=model.settings() if which == "onecouncil" else plain_settings(),
        pair_budget=pair_budget,
    )
    trained_in = time.perf_counter() - began
    began = time.perf_counter()
    pairs = model.predict(records, trained, threshold=model.REVIEW_THRESHOLD)
    found = model.clusters(records, pairs, threshold=model.MATCH_THRESHOLD)
    predicted_in = time.perf_counter() - began
    out.put(
        {
            "found": found,
            "training_seconds": round(trained_in, 2),
            "prediction_seconds": round(predicted_in, 2),
            "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    )


def evaluate(path: Path, *, pair_budget: int = model.PAIR_BUDGET) -> dict[str, Any]:
    records, truth = read_labelled(path)
    result: dict[str, Any] = {
        "input": path.name,
        "records": len(records),
        "true_clusters": int(truth.nunique()),
    }
    # Spawned, not forked: a fork of a process with threads (DuckDB's, a database
    # driver's) can crash the child. This module and the model import nothing of Django.
    context = multiprocessing.get_context("spawn")
    for which in ("onecouncil", "plain_splink"):
        queue = context.Queue()
        process = context.Process(target=_run, args=(which, records, pair_budget, queue))
        process.start()
        measured = None
        while measured is None:
            try:
                measured = queue.get(timeout=1)
            except Empty:
                if not process.is_alive():
                    raise RuntimeError(
                        f"the {which} run failed (exit {process.exitcode})"
                    ) from None
        process.join()
        found = measured.pop("found")
        result[which] = {**pair_scores(truth, found), **measured}
    return result
