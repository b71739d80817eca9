"""Layer two of the triage suggester: what the organisation's confirmed labels teach, blended with the rules.

Features are character n-grams (1–3) of the text, weighted by tf-idf; one logistic regression for the
category and one for the grade, fitted with scikit-learn. The fitted weights are kept as plain numpy arrays
and applied by the few lines in `LearnedModel.explain`, which is what makes one suggestion cost tens of
microseconds instead of the milliseconds a scikit-learn pipeline spends on checks for a single text.

A few dozen labels cannot teach a model everything the lexicon knows, so the category is a blend: the
model's probabilities and the rules' category scores (as probabilities), weighted by how well each did on
confirmed labels the model was not fitted on (`fit_blended`). With few labels the rules carry most of the
weight; the model earns more as the labels grow and prove it right.

The stored form is a numpy .npz archive of plain arrays, read with allow_pickle=False: loading a model
cannot run code, whatever the stored bytes hold.
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from lianxin.insight.suggest.evaluate import category_macro_f1

FORMAT_VERSION = 2
_SPACE = re.compile(r"\s+")
_DIGITS = str.maketrans("0123456789０１２３４５６７８９", "##########" * 2)
# Evidence is a word a handler can read: no single characters, nothing with a space, digit or punctuation.
_EVIDENCE_NOISE = re.compile(r"[\s#\W_a-z]")
RED = "red"
OTHER = "other"
# The rules' category scores become probabilities by a softmax; "other" is what the rules say when nothing
# matched, so it starts with a small score of its own.
RULES_OTHER_SCORE = 0.5
RULES_TEMPERATURE = 1.0
# The blend weights tried for the model against the rules (0 = the rules alone, 1 = the model alone).
BLEND_WEIGHTS = (0.0, 0.2, 0.35, 0.5, 0.65, 0.8, 1.0)

FloatArray = npt.NDArray[np.float32]


class UnreadableModel(ValueError):
    """The stored bytes are not a model this version can read (an old format, or damaged)."""


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


def softmax(scores: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    shifted = np.asarray(scores, dtype=np.float64) - np.max(scores, axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)  # type: ignore[no-any-return]


def rules_probabilities(categories: Mapping[str, float], classes: Sequence[str]) -> npt.NDArray[np.float64]:
    """The rules' category scores of one text as probabilities over `classes`."""
    scores = np.array([categories.get(c, 0.0) for c in classes], dtype=np.float64)
    if OTHER in classes:
        scores[list(classes).index(OTHER)] += RULES_OTHER_SCORE
    return softmax(scores * RULES_TEMPERATURE)


def blend(model: npt.NDArray[Any], rules: npt.NDArray[Any], weight: float) -> npt.NDArray[np.float64]:
    """Log-linear blend of the model's and the rules' category probabilities (rows are texts)."""
    tiny = 1e-9
    return weight * np.log(np.asarray(model, dtype=np.float64) + tiny) + (1.0 - weight) * np.log(
        np.asarray(rules, dtype=np.float64) + tiny
    )


@dataclass(frozen=True)
class Options:
    """How a model is fitted. The defaults were chosen by measurement on history.jsonl (bench/RESULTS.md)."""

    ngram_min: int = 1
    ngram_max: int = 3
    min_df: int = 1
    max_features: int = 300_000
    c: float = 10.0  # inverse regularisation of the logistic regressions
    max_iter: int = 100
    balanced: bool = True
    seed: int = 20261121


@dataclass(frozen=True)
class Prediction:
    category: str
    grade: str  # never red (red is decided by the rules); empty when the rules' grade did better
    category_margin: float  # how far ahead of the runner-up the chosen category is (blended log-probability)
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
            # softmax of ±s/2 is the logistic of s
            coef = np.vstack([-coef, coef]) * np.float32(0.5)
            intercept = np.concatenate([-intercept, intercept]) * np.float32(0.5)
        return cls(classes, np.ascontiguousarray(coef.T), intercept)


class LearnedModel:
    """A fitted suggester: vocabulary, idf weights, the two heads and the category blend weight."""

    def __init__(
        self,
        *,
        terms: list[str],
        idf: FloatArray,
        category: _Head,
        grade: _Head,
        options: Options,
        blend_weight: float = 1.0,
        grade_from_model: bool = True,
    ) -> None:
        self.terms = terms
        self.index = {t: i for i, t in enumerate(terms)}
        self.idf = idf
        self.category = category
        self.grade = grade
        self.options = options
        self.blend_weight = blend_weight
        self.grade_from_model = grade_from_model
        # Red is never the model's: its grade is the best of the others.
        self._not_red = np.array([c != RED for c in grade.classes])

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

    def category_probabilities(self, text: str) -> npt.NDArray[np.float64]:
        """The model's own category probabilities (no rules), in the order of `category.classes`."""
        idx, weights = self.features(text)
        return softmax(weights @ self.category.weights[idx] + self.category.intercept)

    def predict(self, text: str, rule_categories: Mapping[str, float] | None = None) -> Prediction:
        return self.explain(text, 0, rule_categories)[0]

    def top_terms(self, text: str, k: int = 4) -> list[str]:
        """The words that weighed most for the predicted category."""
        return self.explain(text, k)[1]

    def explain(
        self, text: str, k: int = 4, rule_categories: Mapping[str, float] | None = None
    ) -> tuple[Prediction, list[str]]:
        """The prediction and up to k terms that weighed most for its category: the features with the
        largest positive contribution, readable ones only (two characters or more, no punctuation or
        digits), none contained in another one chosen. One pass over the text's features for both.

        With the rules' category scores of the text, the category is the blend of model and rules;
        without them, the model's alone."""
        idx, weights = self.features(text)
        cat = weights @ self.category.weights[idx] + self.category.intercept
        if rule_categories is not None and self.blend_weight < 1.0:
            blended = blend(
                softmax(cat), rules_probabilities(rule_categories, self.category.classes), self.blend_weight
            )
        else:
            blended = np.asarray(cat, dtype=np.float64)
        grd = weights @ self.grade.weights[idx] + self.grade.intercept
        best = int(np.argmax(blended))
        runner_up = float(np.partition(blended, -2)[-2]) if len(blended) > 1 else -math.inf
        allowed = np.where(self._not_red, grd, -np.inf) if self._not_red.any() else grd
        prediction = Prediction(
            category=self.category.classes[best],
            grade=self.grade.classes[int(np.argmax(allowed))] if self.grade_from_model else "",
            category_margin=float(blended[best]) - runner_up,
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

    def with_blend(self, weight: float, grade_from_model: bool = True) -> LearnedModel:
        """The same fitted model with another blend weight and source of the grade."""
        return LearnedModel(
            terms=self.terms,
            idf=self.idf,
            category=self.category,
            grade=self.grade,
            options=self.options,
            blend_weight=weight,
            grade_from_model=grade_from_model,
        )

    # --- storing ------------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """A numpy .npz archive: plain arrays and one JSON header, nothing that needs pickle to read."""
        header = {
            "version": FORMAT_VERSION,
            "category_classes": self.category.classes,
            "grade_classes": self.grade.classes,
            "options": asdict(self.options),
            "blend_weight": self.blend_weight,
            "grade_from_model": self.grade_from_model,
        }
        out = io.BytesIO()
        np.savez_compressed(
            out,
            header=np.frombuffer(json.dumps(header, ensure_ascii=False).encode(), dtype=np.uint8),
            # n-grams of normalised text hold no line break, so one joins them.
            terms=np.frombuffer("\n".join(self.terms).encode(), dtype=np.uint8),
            idf=self.idf.astype(np.float32),
            category_weights=self.category.weights.astype(np.float32),
            category_intercept=self.category.intercept.astype(np.float32),
            grade_weights=self.grade.weights.astype(np.float32),
            grade_intercept=self.grade.intercept.astype(np.float32),
        )
        return out.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> LearnedModel:
        """Read a stored model. Only plain numeric arrays are accepted (allow_pickle=False): an object
        array or a pickle, even one crafted to run code, is refused with UnreadableModel, never loaded."""
        if not blob.startswith(b"PK"):
            raise UnreadableModel(
                "suggester model stored in an unsupported format (models trained before format 2 were "
                "pickled and are no longer read); train a new one"
            )
        try:
            with np.load(io.BytesIO(blob), allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
            header = json.loads(arrays["header"].tobytes().decode())
            if not isinstance(header, dict) or header.get("version") != FORMAT_VERSION:
                raise UnreadableModel(f"unknown suggester model format {header.get('version')!r}")
            terms = arrays["terms"].tobytes().decode().split("\n") if arrays["terms"].size else []
            numeric = {name: arrays[name] for name in arrays if name not in ("header", "terms")}
            if any(a.dtype != np.float32 for a in numeric.values()):
                raise UnreadableModel("suggester model arrays are not float32")
            category = _Head(
                header["category_classes"], numeric["category_weights"], numeric["category_intercept"]
            )
            grade = _Head(header["grade_classes"], numeric["grade_weights"], numeric["grade_intercept"])
            for head in (category, grade):
                if head.weights.shape != (len(terms), len(head.classes)) or head.intercept.shape != (
                    len(head.classes),
                ):
                    raise UnreadableModel("suggester model arrays do not fit together")
            if numeric["idf"].shape != (len(terms),):
                raise UnreadableModel("suggester model arrays do not fit together")
            return cls(
                terms=terms,
                idf=numeric["idf"],
                category=category,
                grade=grade,
                options=Options(**header["options"]),
                blend_weight=float(header["blend_weight"]),
                grade_from_model=bool(header["grade_from_model"]),
            )
        except UnreadableModel:
            raise
        except (KeyError, TypeError, ValueError, OSError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
            raise UnreadableModel(f"suggester model could not be read: {exc}") from None


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
    """Fit the vectorizer once and both classifiers on the same matrix; the model alone (blend weight 1).

    `prior` are (phrase, category) pairs, the lexicon's keywords, added to the category classifier's
    training rows as very short documents: a few hundred confirmed appeals never contain all the ways
    people put a matter, and the lexicon's words carry what the administrators know."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

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

    def head(labels: Sequence[str], rows: Any) -> _Head:
        # One thread: training runs beside the web and the other workers, and on a busy machine BLAS
        # threads fighting for the cores made a fit seven times slower than one thread alone.
        with threadpool_limits(limits=1):
            return _fit_head(labels, rows)

    def _fit_head(labels: Sequence[str], rows: Any) -> _Head:
        clf = LogisticRegression(
            C=opts.c,
            max_iter=opts.max_iter,
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


def fit_blended(
    texts: Sequence[str],
    categories: Sequence[str],
    grades: Sequence[str],
    rule_categories: Sequence[Mapping[str, float]],
    rule_grades: Sequence[str],
    *,
    options: Options | None = None,
    prior: Sequence[tuple[str, str]] = (),
    folds: int = 3,
    cap: int = 2_000,
) -> tuple[LearnedModel, dict[str, float]]:
    """Fit on all rows, with the blend weight measured on rows the model was not fitted on: out-of-fold
    probabilities of `folds` models (on at most `cap` rows), blended with the rules' category scores of
    the same texts at each weight of BLEND_WEIGHTS; the weight with the best category macro-F1 is kept
    (the lower one on a tie, since the rules need no labels). The grade is the model's only where it
    was right more often than the rules' on the same rows (the rules' red stands either way). Returns
    the model and what was measured, for the record."""
    opts = options or Options()
    model = fit(texts, categories, grades, opts, prior)
    rng = np.random.default_rng(opts.seed)
    order = rng.permutation(len(texts))[:cap]
    parts = [order[i::folds] for i in range(folds)]
    truth: list[str] = []
    grade_hits = {"model": 0, "rules": 0}
    blended: dict[float, list[str]] = {w: [] for w in BLEND_WEIGHTS}
    for part in parts:
        rest = np.setdiff1d(order, part)
        if not len(part) or len({categories[i] for i in rest}) < 2 or len({grades[i] for i in rest}) < 2:
            continue
        fold = fit(
            [texts[i] for i in rest], [categories[i] for i in rest], [grades[i] for i in rest], opts, prior
        )
        classes = fold.category.classes
        for i in part:
            model_p = fold.category_probabilities(texts[i])
            rules_p = rules_probabilities(rule_categories[i], classes)
            truth.append(categories[i])
            if rule_grades[i] != RED:
                grade_hits["model"] += fold.predict(texts[i]).grade == grades[i]
                grade_hits["rules"] += rule_grades[i] == grades[i]
            for w in BLEND_WEIGHTS:
                blended[w].append(classes[int(np.argmax(blend(model_p, rules_p, w)))])
    if not truth:
        return model.with_blend(0.0, grade_from_model=False), {}
    scores = {w: round(category_macro_f1(truth, found)[0], 4) for w, found in blended.items()}
    best = max(BLEND_WEIGHTS, key=lambda w: (scores[w], -w))
    from_model = grade_hits["model"] > grade_hits["rules"]
    measured = {f"category_f1_at_{w}": f for w, f in scores.items()}
    measured.update({f"grade_hits_{k}": float(v) for k, v in grade_hits.items()})
    return model.with_blend(best, grade_from_model=from_model), measured
