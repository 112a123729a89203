"""The product's linkage model: Splink (pinned, docs/adr/0009-record-linkage.md) on DuckDB,
with comparisons suited to UK records about people.

- Names: first name and surname each by exact match (with term-frequency adjustments:
  "Smith" agreeing says less than "Oyelaran"), then Jaro-Winkler bands.
- Date of birth: exact; day and month swapped (an American-ordered form, or a typist);
  one character apart; within a year; else.
- The address as **one** comparison: the same UPRN; the same postcode and house number;
  the same postcode; the same street and number (exactly, then nearly: a typo in the
  postcode, or none); the same street; else.
  Postcode, house number, street and UPRN are correlated, and comparing them apart would
  count one agreement several times over and over-link households.
- Email and phone: exact (with term frequencies: a shared office number says little).

u-probabilities come from random sampling within a pair budget; m-probabilities from
expectation-maximisation on two blocking rules, each estimating what the other cannot;
the share of pairs that match from deterministic rules. The same blocking rules serve
prediction, so that the matcher at the moment of contact sees what the batch run sees.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jellyfish
import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.internals.exceptions import EMTrainingException

MATCH_THRESHOLD = 0.9  # match probability at or above which two records are one person
REVIEW_THRESHOLD = 0.5  # between this and the match threshold: a person decides
PAIR_BUDGET = 2_000_000  # pairs sampled to estimate u


def _eq(left: Any, right: Any) -> bool:
    """SQL's equality: nothing equals a missing value."""
    return left is not None and right is not None and left == right


def _jaro_winkler(left: Any, right: Any, at_least: float) -> bool:
    if left is None or right is None:
        return False
    return bool(jellyfish.jaro_winkler_similarity(left, right) >= at_least)


def _date(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


# Each comparison's levels in Splink's SQL and, beside each, the same test in Python (each
# takes the two records' values), for the matcher at the moment of contact
# (``linkage.matcher``); tests check that the two agree on every pair.
Test = Callable[[dict[str, Any], dict[str, Any]], bool]


def _names(column: str) -> tuple[Any, list[Test]]:
    c = column
    comparison = cl.CustomComparison(
        output_column_name=column,
        comparison_description=f"{column}: exact, then Jaro-Winkler bands",
        comparison_levels=[
            cll.NullLevel(column),
            cll.ExactMatchLevel(column).configure(tf_adjustment_column=column),
            cll.JaroWinklerLevel(column, 0.92),
            cll.JaroWinklerLevel(column, 0.8),
            cll.ElseLevel(),
        ],
    )
    return comparison, [
        lambda a, b: a[c] is None or b[c] is None,
        lambda a, b: _eq(a[c], b[c]),
        lambda a, b: _jaro_winkler(a[c], b[c], 0.92),
        lambda a, b: _jaro_winkler(a[c], b[c], 0.8),
        lambda a, b: True,
    ]


def _swapped(left: str, right: str) -> bool:
    return left[:4] == right[:4] and left[5:7] == right[8:10] and left[8:10] == right[5:7]


def _within_a_year(left: str, right: str) -> bool:
    a, b = _date(left), _date(right)
    return a is not None and b is not None and abs((a - b).days) <= 366


def _date_of_birth() -> tuple[Any, list[Test]]:
    swapped = (
        "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) "
        "AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
        "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)"
    )
    comparison = cl.CustomComparison(
        output_column_name="dob",
        comparison_description="Date of birth: exact, day and month swapped, a typo, a year",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            cll.CustomLevel(swapped, label_for_charts="Day and month swapped"),
            cll.DamerauLevenshteinLevel("dob", 1),
            cll.AbsoluteDateDifferenceLevel(
                "dob", input_is_string=True, threshold=366, metric="day"
            ).configure(label_for_charts="Within a year"),
            cll.ElseLevel(),
        ],
    )
    return comparison, [
        lambda a, b: a["dob"] is None or b["dob"] is None,
        lambda a, b: a["dob"] == b["dob"],
        lambda a, b: _swapped(a["dob"], b["dob"]),
        lambda a, b: jellyfish.damerau_levenshtein_distance(a["dob"], b["dob"]) <= 1,
        lambda a, b: _within_a_year(a["dob"], b["dob"]),
        lambda a, b: True,
    ]


def _nothing_to_compare(left: dict[str, Any], right: dict[str, Any]) -> bool:
    return all(left[c] is None or right[c] is None for c in ("uprn", "postcode", "street"))


def _address() -> tuple[Any, list[Test]]:
    nothing = (
        "(uprn_l IS NULL OR uprn_r IS NULL) AND (postcode_l IS NULL OR postcode_r IS NULL) "
        "AND (street_l IS NULL OR street_r IS NULL)"
    )
    comparison = cl.CustomComparison(
        output_column_name="address",
        comparison_description="The address as one comparison (its parts are correlated)",
        comparison_levels=[
            cll.CustomLevel(nothing, label_for_charts="Nothing to compare").configure(
                is_null_level=True
            ),
            cll.ExactMatchLevel("uprn"),
            cll.And(cll.ExactMatchLevel("postcode"), cll.ExactMatchLevel("house_number")),
            cll.ExactMatchLevel("postcode"),
            # A typo in the postcode, or none given: the street and number still agree.
            cll.And(cll.ExactMatchLevel("street"), cll.ExactMatchLevel("house_number")),
            cll.And(cll.JaroWinklerLevel("street", 0.9), cll.ExactMatchLevel("house_number")),
            cll.ExactMatchLevel("street"),
            cll.ElseLevel(),
        ],
    )
    return comparison, [
        _nothing_to_compare,
        lambda a, b: _eq(a["uprn"], b["uprn"]),
        lambda a, b: (
            _eq(a["postcode"], b["postcode"]) and _eq(a["house_number"], b["house_number"])
        ),
        lambda a, b: _eq(a["postcode"], b["postcode"]),
        lambda a, b: _eq(a["street"], b["street"]) and _eq(a["house_number"], b["house_number"]),
        lambda a, b: (
            _jaro_winkler(a["street"], b["street"], 0.9)
            and _eq(a["house_number"], b["house_number"])
        ),
        lambda a, b: _eq(a["street"], b["street"]),
        lambda a, b: True,
    ]


def _exact(column: str) -> tuple[Any, list[Test]]:
    c = column
    comparison = cl.ExactMatch(column).configure(term_frequency_adjustments=True)
    return comparison, [
        lambda a, b: a[c] is None or b[c] is None,
        lambda a, b: a[c] == b[c],
        lambda a, b: True,
    ]


def comparisons() -> list[tuple[Any, list[Test]]]:
    """The model's comparisons, each with its levels' tests in Python."""
    return [
        _names("first_name"),
        _names("surname"),
        _date_of_birth(),
        _address(),
        _exact("email"),
        _exact("phone"),
    ]


BLOCKING: list[Any] = [
    block_on("surname", "dob"),
    block_on("first_name", "dob"),
    block_on("postcode", "house_number"),
    block_on("first_name", "surname"),
    block_on("email"),
    block_on("phone"),
    block_on("uprn"),
]
# Each estimates the m-probabilities the other cannot (a block cannot learn about what it
# blocks on). Neither blocks on the address or the surname alone: those blocks are full of
# households (the same surname at the same address, other first names and birthdays),
# and expectation-maximisation then learns that a third of true matches have different
# dates of birth, which links whole families (measured: docs/benchmarks.md).
TRAINING_COLUMN_SETS: list[tuple[str, ...]] = [("dob",), ("first_name", "surname")]
TRAINING_BLOCKS: list[Any] = [block_on(*columns) for columns in TRAINING_COLUMN_SETS]
DETERMINISTIC: list[Any] = [
    block_on("first_name", "surname", "dob"),
    block_on("email"),
]


def settings(*, blocking: list[Any] | None = None) -> SettingsCreator:
    """The product's settings (an untrained model)."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[comparison for comparison, _tests in comparisons()],
        blocking_rules_to_generate_predictions=blocking or BLOCKING,
        retain_intermediate_calculation_columns=False,
    )


@dataclass
class Trained:
    """A trained model: Splink's settings as JSON, when and on what it was trained."""

    settings: dict[str, Any]
    trained_at: str
    records: int
    data_as_of: str = ""
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {
                "settings": self.settings,
                "trained_at": self.trained_at,
                "records": self.records,
                "data_as_of": self.data_as_of,
            }
        )


# DuckDB takes most of the machine's memory by default; linkage shares a server with the
# web processes, so it is held to this and spills the rest to disk.
DUCKDB_MEMORY = os.environ.get("LINKAGE_DUCKDB_MEMORY", "2GB")


def _duckdb() -> Any:
    import tempfile

    import duckdb

    connection = duckdb.connect(":memory:")
    connection.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
    connection.execute(f"SET temp_directory = '{tempfile.gettempdir()}/onecouncil-duckdb'")
    connection.execute("SET preserve_insertion_order = false")
    return connection


SPARK_JAVA_OPTIONS = "-Dderby.system.home={tmp}/onecouncil-spark"


def spark_session() -> Any:
    """A local Spark (PySpark, on this machine's Java) with Splink's string-similarity
    functions; a council whose records outgrow one process points ``spark.master`` at its
    cluster through ``SPARK_MASTER``."""
    import tempfile

    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    return (
        SparkSession.builder.master(os.environ.get("SPARK_MASTER", "local[2]"))
        .appName("onecouncil-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", os.environ.get("SPARK_PARTITIONS", "8"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "2g"))
        .config("spark.local.dir", f"{tempfile.gettempdir()}/onecouncil-spark")
        .config(
            "spark.driver.extraJavaOptions", SPARK_JAVA_OPTIONS.format(tmp=tempfile.gettempdir())
        )
        .getOrCreate()
    )


BACKENDS = ("duckdb", "spark")


def _database(backend: str) -> Any:
    if backend == "spark":
        from splink import SparkAPI

        spark = spark_session()
        spark.sparkContext.setLogLevel("ERROR")
        spark.sparkContext.setCheckpointDir(f"{spark.conf.get('spark.local.dir')}/checkpoints")
        return SparkAPI(spark_session=spark, break_lineage_method="persist")
    if backend != "duckdb":
        raise ValueError(f"No linkage backend {backend!r}: choose one of {', '.join(BACKENDS)}")
    return DuckDBAPI(_duckdb())


def for_backend(trained: dict[str, Any], backend: str) -> dict[str, Any]:
    """A trained model's settings in ``backend``'s SQL: the product's comparisons written
    for it, with the trained parameters copied level by level (the same model, so both
    backends give the same links)."""
    if trained.get("sql_dialect") == backend:
        return trained
    written = settings().create_settings_dict(backend)
    for mine, theirs in zip(written["comparisons"], trained["comparisons"], strict=True):
        for level, learnt in zip(
            mine["comparison_levels"], theirs["comparison_levels"], strict=True
        ):
            for key in ("m_probability", "u_probability"):
                if key in learnt:
                    level[key] = learnt[key]
    written["probability_two_random_records_match"] = trained[
        "probability_two_random_records_match"
    ]
    return written


def _quiet_linker(records: pd.DataFrame, model: Any, backend: str = "duckdb") -> Linker:
    import logging

    # Splink's own progress reports and its warnings of levels not seen in the data
    # (recorded in ``Trained.notes`` where they matter) are not for a council's log.
    if isinstance(model, dict):
        model = for_backend(model, backend)
    database = _database(backend)
    table: Any = records
    if backend == "spark":  # every column a string: a column of nothing has no type to infer
        from pyspark.sql.types import StringType, StructField, StructType

        schema = StructType([StructField(c, StringType(), True) for c in records.columns])
        rows = records.astype(object).where(records.notna(), None).values.tolist()
        table = database.spark.createDataFrame(rows, schema=schema)
    linker = Linker(table, model, database, set_up_basic_logging=False)
    logging.getLogger("splink").setLevel(logging.ERROR)
    return linker


# Expectation-maximisation compares every pair its block finds: at a million records,
# blocking on date of birth alone finds tens of millions. Above this many, training uses a
# uniform random sample of the records, which leaves what is learnt unbiased (the share of
# pairs that match, and m and u, are the same in a uniform sample) at the cost of fewer
# examples.
EM_PAIR_BUDGET = 5_000_000


def training_sample(records: pd.DataFrame, *, seed: int = 7) -> pd.DataFrame:
    """``records``, or a uniform sample of them small enough that no training block
    compares more than ``EM_PAIR_BUDGET`` pairs (pairs grow as the square of records)."""
    most = 0
    for columns in TRAINING_COLUMN_SETS:
        counts = records[list(columns)].dropna().value_counts()
        most = max(most, int((counts * (counts - 1) // 2).sum()))
    if most <= EM_PAIR_BUDGET:
        return records
    share = (EM_PAIR_BUDGET / most) ** 0.5
    return records.sample(frac=share, random_state=seed).reset_index(drop=True)


def train(
    records: pd.DataFrame,
    *,
    model: SettingsCreator | None = None,
    pair_budget: int = PAIR_BUDGET,
    data_as_of: str = "",
    seed: int = 7,
    backend: str = "duckdb",
) -> Trained:
    """Train on ``records`` (``standardise.COLUMNS``): u by random sampling within the
    pair budget, m by expectation-maximisation on the training blocks, the prior from the
    deterministic rules."""
    notes = []
    sample = training_sample(records, seed=seed)
    if len(sample) < len(records):
        notes.append(
            f"Trained on a random {len(sample):,} of the {len(records):,} records, so that "
            f"no expectation-maximisation block compares more than {EM_PAIR_BUDGET:,} pairs."
        )
    linker = _quiet_linker(sample, model or settings(), backend)
    linker.training.estimate_probability_two_random_records_match(DETERMINISTIC, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=pair_budget, seed=seed)
    for rule in TRAINING_BLOCKS:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, fix_probability_two_random_records_match=True
            )
        except EMTrainingException as error:  # no pairs agree on it (no postcodes, say)
            notes.append(f"{rule.get_blocking_rule('duckdb').blocking_rule_sql}: {error}"[:300])
    return Trained(
        settings=linker.misc.save_model_to_json(),
        trained_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        records=len(records),
        data_as_of=data_as_of,
        notes=notes,
    )


def predict(
    records: pd.DataFrame,
    trained: Trained,
    *,
    threshold: float = REVIEW_THRESHOLD,
    backend: str = "duckdb",
) -> pd.DataFrame:
    """The pairs at or above ``threshold`` match probability: unique_id_l, unique_id_r,
    match_weight, match_probability."""
    linker = _quiet_linker(records, trained.settings, backend)
    found = linker.inference.predict(threshold_match_probability=threshold)
    frame = found.as_pandas_dataframe()
    return frame[["unique_id_l", "unique_id_r", "match_weight", "match_probability"]]


def clusters(
    records: pd.DataFrame, pairs: pd.DataFrame, *, threshold: float = MATCH_THRESHOLD
) -> dict[str, str]:
    """Each record's cluster (the smallest unique id in its connected group of pairs at
    or above ``threshold``); a record with no such pair is its own."""
    parent: dict[str, str] = {uid: uid for uid in records["unique_id"]}

    def root(uid: str) -> str:
        while parent[uid] != uid:
            parent[uid] = parent[parent[uid]]
            uid = parent[uid]
        return uid

    strong = pairs[pairs["match_probability"] >= threshold]
    for left, right in zip(strong["unique_id_l"], strong["unique_id_r"], strict=True):
        a, b = root(str(left)), root(str(right))
        if a != b:
            parent[max(a, b)] = min(a, b)
    return {uid: root(uid) for uid in parent}
