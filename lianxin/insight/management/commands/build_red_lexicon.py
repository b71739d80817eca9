"""`manage.py build_red_lexicon`: fit the red-signal part of the shipped lexicon — one weight per character
string of one to three characters — on the shipped labelled appeals, and write it to
lianxin/insight/suggest/red_ngrams.json, which migration 0006 loads as LexiconRule rows.

The rows are ordinary lexicon rules that administrators can adjust: a text is red when the weights of the
distinct strings it contains add up to RED_AT (the same threshold as the hand-written rules), and red from
either source is red. The fit is a logistic regression on the presence of each string, so its score is
exactly such a sum; the weights are scaled so that the decision threshold lands on RED_AT. The threshold is
chosen by five-fold cross-validation on the training files alone: the highest score that still finds
`--recall` of the red appeals held out in each fold (the hand-written rules cover part of the rest).
The held-out evaluation set (tests/insight/data/eval.jsonl) is never read."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lianxin.insight.suggest.rules import RED_AT, normalise

DATA = Path(__file__).resolve().parents[4] / "tests" / "insight" / "data"
SOURCES = ("dev_rules.jsonl", "history.jsonl", "redcheck.jsonl")
OUTPUT = Path(__file__).resolve().parents[2] / "suggest" / "red_ngrams.json"


def _load(paths: list[Path]) -> tuple[list[str], list[bool]]:
    texts: list[str] = []
    red: list[bool] = []
    for path in paths:
        if path.name == "eval.jsonl":
            raise CommandError("eval.jsonl is the held-out evaluation set and is never used for fitting.")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                texts.append(normalise(str(row["text"])))
                red.append(row["grade"] == "red")
            except (ValueError, KeyError, TypeError) as exc:
                raise CommandError(f"{path.name}:{number}: {exc}") from exc
    return texts, red


def fit_red_ngrams(texts: list[str], red: list[bool], *, recall: float, c: float) -> dict[str, Any]:
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    from sklearn.model_selection import StratifiedKFold, cross_val_predict  # type: ignore[import-untyped]

    y = np.array(red)
    vectorizer = CountVectorizer(analyzer="char", ngram_range=(1, 3), binary=True, min_df=2, lowercase=False)
    x = vectorizer.fit_transform(texts)
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
    folds = StratifiedKFold(5, shuffle=True, random_state=1)
    held_out = cross_val_predict(model, x, y, cv=folds, method="decision_function")
    ranked = np.sort(held_out[y])[::-1]
    threshold = float(ranked[math.ceil(recall * y.sum()) - 1])
    flagged = held_out >= threshold
    model.fit(x, y)
    bias = float(model.intercept_[0])
    if threshold <= bias:
        raise CommandError("the fitted threshold lies below the bias: nothing to scale")
    scale = RED_AT / (threshold - bias)
    names = vectorizer.get_feature_names_out()
    weights = {
        str(name): round(float(w) * scale, 4)
        for name, w in zip(names, model.coef_[0], strict=True)
        if abs(w) > 1e-4
    }
    return {
        "about": "Red-signal string weights of the shipped lexicon; see `manage.py build_red_lexicon`.",
        "trained_on": len(texts),
        "red": int(y.sum()),
        "c": c,
        "recall_target": recall,
        "cross_validated": {
            "recall": round(float((flagged & y).sum() / y.sum()), 4),
            "precision": round(float((flagged & y).sum() / max(int(flagged.sum()), 1)), 4),
        },
        "weights": dict(sorted(weights.items())),
    }


class Command(BaseCommand):
    help = "Fit the red-signal string weights of the shipped lexicon on the shipped labelled appeals."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--recall", type=float, default=0.95)
        parser.add_argument("--c", type=float, default=0.3)
        parser.add_argument("--out", type=Path, default=OUTPUT)

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["recall"] <= 1:
            raise CommandError("--recall must lie in (0, 1].")
        if not options["c"] > 0:
            raise CommandError("--c must be positive.")
        texts, red = _load([DATA / name for name in SOURCES])
        fitted = fit_red_ngrams(texts, red, recall=options["recall"], c=options["c"])
        out: Path = options["out"]
        out.write_text(json.dumps(fitted, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
        cv = fitted["cross_validated"]
        self.stdout.write(
            f"{len(fitted['weights'])} strings from {fitted['trained_on']} appeals ({fitted['red']} red); "
            f"cross-validated recall {cv['recall']}, precision {cv['precision']}; written to {out}"
        )
