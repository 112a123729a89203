"""The free-text model: from what a resident wrote to the services most likely meant.

One model per council, trained on two kinds of text:

- **the catalogue**: each service's name, description, keywords, questions and options,
  and the council's synonyms (so a council with no history gets sensible suggestions on
  its first day);
- **history**: what residents wrote (masked of emails, phones and postcodes before it gets
  here) labelled with the service the request was finally handled under. A request staff
  moved to another service is a correction and counts ``CORRECTION_WEIGHT`` times.

Features are TF-IDF over two views of the text: the stems the service search uses (with
pairs of neighbouring stems, so "not collected" is a feature) and character 3- to 5-grams
within words (residents' typos and run-together words still share most of them). A
multinomial logistic regression over both gives a probability per service, which is what
a council's confidence threshold is compared with. Measured against plain TF-IDF with
logistic regression on held-out, later data in docs/benchmarks.md (``triage_evaluate``).

Reasons are the words in the text that pushed the chosen service up most: the stems with
the largest positive weight times their value in this text, shown as the words the
resident typed.
"""

from __future__ import annotations

import io
import itertools
import pickle
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from onecouncil.catalogue.search import STOP_WORDS, Synonym, expand, stem, stems, words

CORRECTION_WEIGHT = 3.0
# Weight of one catalogue document against one resident's request. The catalogue speaks
# the council's language, not the residents', so history outweighs it as it accrues.
CATALOGUE_WEIGHT = 2.0
# Regularisation: larger trusts the training text more. Chosen once on the demo
# councils' own earlier history (not on any evaluation set) and left alone.
C = 10.0
MAX_REASONS = 2
# The most frequent letter groups kept: more cost training time and gained nothing on
# held-out data (docs/benchmarks.md).
MAX_LETTER_GROUPS = 20000
FORMAT = 1


@dataclass(frozen=True)
class Example:
    """One labelled text: ``label`` is the service's code (or a CSV's category)."""

    text: str
    label: str
    weight: float = 1.0


@dataclass(frozen=True)
class Suggestion:
    label: str
    probability: float
    reasons: tuple[str, ...]


def _stem_features(text: str) -> list[str]:
    stemmed = stems(text)
    return stemmed + [f"{a} {b}" for a, b in itertools.pairwise(stemmed)]


class TrainingError(ValueError):
    """Too little to learn from: fewer than two services with any text."""


class Model:
    """A trained model. Build with ``train``; keep with ``to_bytes``/``from_bytes``."""

    def __init__(
        self,
        stems_vec: TfidfVectorizer,
        chars_vec: TfidfVectorizer,
        classifier: LogisticRegression,
        synonyms: tuple[Synonym, ...],
    ) -> None:
        self._stems = stems_vec
        self._chars = chars_vec
        self._classifier = classifier
        self._synonyms = synonyms
        self.labels: tuple[str, ...] = tuple(str(c) for c in classifier.classes_)
        self._stem_names = stems_vec.get_feature_names_out()

    # Training ---------------------------------------------------------------------------
    @classmethod
    def train(
        cls,
        history: Iterable[Example],
        catalogue: Mapping[str, Sequence[str]],
        synonyms: Iterable[Synonym] = (),
    ) -> Model:
        """Train on ``history`` and on ``catalogue`` (label to its describing texts)."""
        synonyms = tuple(synonyms)
        examples = [e for e in history if e.text.strip()]
        for label, texts in catalogue.items():
            examples.extend(
                Example(text=t, label=label, weight=CATALOGUE_WEIGHT) for t in texts if t.strip()
            )
        if len({e.label for e in examples}) < 2:
            raise TrainingError("At least two services need some text to learn from.")
        texts = [expand(e.text, synonyms) for e in examples]
        stems_vec = TfidfVectorizer(analyzer=_stem_features, sublinear_tf=True)
        chars_vec = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(3, 5),
            sublinear_tf=True,
            min_df=2,
            max_features=MAX_LETTER_GROUPS,
            lowercase=True,
        )
        features = hstack([stems_vec.fit_transform(texts), chars_vec.fit_transform(texts)])
        # SAGA: its cost grows in step with the rows, so 100,000 requests train in
        # about a minute where L-BFGS took over five; as accurate on held-out data
        # (docs/benchmarks.md).
        classifier = LogisticRegression(C=C, solver="saga", tol=1e-3, max_iter=300, random_state=0)
        with warnings.catch_warnings():
            # Stopping at max_iter on a large history is expected: the model is already
            # as good on held-out data as a converged one.
            warnings.simplefilter("ignore", ConvergenceWarning)
            classifier.fit(
                csr_matrix(features),
                [e.label for e in examples],
                sample_weight=np.array([e.weight for e in examples]),
            )
        return cls(stems_vec, chars_vec, classifier, synonyms)

    # Use -----------------------------------------------------------------------------
    def _features(self, texts: Sequence[str]) -> csr_matrix:
        expanded = [expand(t, self._synonyms) for t in texts]
        return csr_matrix(
            hstack([self._stems.transform(expanded), self._chars.transform(expanded)])
        )

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per label (``labels``)."""
        return np.asarray(self._classifier.predict_proba(self._features(texts)))

    def suggest(self, text: str, k: int = 3) -> list[Suggestion]:
        """The ``k`` likeliest labels for ``text``, best first, with their reasons."""
        if not words(text):
            return []
        features = self._features([text])
        row = np.asarray(self._classifier.predict_proba(features))[0]
        best = np.argsort(-row)[:k]
        return [
            Suggestion(
                label=self.labels[i],
                probability=float(row[i]),
                reasons=self._reasons(text, features, int(i)),
            )
            for i in best
        ]

    def _reasons(self, text: str, features: csr_matrix, column: int) -> tuple[str, ...]:
        """The words of ``text`` whose stems (or stem pairs) did most for label ``column``."""
        n_stems = len(self._stem_names)
        stem_part = features[:, :n_stems].tocoo()
        weights = self._classifier.coef_[column] if len(self.labels) > 2 else None
        if weights is None:  # binary: one row of weights, for the second label
            sign = 1.0 if column == 1 else -1.0
            weights = sign * self._classifier.coef_[0]
        scored = sorted(
            (
                (float(value * weights[j]), str(self._stem_names[j]))
                for j, value in zip(stem_part.col, stem_part.data, strict=True)
            ),
            reverse=True,
        )
        typed = words(text)
        shown: list[str] = []
        for score, feature in scored:
            if score <= 0 or len(shown) >= MAX_REASONS:
                break
            phrase = _as_typed(feature.split(" "), typed)
            if phrase and not any(phrase in s or s in phrase for s in shown):
                shown.append(phrase)
        return tuple(shown)

    # Keeping -------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        pickle.dump((FORMAT, self), buffer, protocol=pickle.HIGHEST_PROTOCOL)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> Model:
        """Only for blobs this module wrote into the council's own database: unpickling
        runs code, so a model never comes from anywhere else (docs/privacy.md)."""
        version, model = pickle.loads(blob)  # noqa: S301  # our own rows, see docstring
        if version != FORMAT or not isinstance(model, cls):
            raise TrainingError("This model was saved by another version: train it again.")
        return model


def _as_typed(feature_stems: list[str], typed: list[str]) -> str:
    """The resident's own words for a stem, or a pair of neighbouring stems."""
    for start in range(len(typed)):
        run: list[str] = []
        i = start
        for wanted in feature_stems:
            while i < len(typed) and typed[i] in STOP_WORDS:
                run.append(typed[i])
                i += 1
            if i < len(typed) and stem(typed[i]) == wanted:
                run.append(typed[i])
                i += 1
            else:
                run = []
                break
        if run:
            while run and run[0] in STOP_WORDS:
                run.pop(0)
            return " ".join(run)
    return ""
