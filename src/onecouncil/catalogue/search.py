"""Finding a service from what a resident types: "bin not collected", "lamp post", "the pothole".

Words are folded to their stems with the Snowball English stemmer, everyday words that
carry no meaning are dropped, and the council's synonyms add the catalogue's own words
for what residents say ("lamp post" adds "street light"). Every service is then scored by
the stems it shares with the query, weighted by where they appear (a service's name and
keywords count more than its description) and by how rare they are in the catalogue
(a word every service uses, such as "report", counts for little). The best three are what
the resident sees first.

The index is built from the catalogue on each search: a council has tens of services, so
this costs well under a millisecond more than reading them (bench/frontdoor.py measures it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import snowballstemmer  # type: ignore[import-untyped]  # the package ships no type hints

# Words that say nothing about which service a resident wants. "not" stays: "not
# collected" and "not working" mean something.
_STOP_WORDS_TEXT = """
    a about above after again all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into
    is it its itself just me more most my myself no nor of off on once only or other our
    ours ourselves out over own same she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours
    yourself yourselves im ive id dont didnt doesnt wasnt werent isnt cant couldnt wont
    please want need needs needed help get got like someone somebody anyone today
    yesterday still keep keeps kept also really lot lots thing things theres
    """
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_stemmer = snowballstemmer.stemmer("english")

# Where a word appears decides how much it counts.
NAME_WEIGHT = 3.0
KEYWORD_WEIGHT = 3.0
GROUP_WEIGHT = 1.0
DESCRIPTION_WEIGHT = 1.0


def words(text: str) -> list[str]:
    """Lower-case words, apostrophes dropped ("wasn't" is "wasnt") and hyphens split."""
    return _WORD.findall(text.lower().replace("'", "").replace("\u2019", ""))


def stem(word: str) -> str:
    """One lower-case word's stem ("collected" is "collect")."""
    return str(_stemmer.stemWord(word))


def stems(text: str) -> list[str]:
    """The stems of the words in ``text`` that carry meaning."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS]


@dataclass(frozen=True)
class Synonym:
    term: tuple[str, ...]
    means: str


def expand(text: str, synonyms: Iterable[Synonym]) -> str:
    """The query with the meaning of every synonym whose words it contains appended."""
    typed = words(text)
    added: list[str] = []
    for synonym in synonyms:
        n = len(synonym.term)
        if any(tuple(typed[i : i + n]) == synonym.term for i in range(len(typed) - n + 1)):
            added.append(synonym.means)
    return " ".join([text, *added])


@dataclass
class Document:
    """One service as the search sees it: the weight of each stem it contains."""

    key: object
    weights: dict[str, float] = field(default_factory=dict)

    def add(self, text: str, weight: float) -> None:
        for stem in stems(text):
            self.weights[stem] = max(self.weights.get(stem, 0.0), weight)


# The relevance floor: a service is a match only when a word of the query (or of the
# council's synonyms for it) is in its name or keywords. A word shared only with a
# description ("blocking" in the fallen tree's) is not enough: with nothing better, the
# resident is told how else to reach the council instead of shown something unrelated.
STRONG_WEIGHT = min(NAME_WEIGHT, KEYWORD_WEIGHT)


def rank(documents: Sequence[Document], query: str) -> list[tuple[object, float]]:
    """Documents that share a stem with ``query`` in their name or keywords (the floor
    above), best first, with their scores."""
    query_stems = set(stems(query))
    if not query_stems or not documents:
        return []
    total = len(documents)
    frequency = {s: sum(1 for d in documents if s in d.weights) for s in query_stems}
    scored: list[tuple[object, float]] = []
    for document in documents:
        score = 0.0
        strong = False
        for stem in query_stems:
            weight = document.weights.get(stem)
            if weight:
                score += weight * math.log(1 + total / frequency[stem])
                strong = strong or weight >= STRONG_WEIGHT
        if strong:
            scored.append((document.key, score))
    # Stable: equal scores keep the catalogue's order.
    scored.sort(key=lambda pair: -pair[1])
    return scored
