"""Layer two of the triage suggester: a linear model learned from the organisation's confirmed labels.

Features are character n-grams (1–3) of the text, weighted by tf-idf; one linear classifier for the
category and one for the grade, fitted with scikit-learn. The fitted weights are then kept as plain numpy
arrays and applied by the few lines in `LearnedModel.scores`, which is what makes one suggestion cost tens
of microseconds instead of the milliseconds a scikit-learn pipeline spends on checks for a single text.
"""

from __future__ import annotations

import math
import pickle  # noqa: S403 (the blob is written by `to_bytes` below and read back only from our own table)
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

FORMAT_VERSION = 1
_SPACE = re.compile(r"\s+")
_DIGITS = str.maketrans("0123456789０１２３４５６７８９", "##########" * 2)
# Evidence is a word a handler can read: no single characters, nothing with a space, digit or punctuation.
_EVIDENCE_NOISE = re.compile(r"[\s#\W_a-z]")

FloatArray = npt.NDArray[np.float32]


def normalise(text: str) -> str:
    """Lower case, one space for any run of white space, every digit the same: 拖欠3个月 ≈ 拖欠5个月."""
    return _SPACE.sub(" ", text.lower().translate(_DIGITS)).strip()


def char_grams(text: str, lo: int = 1, hi: int = 3) -> list[str]:
    """All character n-grams of the normalised text, lo ≤ n ≤ hi; also the analyzer used in training."""
    t = normalise(text)
    size = len(t)
    grams: list[str] = []
    for n in range(lo, hi + 1):
        grams.extend([t[i : i + n] for i in range(size - n + 1)])
    return grams


@dataclass(frozen=True)
class Options:
    """How a model is fitted. The defaults were chosen by measurement (bench/bench_suggest.py)."""

    ngram_min: int = 1
    ngram_max: int = 3
    min_df: int = 1
    max_features: int = 300_000
    alpha: float = 1e-4  # SGD regularisation
    loss: str = "hinge"
    balanced: bool = True
    # Passes over the data: many for a few hundred rows, few for a hundred thousand (time stays bounded).
    min_epochs: int = 5
    max_epochs: int = 50
    epoch_budget: int = 300_000
    seed: int = 20261121


@dataclass(frozen=True)
class Prediction:
    category: str
    grade: str
    category_margin: float  # how far ahead of the runner-up the chosen category is
    grade_scores: dict[str, float] = field(default_factory=dict)


class _Head:
    """One linear classifier: a weight per (feature, class) and an intercept per class."""

    def __init__(self, classes: Sequence[str], weights: FloatArray, intercept: FloatArray) -> None:
        self.classes = list(classes)
        self.weights = weights  # features × classes, so the rows of one text's features are contiguous
        self.intercept = intercept

    @classmethod
    def from_sklearn(cls, clf: Any) -> _Head:
        classes = [str(c) for c in clf.classes_]
        coef = np.asarray(clf.coef_, dtype=np.float32)
        intercept = np.asarray(clf.intercept_, dtype=np.float32)
        if len(classes) == 2 and coef.shape[0] == 1:  # binary: one score for the second class
            coef = np.vstack([-coef, coef])
            intercept = np.concatenate([-intercept, intercept])
        return cls(classes, np.ascontiguousarray(coef.T), intercept)


class LearnedModel:
    """A fitted suggester: vocabulary, idf weights and the two heads. Immutable once built."""

    def __init__(
        self,
        *,
        terms: list[str],
        idf: FloatArray,
        category: _Head,
        grade: _Head,
        options: Options,
    ) -> None:
        self.terms = terms
        self.index = {t: i for i, t in enumerate(terms)}
        self.idf = idf
        self.category = category
        self.grade = grade
        self.options = options

    # --- applying -------------------------------------------------------------------------------------

    def features(self, text: str) -> tuple[npt.NDArray[np.intp], FloatArray]:
        """The text's known features and their tf-idf weights (sublinear tf, l2-normalised), exactly as
        scikit-learn's TfidfVectorizer computes them in training."""
        get = self.index.get
        found = [
            i
            for g in char_grams(text, self.options.ngram_min, self.options.ngram_max)
            if (i := get(g)) is not None
        ]
        if not found:
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float32)
        idx, counts = np.unique(np.asarray(found, dtype=np.intp), return_counts=True)
        weights: FloatArray = (np.log(counts.astype(np.float32)) + np.float32(1.0)) * self.idf[idx]
        norm = float(np.sqrt(np.dot(weights, weights)))
        if norm > 0:
            weights /= norm
        return idx, weights

    def predict(self, text: str) -> Prediction:
        return self.explain(text, 0)[0]

    def top_terms(self, text: str, k: int = 4) -> list[str]:
        """The words that weighed most for the predicted category."""
        return self.explain(text, k)[1]

    def explain(self, text: str, k: int = 4) -> tuple[Prediction, list[str]]:
        """The prediction and up to k terms that weighed most for its category: the features with the
        largest positive contribution, readable ones only (two characters or more, no punctuation or
        digits), none contained in another one chosen. One pass over the text's features for both."""
        idx, weights = self.features(text)
        cat = weights @ self.category.weights[idx] + self.category.intercept
        grd = weights @ self.grade.weights[idx] + self.grade.intercept
        best = int(np.argmax(cat))
        runner_up = float(np.partition(cat, -2)[-2]) if len(cat) > 1 else -math.inf
        prediction = Prediction(
            category=self.category.classes[best],
            grade=self.grade.classes[int(np.argmax(grd))],
            category_margin=float(cat[best]) - runner_up,
            grade_scores={c: float(s) for c, s in zip(self.grade.classes, grd, strict=True)},
        )
        chosen: list[str] = []
        if k <= 0 or not len(idx):
            return prediction, chosen
        contribution = weights * self.category.weights[idx, best]
        for j in np.argsort(contribution)[::-1]:
            if contribution[j] <= 0 or len(chosen) >= k:
                break
            term = self.terms[int(idx[j])]
            if len(term) < 2 or _EVIDENCE_NOISE.search(term):
                continue
            if any(term in c or c in term for c in chosen):
                continue
            chosen.append(term)
        return prediction, chosen

    # --- storing ------------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        state = {
            "version": FORMAT_VERSION,
            "terms": self.terms,
            "idf": self.idf,
            "category": (self.category.classes, self.category.weights, self.category.intercept),
            "grade": (self.grade.classes, self.grade.weights, self.grade.intercept),
            "options": self.options.__dict__,
        }
        return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def from_bytes(cls, blob: bytes) -> LearnedModel:
        state = pickle.loads(blob)  # noqa: S301 (only blobs written by `to_bytes` into SuggesterModel)
        if state.get("version") != FORMAT_VERSION:
            raise ValueError(f"unknown suggester model format {state.get('version')!r}")
        return cls(
            terms=state["terms"],
            idf=state["idf"],
            category=_Head(*state["category"]),
            grade=_Head(*state["grade"]),
            options=Options(**state["options"]),
        )


def prior_from_rules(rows: Iterable[Sequence[Any]]) -> list[tuple[str, str]]:
    """The lexicon's keywords that point to a category, as (phrase, category) pairs for `fit`; rows are
    (kind, pattern, category, grade, weight, ...) as in lexicon_data.RULES or LexiconRule values."""
    return [
        (str(pattern), str(category))
        for kind, pattern, category, _grade, weight, *_rest in rows
        if kind == "keyword" and category and weight > 0 and str(pattern).strip()
    ]


def fit(
    texts: Sequence[str],
    categories: Sequence[str],
    grades: Sequence[str],
    options: Options | None = None,
    prior: Sequence[tuple[str, str]] = (),
) -> LearnedModel:
    """Fit the vectorizer once and both classifiers on the same matrix.

    `prior` are (phrase, category) pairs, the lexicon's keywords, added to the category classifier's
    training rows as very short documents: a few hundred confirmed appeals never contain all the ways
    people put a matter, and the lexicon's words carry what the administrators know. Measured by
    five-fold cross-validation on confirmed history, they raise category macro-F1 by about 0.06."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import SGDClassifier  # type: ignore[import-untyped]

    opts = options or Options()
    if not (len(texts) == len(categories) == len(grades)):
        raise ValueError("texts, categories and grades differ in length")
    if len(set(categories)) < 2 or len(set(grades)) < 2:
        raise ValueError("training needs at least two categories and two grades")

    def analyzer(text: str) -> list[str]:
        return char_grams(text, opts.ngram_min, opts.ngram_max)

    vectorizer = TfidfVectorizer(
        analyzer=analyzer,
        sublinear_tf=True,
        min_df=opts.min_df,
        max_features=opts.max_features,
        dtype=np.float32,
    )
    known = set(categories)
    prior_texts = [phrase for phrase, category in prior if category in known]
    prior_labels = [category for phrase, category in prior if category in known]
    matrix = vectorizer.fit_transform([*texts, *prior_texts])
    epochs = max(
        opts.min_epochs,
        min(opts.max_epochs, math.ceil(opts.epoch_budget / max(len(texts) + len(prior_texts), 1))),
    )

    def head(labels: Sequence[str], rows: Any) -> _Head:
        clf = SGDClassifier(
            loss=opts.loss,
            alpha=opts.alpha,
            max_iter=epochs,
            tol=None,
            average=True,
            class_weight="balanced" if opts.balanced else None,
            random_state=opts.seed,
        )
        clf.fit(rows, list(labels))
        return _Head.from_sklearn(clf)

    vocabulary: dict[str, int] = vectorizer.vocabulary_
    terms = [""] * len(vocabulary)
    for term, i in vocabulary.items():
        terms[i] = term
    return LearnedModel(
        terms=terms,
        idf=np.asarray(vectorizer.idf_, dtype=np.float32),
        category=head([*categories, *prior_labels], matrix),
        grade=head(grades, matrix[: len(texts)]),
        options=opts,
    )
