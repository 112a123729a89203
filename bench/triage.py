"""Free-text triage: suggestion latency and training time, each beside plain TF-IDF with
logistic regression measured in the same run (this machine is noisy).

    .venv/bin/python bench/triage.py [--history 6000] [--train-rows 100000] [--csv FILE]

1. Builds the demo councils in a fresh SQLite database (``load_demo``, which trains each
   council's model), then asks ``suggest_services`` (what the start page, the advisers'
   page and the triage queue call: settings, the model in use, the council's services)
   for suggestions for 500 real residents' descriptions, one at a time, and reports p50
   and p95. Beside it: a plain TF-IDF + logistic regression pipeline trained on the same
   council's history, predicting one text at a time.
2. Trains the product's model on ``--train-rows`` labelled texts drawn from the labelled
   CSV (by default the NYC 311 file in ../shared/data, categories with at least 30 rows,
   resampled with words dropped at random so that rows differ), and the baseline on the
   same rows, and reports both times.

Prints the figures; record them in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "nyc-311-publicstuff-2019.csv"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=6000)
    parser.add_argument("--train-rows", type=int, default=100_000)
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="oc-triage-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecouncil.config.settings")
    os.environ.setdefault("INSIGHT_DIR", str(workdir / "insight"))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from onecouncil.catalogue.selectors import services_available
    from onecouncil.core.models import Council
    from onecouncil.triage.evaluate import read_rows
    from onecouncil.triage.learn import Example, Model
    from onecouncil.triage.suggest import suggest_services
    from onecouncil.triage.training import history

    rows, _empty = read_rows(
        args.csv, text="Description", label="Title", time_column="Date Created"
    )
    texts = [r.text for r in rows]
    rng = random.Random(1)

    print(f"building the demo ({args.history} requests of history per council) ...")
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_demo", history=args.history, requests=0, stdout=quiet)
    council = Council.objects.get(slug="riverbend")
    services = list(services_available(council=council).filter(needs_triage=False))
    dated = history(council, services)
    baseline = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
    baseline.fit([d.example.text for d in dated], [d.example.label for d in dated])

    asked = rng.sample(texts, 500)
    suggest_services(council=council, text=asked[0])  # the model read once per process
    ours: list[float] = []
    theirs: list[float] = []
    for text in asked:
        started = time.perf_counter()
        suggest_services(council=council, text=text)
        ours.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        baseline.predict_proba([text])
        theirs.append((time.perf_counter() - started) * 1000)
    print("\nsuggestion latency, one text at a time (500 real descriptions):")
    print(
        f"  onecouncil suggest_services  p50 {percentile(ours, 50):6.2f} ms   "
        f"p95 {percentile(ours, 95):6.2f} ms   (settings, model, services, 3 with reasons)"
    )
    print(
        f"  plain TF-IDF + LR predict    p50 {percentile(theirs, 50):6.2f} ms   "
        f"p95 {percentile(theirs, 95):6.2f} ms   (probabilities only)"
    )

    counts = Counter(r.label for r in rows)
    frequent = [r for r in rows if counts[r.label] >= 30]
    drawn: list[Example] = []
    for _n in range(args.train_rows):
        row = rng.choice(frequent)
        words = [w for w in row.text.split() if rng.random() > 0.15] or row.text.split()
        drawn.append(Example(text=" ".join(words), label=row.label))
    catalogue = {label: [label] for label in {e.label for e in drawn}}
    print(f"\ntraining on {len(drawn)} texts, {len(catalogue)} categories:")
    started = time.perf_counter()
    Model.train(drawn, catalogue)
    ours_seconds = time.perf_counter() - started
    started = time.perf_counter()
    make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000)).fit(
        [e.text for e in drawn], [e.label for e in drawn]
    )
    theirs_seconds = time.perf_counter() - started
    print(f"  onecouncil Model.train       {ours_seconds:7.1f} s")
    print(f"  plain TF-IDF + LR fit        {theirs_seconds:7.1f} s")
    print(f"\n(median of {statistics.median(ours):.2f} ms is per suggestion, in process)")


if __name__ == "__main__":
    main()
