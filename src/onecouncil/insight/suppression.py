"""Statistical disclosure control: the one rule for withholding small numbers, used by
the public performance page, councillors' views of private services, and open data.

A count below the council's threshold is withheld, and so is any figure made from a group
that small (a rate, a median, a share): a rate of 1 in 2 says as much as the counts.
Withheld values are ``WITHHELD``: pages show "withheld", downloads "[c]" (the Office for
National Statistics' mark for a confidential cell).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class Withheld:
    """A value withheld because its group is too small."""

    def __str__(self) -> str:
        return "[c]"

    def __repr__(self) -> str:
        return "WITHHELD"


WITHHELD = Withheld()


@dataclass(frozen=True)
class Rule:
    """Which columns of a table are counts, and which are figures of a group (named by
    the column holding the group's size)."""

    counts: Sequence[str] = ()
    figures_of: dict[str, str] | None = None  # figure column -> its group's size column


def withheld(value: int | None, threshold: int) -> bool:
    return value is not None and 0 < value < threshold


def suppress_rows(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    rule: Rule,
    threshold: int,
    applies: Sequence[bool] | None = None,
) -> list[list[Any]]:
    """The rows with small counts and figures of small groups withheld (``WITHHELD``).
    ``applies`` says row by row whether suppression applies (all rows when not given).
    Group sizes are read before anything is withheld, so a withheld count still
    withholds the figures made from it."""
    index = {name: i for i, name in enumerate(columns)}
    out = []
    for position, row in enumerate(rows):
        values = list(row)
        if applies is None or applies[position]:
            for figure, size in (rule.figures_of or {}).items():
                if withheld(row[index[size]], threshold):
                    values[index[figure]] = WITHHELD
            for name in rule.counts:
                if withheld(row[index[name]], threshold):
                    values[index[name]] = WITHHELD
        out.append(values)
    return out
