"""Likely duplicates on the staff case page: open requests nearby that read alike.

The cases door chooses the candidates this member of staff may see
(``cases.access.duplicate_candidates_for_staff``); this module ranks them by nearness and
by how alike the descriptions read (difflib), and reads the chosen few whole."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from onecouncil.cases.access import duplicate_candidates_for_staff
from onecouncil.cases.models import Case
from onecouncil.core.models import Membership


@dataclass(frozen=True)
class LikelyDuplicate:
    case: Case
    metres: float
    similarity: float  # 0 to 1: how alike the two descriptions read


def likely_duplicates_for_staff(
    *, membership: Membership, case: Case, limit: int = 5
) -> list[LikelyDuplicate]:
    """Open requests this member of staff may see that are probably the same problem:
    the same or a related service, within the service's radius of the point and its
    window of the day it was reported, ranked by nearness and by how alike the
    descriptions read. Already-marked duplicates are not offered again."""
    candidates = duplicate_candidates_for_staff(membership=membership, case=case)
    near = candidates.near
    texts = {pk: _words(*words) for pk, words in candidates.words.items()}
    words = _words(case.description, case.location_description, case.answers)
    radius = max(case.service.nearby_radius_metres, 1)
    # Nearest first, so once the nearness alone, with the words a perfect match, cannot
    # beat the last of the best so far, no further request can.
    scored: list[tuple[float, int, float, float]] = []
    for position, (pk, metres) in enumerate(near):
        nearness = 0.5 * (1 - metres / radius)
        if len(scored) >= limit and nearness + 0.5 < -scored[limit - 1][0]:
            break
        similarity = _similarity(words, texts.get(pk, ""))
        scored.append((-(nearness + 0.5 * similarity), position, metres, similarity))
        scored.sort()
    chosen = {near[position][0]: similarity for _s, position, _m, similarity in scored[:limit]}
    read = candidates.whole([near[position] for _s, position, _m, _w in scored[:limit]])
    return [LikelyDuplicate(n.case, n.metres, chosen[n.case.pk]) for n in read]


def _words(description: str, place: str, answers: dict[str, Any]) -> str:
    parts = [description, place]
    parts += [str(v) for v in answers.values() if isinstance(v, str) and len(v) > 3]
    return " ".join(p for p in parts if p).lower()


def _similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a[:1000], b[:1000], autojunk=False).ratio()
