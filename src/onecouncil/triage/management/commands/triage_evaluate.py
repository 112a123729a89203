"""Score the free-text model on any labelled CSV, beside plain TF-IDF and logistic
regression trained on the same time split in the same run (onecouncil.triage.evaluate)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onecouncil.triage.evaluate import EvaluationError, evaluate


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", required=True, type=Path)
        parser.add_argument("--text-column", required=True)
        parser.add_argument("--label-column", required=True)
        parser.add_argument("--time-column", required=True)
        parser.add_argument("--test-fraction", type=float, default=0.2)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["csv"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            figures = evaluate(
                path,
                text=options["text_column"],
                label=options["label_column"],
                time_column=options["time_column"],
                test_fraction=options["test_fraction"],
            )
        except EvaluationError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(figures, indent=2))
