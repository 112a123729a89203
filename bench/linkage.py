"""Record linkage at the moment of contact, beside Splink's own real-time path in the same
run (this machine is noisy).

    .venv/bin/python bench/linkage.py [--people 1000000] [--probes 300] [--database-url URL]

Builds a synthetic population (``linkage.synthetic``: ``--people`` people, a fifth of them
again as a corrupted record) into the person index of a fresh SQLite database (or the
PostgreSQL database named by ``--database-url``, emptied first), trains the product's model
on a sample of it, then:

1. **The product's matcher** (``linkage.matcher.matches``): ``--probes`` of the corrupted
   records, each matched against the whole index as a new contact would be (its
   candidates from the index's database indexes, scored in Python); p50 and p95.
2. **Splink's real-time path**: ``find_matches_to_new_records`` with the same trained
   model and the same blocking rules, on a linker holding the same records in DuckDB
   (term-frequency tables computed once beforehand, as its documentation advises);
   p50 and p95 over a third as many probes.
3. Whether the two agree: for each probe, the best match of each at or above the match
   threshold.

Prints the figures; record them in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setup(database_url: str | None) -> None:
    folder = Path(tempfile.mkdtemp(prefix="oc-bench-linkage-"))
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ.setdefault("ONECOUNCIL_VAR_DIR", str(folder))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onecouncil.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    if database_url:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)


def _quantiles(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--probes", type=int, default=300)
    parser.add_argument("--train-on", type=int, default=100_000)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    _setup(options.database_url)

    import pandas as pd
    from django.db import connection
    from django.utils import timezone

    from onecouncil.core.models import Council
    from onecouncil.linkage import model as linkage_model
    from onecouncil.linkage.index import TF_COLUMNS
    from onecouncil.linkage.matcher import matches
    from onecouncil.linkage.models import LinkModel, LinkRecord
    from onecouncil.linkage.standardise import COLUMNS, PERSON_FIELDS, standard
    from onecouncil.linkage.synthetic import population

    started = time.perf_counter()
    raw = population(options.people)
    records = pd.DataFrame(
        [standard(r) for r in raw.drop(columns=["cluster"]).to_dict("records")],
        columns=list(COLUMNS),
    )
    records = records.astype(object).where(records.notna(), None)
    print(
        f"{len(records):,} records of {options.people:,} people made in "
        f"{time.perf_counter() - started:.0f} s ({connection.vendor})"
    )
    council = Council.objects.create(slug="bench", name="Bench", reference_prefix="BCH")
    started = time.perf_counter()
    batch = []
    for row in records.to_dict("records"):
        batch.append(
            LinkRecord(
                council=council,
                key=row["unique_id"],
                kind="source",
                ref_id=0,
                digest="",
                **{f: row[f] for f in PERSON_FIELDS},
            )
        )
        if len(batch) == 10_000:
            LinkRecord.objects.bulk_create(batch)
            batch = []
    LinkRecord.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE linkage_linkrecord")
    print(f"index loaded in {time.perf_counter() - started:.0f} s")

    started = time.perf_counter()
    sample = records.sample(n=min(options.train_on, len(records)), random_state=1)
    trained = linkage_model.train(sample, pair_budget=2_000_000)
    chosen = LinkModel.objects.create(
        council=council,
        version=1,
        data_as_of=timezone.now(),
        records=len(sample),
        settings=trained.settings,
        tf_totals={c: int(records[c].notna().sum()) for c in TF_COLUMNS},
    )
    print(f"trained on {len(sample):,} records in {time.perf_counter() - started:.0f} s")

    probes = records[records["unique_id"].str.startswith("d")].sample(
        n=options.probes, random_state=2
    )
    ours: list[float] = []
    best_ours: dict[str, str | None] = {}
    for probe in probes.to_dict("records"):
        began = time.perf_counter()
        found = matches(chosen, probe, exclude_key=probe["unique_id"])
        ours.append(time.perf_counter() - began)
        strong = [m for m in found if m.match_probability >= linkage_model.MATCH_THRESHOLD]
        best_ours[probe["unique_id"]] = strong[0].key if strong else None
    print(f"product's matcher, {len(ours)} probes against {len(records):,}: {_quantiles(ours)}")

    from splink import DuckDBAPI, Linker

    started = time.perf_counter()
    linker = Linker(records, trained.settings, DuckDBAPI(), set_up_basic_logging=False)
    for column in TF_COLUMNS:
        linker.table_management.compute_tf_table(column)
    print(f"Splink linker and term-frequency tables ready in {time.perf_counter() - started:.0f} s")
    theirs: list[float] = []
    agree = compared = 0
    for probe in probes.head(max(10, options.probes // 3)).to_dict("records"):
        new = dict(probe)
        new["unique_id"] = "probe-" + probe["unique_id"]
        began = time.perf_counter()
        found = linker.inference.find_matches_to_new_records(
            [new], blocking_rules=linkage_model.BLOCKING, match_weight_threshold=-4
        ).as_pandas_dataframe()
        theirs.append(time.perf_counter() - began)
        # The new record may be on either side of each pair; its original (the same
        # record, already in the index) is left out, as the product's matcher leaves it.
        found["other"] = found["unique_id_l"].where(
            found["unique_id_r"] == new["unique_id"], found["unique_id_r"]
        )
        found = found[found["other"] != probe["unique_id"]]
        strong = found[found["match_probability"] >= linkage_model.MATCH_THRESHOLD]
        strong = strong.sort_values(["match_probability", "other"], ascending=[False, True])
        best = str(strong["other"].iloc[0]) if len(strong) else None
        compared += 1
        agree += best == best_ours[probe["unique_id"]]
    print(f"Splink find_matches_to_new_records, {len(theirs)} probes: {_quantiles(theirs)}")
    print(
        f"best match at or above {linkage_model.MATCH_THRESHOLD}: the same in {agree} of {compared}"
    )


if __name__ == "__main__":
    main()
