"""The free-text model on its own: catalogue-only, with history, reasons, keeping."""

from __future__ import annotations

import json
import random
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from onecouncil.catalogue.search import Synonym
from onecouncil.triage.learn import Example, Model, TrainingError

CATALOGUE = {
    "missed-bin": ["Missed bin collection", "Report a bin we did not empty on collection day"],
    "pothole": ["Pothole", "Report a hole or crack in the road surface"],
    "street-light": ["Street light fault", "A street lamp that is out, flickering or on all day"],
    "fly-tipping": ["Fly-tipping", "Rubbish dumped illegally on the street or land"],
}


def test_a_council_with_no_history_gets_suggestions_from_its_catalogue():
    model = Model.train([], CATALOGUE)
    top = model.suggest("the bin men didnt come on tuesday, bin not collected")
    assert top[0].label == "missed-bin"
    assert model.suggest("big hole in the road")[0].label == "pothole"
    assert len(top) == 3
    assert top[0].probability > top[1].probability >= top[2].probability


def test_reasons_are_the_residents_own_words():
    model = Model.train([], CATALOGUE)
    best = model.suggest("Our bins were not collected again")[0]
    assert best.label == "missed-bin"
    assert best.reasons
    typed = "our bins were not collected again"
    assert all(reason in typed for reason in best.reasons)


def test_synonyms_carry_residents_words_to_the_catalogues():
    plain = Model.train([], CATALOGUE)
    with_synonym = Model.train(
        [], CATALOGUE, synonyms=[Synonym(term=("lamppost",), means="street light")]
    )
    text = "lamppost outside number 4"
    assert with_synonym.suggest(text)[0].label == "street-light"
    assert with_synonym.suggest(text)[0].probability > plain.suggest(text)[0].probability


def test_history_teaches_what_the_catalogue_does_not_say():
    # Residents call a dumped mattress "fly-tipping" without any of the catalogue's words.
    history = [
        Example(text=f"old mattress left by the garages {n}", label="fly-tipping") for n in range(8)
    ] + [Example(text=f"lamp flickering all night {n}", label="street-light") for n in range(8)]

    def chance(model: Model) -> float:
        row = model.probabilities(["a mattress by the garages"])[0]
        return float(row[model.labels.index("fly-tipping")])

    learnt = Model.train(history, CATALOGUE)
    assert learnt.suggest("a mattress by the garages")[0].label == "fly-tipping"
    assert chance(learnt) > chance(Model.train([], CATALOGUE))


def test_a_correction_counts_more_than_a_request():
    history = [Example(text="overflowing bin on the corner", label="missed-bin")] * 3 + [
        Example(text="overflowing bin on the corner", label="fly-tipping", weight=3.0)
    ] * 2
    plain = [Example(text=e.text, label=e.label) for e in history]
    text = "overflowing bin on the corner"
    assert Model.train(plain, CATALOGUE).suggest(text)[0].label == "missed-bin"
    assert Model.train(history, CATALOGUE).suggest(text)[0].label == "fly-tipping"


def test_kept_and_read_back_gives_the_same_answers():
    model = Model.train([], CATALOGUE)
    again = Model.from_bytes(model.to_bytes())
    assert again.suggest("pot hole in road") == model.suggest("pot hole in road")


def test_nothing_to_learn_from_is_a_clear_error():
    with pytest.raises(TrainingError):
        Model.train([], {"only": ["One service"]})
    assert Model.train([], CATALOGUE).suggest("   ") == []


def _labelled_csv(tmp_path, rows=600):
    """Four categories, residents' varied wording with typos, dated in order."""
    phrasing = {
        "Missed bin": ["bin not collected", "bins wasnt emptied", "rubbish colection missed"],
        "Pothole": ["pothole in road", "hole in the raod", "crater on street surface"],
        "Street light": ["street light out", "lamp post not working", "streetlight flickers"],
        "Graffiti": ["graffiti on wall", "tagging sprayed on shop", "grafitti on bridge"],
    }
    rng = random.Random(7)
    lines = ["when,words,category"]
    for n in range(rows):
        category = rng.choice(sorted(phrasing))
        text = f"{rng.choice(phrasing[category])} near number {rng.randint(1, 99)}"
        lines.append(f"{1500000000 + n * 60},{text},{category}")
    lines.append(f"{1500000000 + rows * 60},,Pothole")
    path = tmp_path / "labelled.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_triage_evaluate_scores_the_product_and_the_baseline_on_a_time_split(tmp_path):
    out = StringIO()
    call_command(
        "triage_evaluate",
        csv=str(_labelled_csv(tmp_path)),
        text_column="words",
        label_column="category",
        time_column="when",
        stdout=out,
    )
    figures = json.loads(out.getvalue())
    assert figures["rows_without_text"] == 1
    split = figures["all_categories"]
    assert (split["train_rows"], split["test_rows"]) == (480, 120)
    assert split["onecouncil"]["top1"] > 0.9
    assert split["onecouncil"]["top3"] >= split["onecouncil"]["top1"]
    assert 0 <= split["baseline_tfidf_logistic_regression"]["top1"] <= 1
    assert "top3_gain_points" in split


def test_triage_evaluate_explains_a_wrong_column(tmp_path):
    with pytest.raises(CommandError, match="No column named nope"):
        call_command(
            "triage_evaluate",
            csv=str(_labelled_csv(tmp_path, rows=20)),
            text_column="nope",
            label_column="category",
            time_column="when",
        )
