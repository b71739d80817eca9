"""Quality figures of a suggester on labelled appeals: category macro-F1, grade accuracy, red recall and
red precision. The same function measures the rules and the learned model, on the same rows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TypedDict

from lianxin.appeals.triage import Suggestion

RED = "red"


class Metrics(TypedDict):
    n: int
    category_macro_f1: float
    category_accuracy: float
    grade_accuracy: float
    red_recall: float
    red_precision: float
    red_true: int
    red_found: int
    per_category_f1: dict[str, float]


def category_macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> tuple[float, dict[str, float]]:
    """Macro-F1 over the categories that occur in the truth. A prediction of a category that never occurs
    still costs precision nowhere and recall of the true one; an empty prediction is simply a miss."""
    labels = sorted(set(truth))
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for t, p in zip(truth, predicted, strict=True):
        if t == p:
            tp[t] += 1
        else:
            fn[t] += 1
            fp[p] += 1
    per: dict[str, float] = {}
    for label in labels:
        denominator = 2 * tp[label] + fp[label] + fn[label]
        per[label] = 2 * tp[label] / denominator if denominator else 0.0
    return (sum(per.values()) / len(per) if per else 0.0), per


def measure(rows: Iterable[dict[str, str]], suggester: Callable[[str], Suggestion | None]) -> Metrics:
    """Run the suggester over rows {"text", "category", "grade"} and compare with their labels."""
    truth_c: list[str] = []
    truth_g: list[str] = []
    pred_c: list[str] = []
    pred_g: list[str] = []
    for row in rows:
        found = suggester(row["text"]) or Suggestion()
        truth_c.append(row["category"])
        truth_g.append(row["grade"])
        pred_c.append(found.category)
        pred_g.append(found.grade)
    return metrics_of(truth_c, truth_g, pred_c, pred_g)


def metrics_of(
    truth_c: Sequence[str], truth_g: Sequence[str], pred_c: Sequence[str], pred_g: Sequence[str]
) -> Metrics:
    n = len(truth_c)
    macro, per = category_macro_f1(truth_c, pred_c)
    red_true = sum(1 for g in truth_g if g == RED)
    red_found = sum(1 for g in pred_g if g == RED)
    red_hit = sum(1 for t, p in zip(truth_g, pred_g, strict=True) if t == RED and p == RED)
    return Metrics(
        n=n,
        category_macro_f1=round(macro, 4),
        category_accuracy=round(sum(t == p for t, p in zip(truth_c, pred_c, strict=True)) / n, 4)
        if n
        else 0.0,
        grade_accuracy=round(sum(t == p for t, p in zip(truth_g, pred_g, strict=True)) / n, 4) if n else 0.0,
        # With no red in the truth nothing was missed; with no red suggested nothing was wrongly raised.
        red_recall=round(red_hit / red_true, 4) if red_true else 1.0,
        red_precision=round(red_hit / red_found, 4) if red_found else 1.0,
        red_true=red_true,
        red_found=red_found,
        per_category_f1={k: round(v, 4) for k, v in per.items()},
    )
