"""Write a synthetic, labelled UK population for ``linkage_evaluate`` and the benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onecouncil.linkage.synthetic import population, write


class Command(BaseCommand):
    help = (
        "Write a synthetic UK population (people in households, about a fifth of them again "
        "as a corrupted record) as CSV or Parquet, with the true person in `cluster`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=100_000)
        parser.add_argument("--duplicates", type=float, default=0.2)
        parser.add_argument("--seed", type=int, default=28)
        parser.add_argument("--output", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        if output.suffix.lower() not in (".csv", ".parquet"):
            raise CommandError("Give a .csv or .parquet file to write")
        if not 2 <= options["people"] <= 10_000_000:
            raise CommandError("--people must be between 2 and 10,000,000")
        if not 0 <= options["duplicates"] <= 1:
            raise CommandError("--duplicates is a share between 0 and 1")
        frame = population(
            options["people"], duplicates=options["duplicates"], seed=options["seed"]
        )
        write(frame, output)
        self.stdout.write(f"{len(frame)} records of {options['people']} people in {output}")
