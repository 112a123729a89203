"""Measure the product's record linkage on a labelled file, beside plain Splink."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onecouncil.linkage.evaluate import InputError, evaluate
from onecouncil.linkage.model import PAIR_BUDGET


class Command(BaseCommand):
    help = (
        "Run the product's linkage as a deduplication of a labelled CSV or Parquet file "
        "(unique_id, cluster, first_name, surname, dob, house_number, street, town, "
        "postcode; optional email, phone, uprn) and print JSON: pairwise precision, "
        "recall and F1, times and peak memory, beside plain Splink in the same run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", type=Path, required=True)
        parser.add_argument("--pair-budget", type=int, default=PAIR_BUDGET)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["input"]
        if not path.is_file():
            raise CommandError(f"There is no file {path}")
        try:
            result = evaluate(path, pair_budget=options["pair_budget"])
        except InputError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(result, indent=2))
