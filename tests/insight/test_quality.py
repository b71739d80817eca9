"""Quality of the triage suggester on held-out labelled appeals (tests/insight/data/eval.jsonl), which are
never used for training: red recall and precision of the rules alone, and a model trained only on an
organisation's confirmed history (history.jsonl) against the rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lianxin.insight.suggest import learned
from lianxin.insight.suggest.engine import Engine
from lianxin.insight.suggest.evaluate import Metrics, measure
from lianxin.insight.suggest.lexicon_data import RULES, shipped_rules
from lianxin.insight.suggest.rules import RuleSet, compile_rules
from lianxin.insight.suggest.training import fit_with_rules

DATA = Path(__file__).parent / "data"


def load(name: str) -> list[dict[str, Any]]:
    with (DATA / name).open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def evaluation() -> list[dict[str, Any]]:
    rows = load("eval.jsonl")
    assert len(rows) >= 600
    return rows


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return compile_rules(shipped_rules())  # the shipped lexicon and red model


@pytest.fixture(scope="module")
def rules_figures(rules: RuleSet, evaluation: list[dict[str, Any]]) -> Metrics:
    return measure(evaluation, rules.suggest)


def show(name: str, m: Metrics) -> None:
    print(
        f"\n{name}: n={m['n']} category macro-F1 {m['category_macro_f1']:.3f} "
        f"(accuracy {m['category_accuracy']:.3f}), grade accuracy {m['grade_accuracy']:.3f}, "
        f"red recall {m['red_recall']:.3f} ({m['red_true']} red), red precision {m['red_precision']:.3f} "
        f"({m['red_found']} suggested)\n  per category F1: {m['per_category_f1']}"
    )


@pytest.mark.xfail(
    strict=True,
    reason="target not reached: red recall about 0.88 on eval.jsonl (precision 0.95) since red is "
    "decided by the red model, whose threshold keeps false red on ordinary real text within 2 %; "
    "see bench/RESULTS.md",
)
def test_rules_alone_find_the_reds(rules_figures: Metrics) -> None:
    show("rules alone", rules_figures)
    assert rules_figures["red_true"] >= 30
    assert rules_figures["red_recall"] >= 0.98
    assert rules_figures["red_precision"] >= 0.6


@pytest.fixture(scope="module")
def engine_figures(rules: RuleSet, evaluation: list[dict[str, Any]]) -> Metrics:
    history = load("history.jsonl")
    texts = {r["text"] for r in evaluation}
    assert not any(r["text"] in texts for r in history)  # nothing of the evaluation is learned from
    # As training does: the blend with the rules chosen on the history alone, the active lexicon as prior.
    model, _measured = fit_with_rules(history, rules, learned.prior_from_rules(RULES))
    return measure(evaluation, Engine(rules=rules, model=model).suggest)


def test_a_model_trained_on_history_beats_the_rules(engine_figures: Metrics, rules_figures: Metrics) -> None:
    show("rules + model trained on history.jsonl", engine_figures)
    show("rules alone", rules_figures)
    # Measured: 0.702 against 0.651 (+0.051) on 2026-12-07; the margin asserted leaves room for lexicon edits.
    assert engine_figures["category_macro_f1"] >= rules_figures["category_macro_f1"] + 0.03
    # The model never costs a red: red recall is at least the rules'.
    assert engine_figures["red_recall"] >= rules_figures["red_recall"]


@pytest.mark.xfail(
    reason="target not reached: category macro-F1 0.70 on eval.jsonl after training on the 733 lines of "
    "history.jsonl, written for another organisation than eval.jsonl; see bench/RESULTS.md",
    strict=False,
)
def test_a_model_trained_on_history_reaches_the_target(engine_figures: Metrics) -> None:
    print(f"\ncategory macro-F1 {engine_figures['category_macro_f1']:.3f}, target 0.75")
    assert engine_figures["category_macro_f1"] >= 0.75
