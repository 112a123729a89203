"""Secondary suppression: withholding enough other counts that a withheld count cannot be
worked out from the totals published beside it.

The first rule is ``insight.suppression`` (a count below the threshold is withheld).
Published tables here add up: a service's requests in a month are the sum of its cells
by ward, and again the sum of its cells by channel. One withheld cell in such a line
would be its total minus the rest, so each line is protected as a whole
(``protect_line``):

- a line with a withheld cell gets at least two, and enough that their sum, less one
  for each of them (every withheld cell is at least 1, since a zero is never withheld),
  is more than the threshold: each withheld cell could then be anything over a range
  wider than the threshold;
- where no choice of cells can do that, the line's total is withheld too; a withheld
  total must then not be recoverable from another line that adds up to it, so each such
  line keeps at least one withheld cell.

Cells are added smallest first, so the fewest requests are hidden. The tests prove the
result with linear programming over everything published (``tests/opendata``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class Protected:
    total_withheld: bool
    withheld: list[set[int]]  # per line, the positions of its withheld cells


def _enough(cells: Sequence[int], withheld: set[int], threshold: int) -> bool:
    hidden = sum(cells[i] for i in withheld)
    return len(withheld) >= 2 and hidden - len(withheld) > threshold


def _smallest_published(cells: Sequence[int], withheld: set[int]) -> int | None:
    candidates = [(cells[i], i) for i in range(len(cells)) if cells[i] > 0 and i not in withheld]
    return min(candidates)[1] if candidates else None


def protect(total: int, lines: Sequence[Sequence[int]], threshold: int) -> Protected:
    """Which cells of lines that each add up to ``total`` to withhold, and whether the total
    itself must be withheld. Zeros are never withheld."""
    withheld = [{i for i, v in enumerate(line) if 0 < v < threshold} for line in lines]
    total_withheld = 0 < total < threshold
    changed = True
    while changed:
        changed = False
        for line, chosen in zip(lines, withheld, strict=True):
            if total_withheld:
                # The total is hidden: this line must not give it back.
                if not chosen:
                    extra = _smallest_published(line, chosen)
                    if extra is not None:
                        chosen.add(extra)
                        changed = True
                continue
            if not chosen:
                continue
            while not _enough(line, chosen, threshold):
                extra = _smallest_published(line, chosen)
                if extra is None:
                    total_withheld = True
                    changed = True
                    break
                chosen.add(extra)
    return Protected(total_withheld=total_withheld, withheld=withheld)
