"""Fitting and measuring the red model (`redmodel.py`) on real public text and the project's labelled appeals.

The real sources (a folder of JSON lines, see `manage.py train_red_model`): tree-hole posts with a
suicide-risk
level (≥ 6 is red, ≤ 2 is not; 3–5 are mixed and left out of fitting), posts labelled suicidal (red), ordinary
Weibo posts, ordinary messages to a government board and comments labelled offensive or safe (none of them
red).
Each source's held-out part (`redmodel.held_out`) is never fitted on; the figures printed and stored are
measured there. The labelled appeals of tests/insight/data (every class, red and not) are fitted on with a
larger weight, so that the model learns the signal across styles; eval.jsonl is never read here.

The threshold is chosen on cross-validated scores of the fitting rows: the lowest one at which no ordinary
source has more than MAX_FALSE_RED of its rows called red, which keeps red recall as high as that allows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lianxin.insight.suggest import redmodel
from lianxin.insight.suggest.rules import RuleSet, compile_rules

REAL_FILES = {
    "sos": "sos_dev.jsonl",
    "die": "die_dev.jsonl",
    "weibo": "weibo_dev.jsonl",
    "gov": "gov_dev.jsonl",
    "cold": "cold_dev.jsonl",
}
APPEAL_FILES = ("dev_rules.jsonl", "history.jsonl", "redcheck.jsonl", "train_appeals.jsonl")
APPEAL_DATA = Path(__file__).resolve().parents[3] / "tests" / "insight" / "data"
ORDINARY = ("weibo", "gov", "cold_safe")
MAX_FALSE_RED = 0.02
APPEAL_WEIGHT = 10.0
SUICIDAL_WEIGHT = 2.0
C = 16.0
SEED = 20261207


def _lines(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def real_sets(folder: Path) -> dict[str, list[str]]:
    """The real texts by set: sos_hi, sos_lo, sos_mid, die, weibo, gov, cold_safe, cold_offensive."""
    sos = _lines(folder / REAL_FILES["sos"])
    cold = _lines(folder / REAL_FILES["cold"])
    return {
        "sos_hi": [r["text"] for r in sos if int(r["level"]) >= 6],
        "sos_lo": [r["text"] for r in sos if int(r["level"]) <= 2],
        "sos_mid": [r["text"] for r in sos if 3 <= int(r["level"]) <= 5],
        "die": [r["text"] for r in _lines(folder / REAL_FILES["die"])],
        "weibo": [r["text"] for r in _lines(folder / REAL_FILES["weibo"])],
        "gov": [r["text"] for r in _lines(folder / REAL_FILES["gov"])],
        "cold_safe": [r["text"] for r in cold if not r["offensive"]],
        "cold_offensive": [r["text"] for r in cold if r["offensive"]],
    }


def split(sets: dict[str, list[str]], *, held: bool) -> dict[str, list[str]]:
    return {name: [t for t in texts if redmodel.held_out(t) == held] for name, texts in sets.items()}


def labelled_appeals(folder: Path = APPEAL_DATA) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name in APPEAL_FILES:
        rows += _lines(folder / name)
    return rows


def hand_features(ruleset: RuleSet, text: str) -> tuple[list[str], list[str]]:
    """The model's two blocks of features for one text: words and word pairs, and the lexicon's cues."""
    norm, scores = ruleset.scores(text)
    cues = ruleset.cues(scores)
    return redmodel.word_features(redmodel.words(norm, cues.hidden)), cues.features()


@dataclass
class Fitted:
    model: dict[str, Any]
    figures: dict[str, Any]


def fit(
    real: Path,
    *,
    log: Callable[[str], None] = print,
    c: float = C,
    appeal_weight: float = APPEAL_WEIGHT,
    suicidal_weight: float = SUICIDAL_WEIGHT,
) -> Fitted:
    """Fit the red model on the real sources' fitting parts and the labelled appeals; measure it on the
    held-out parts."""
    import numpy as np
    from scipy.sparse import hstack  # type: ignore[import-untyped]
    from sklearn.feature_extraction import DictVectorizer  # type: ignore[import-untyped]
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    from sklearn.model_selection import StratifiedKFold, cross_val_predict  # type: ignore[import-untyped]

    from lianxin.insight.suggest.lexicon_data import RULES

    ruleset = compile_rules(RULES, red_model=None)
    sets = real_sets(real)
    fitting = split(sets, held=False)
    texts: list[str] = []
    labels: list[int] = []
    weights: list[float] = []
    sources: list[str] = []

    def add(rows: Sequence[str], label: int, weight: float, source: str) -> None:
        texts.extend(rows)
        labels.extend([label] * len(rows))
        weights.extend([weight] * len(rows))
        sources.extend([source] * len(rows))

    add(fitting["sos_hi"], 1, 1.0, "sos_hi")
    add(fitting["die"], 1, suicidal_weight, "die")
    for name in ("sos_lo", "weibo", "gov", "cold_safe", "cold_offensive"):
        add(fitting[name], 0, 1.0, name)
    appeals = labelled_appeals()
    add([r["text"] for r in appeals if r["grade"] == "red"], 1, appeal_weight, "appeal_red")
    add([r["text"] for r in appeals if r["grade"] != "red"], 0, appeal_weight, "appeal_other")
    log(f"fitting on {len(texts)} texts")

    blocks = [hand_features(ruleset, t) for t in texts]
    words = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=2)
    cues = DictVectorizer()
    matrix = hstack(
        [
            words.fit_transform([b[0] for b in blocks]),
            cues.fit_transform([dict.fromkeys(b[1], 1) for b in blocks]),
        ]
    ).tocsr()
    y = np.asarray(labels)
    w = np.asarray(weights)

    def classifier() -> Any:
        return LogisticRegression(C=c, class_weight="balanced", max_iter=5000)

    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    cv = cross_val_predict(
        classifier(), matrix, y, cv=folds, method="predict_proba", params={"sample_weight": w}
    )[:, 1]
    threshold = choose_threshold(cv, sources)
    log(f"threshold {threshold:.3f} (cross-validated)")
    clf = classifier().fit(matrix, y, sample_weight=w)
    coef = clf.coef_[0]
    vocabulary = words.vocabulary_
    idf = words.idf_
    n_words = len(vocabulary)
    terms = {term: [round(float(idf[i]), 5), round(float(coef[i]), 5)] for term, i in vocabulary.items()}
    cue_weights = {name: round(float(coef[n_words + i]), 5) for name, i in cues.vocabulary_.items()}
    model = {
        "format": redmodel.FORMAT,
        "version": redmodel.FORMAT_VERSION,
        "threshold": round(threshold, 5),
        "intercept": round(float(clf.intercept_[0]), 5),
        "terms": dict(sorted(terms.items())),
        "cues": dict(sorted(cue_weights.items())),
        "figures": {},
    }
    fitted = redmodel.RedModel(model)
    figures = measure_real(compile_rules(RULES, red_model=fitted), split(sets, held=True))
    model["figures"] = {"held_out": figures, "fitting_rows": len(texts), "max_false_red": MAX_FALSE_RED}
    return Fitted(model=model, figures=figures)


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def choose_threshold(scores: Sequence[float], sources: Sequence[str]) -> float:
    """The lowest threshold at which every ordinary source keeps its false red rate within MAX_FALSE_RED."""
    candidates = sorted({round(float(s), 4) for s in scores if s > 0.05})
    by_source: dict[str, list[float]] = {}
    for score, source in zip(scores, sources, strict=True):
        by_source.setdefault(source, []).append(float(score))
    for threshold in candidates:
        if all(
            sum(s >= threshold for s in by_source.get(name, []))
            <= MAX_FALSE_RED * len(by_source.get(name, [1]))
            for name in ORDINARY
        ):
            return threshold
    return 0.5


def measure_real(ruleset: RuleSet, sets: dict[str, list[str]]) -> dict[str, Any]:
    """Red rate of each set (recall for the risk sets, false red for the ordinary ones) and the share of red
    suggestions whose evidence holds a word no person would underline."""
    out: dict[str, Any] = {}
    unreadable = 0
    total_red = 0
    for name, texts in sets.items():
        flagged = 0
        for text in texts:
            found = ruleset.suggest(text)
            if found.grade == "red":
                flagged += 1
                total_red += 1
                if not found.evidence or any(redmodel.readable(w) != w for w in found.evidence):
                    unreadable += 1
        out[name] = {
            "n": len(texts),
            "red": flagged,
            "rate": round(flagged / len(texts), 4) if texts else 0.0,
        }
    out["unreadable_evidence"] = round(unreadable / total_red, 4) if total_red else 0.0
    return out
