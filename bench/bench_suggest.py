"""Triage suggester benchmark: learning from the organisation, throughput and training time.

1. Category macro-F1 and grade accuracy of the rules alone (cold) and of the blend fitted on the first 50,
   100, 200 and 400 confirmed labels of tests/insight/data/history.jsonl (in a fixed random order), measured
   on the held-out appeals of tests/insight/data/eval.jsonl (never fitted or tuned on) and on the rest of
   history.jsonl (the same organisation's appeals the model did not see).
2. Throughput on one core of the rules alone and of the engine with the blended model active (≥ 20,000
   texts: history.jsonl lines with light perturbation: greetings, closing words, digits, a dropped
   character, extra punctuation).
3. Training on --train labelled appeals (0 to skip).

No database is needed: the shipped lexicon is compiled from lexicon_data.RULES.

    uv run python bench/bench_suggest.py [--texts 20000] [--train 20000] [--seeds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")

import django  # noqa: E402

django.setup()

from lianxin.insight.suggest import learned  # noqa: E402
from lianxin.insight.suggest.engine import Engine  # noqa: E402
from lianxin.insight.suggest.evaluate import measure  # noqa: E402
from lianxin.insight.suggest.lexicon_data import RULES, shipped_rules  # noqa: E402
from lianxin.insight.suggest.rules import compile_rules  # noqa: E402
from lianxin.insight.suggest.training import CURVE_SIZES, fit_with_rules, split_held_out  # noqa: E402

HISTORY = ROOT / "tests" / "insight" / "data" / "history.jsonl"
EVALUATION = ROOT / "tests" / "insight" / "data" / "eval.jsonl"
OPENINGS = ["", "", "", "您好，", "领导好：", "反映个问题：", "我是一线员工，", "匿名反映："]
CLOSINGS = ["", "", "", "谢谢", "请尽快处理", "。", "！", "希望得到答复", "麻烦了"]


def perturb(text: str, rng: random.Random) -> str:
    chars = list(text)
    if len(chars) > 8 and rng.random() < 0.3:
        del chars[rng.randrange(len(chars))]
    if rng.random() < 0.2:
        chars.insert(rng.randrange(len(chars) + 1), rng.choice("，。 、"))
    out = "".join(c if not c.isdigit() else str(rng.randrange(10)) for c in chars)
    return rng.choice(OPENINGS) + out + rng.choice(CLOSINGS)


def sample(rows: list[dict[str, Any]], n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [{**row, "text": perturb(row["text"], rng)} for row in (rng.choice(rows) for _ in range(n))]


def rate(func: Any, texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        func(text)
    return len(texts) / (time.perf_counter() - started)


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def learning(rules: Any, prior: list[tuple[str, str]], history: list[dict[str, Any]], seeds: int) -> None:
    """Cold and warm figures; each number of labels is drawn `seeds` times (different random orders) and the
    mean is printed with the range."""
    evaluation = load(EVALUATION)
    cold = measure(evaluation, rules.suggest)
    print(f"learning from confirmed labels (history.jsonl), measured on {len(evaluation)} held-out appeals:")
    print(f"  {'labels':>6}  {'eval F1':>16}  {'eval grade':>10}  {'rest of history F1 (rules)':>28}  weight")
    print(f"  {'cold':>6}  {cold['category_macro_f1']:16.3f}  {cold['grade_accuracy']:10.3f}")
    for size in CURVE_SIZES:
        f1s, grades, rest, rest_rules, weights = [], [], [], [], []
        for seed in range(seeds):
            rows = history[:]
            random.Random(seed).shuffle(rows)
            train, unseen = rows[:size], rows[size:]
            model, _measured = fit_with_rules(train, rules, prior)
            engine = Engine(rules=rules, model=model)
            warm = measure(evaluation, engine.suggest)
            f1s.append(warm["category_macro_f1"])
            grades.append(warm["grade_accuracy"])
            rest.append(measure(unseen, engine.suggest)["category_macro_f1"])
            rest_rules.append(measure(unseen, rules.suggest)["category_macro_f1"])
            weights.append(model.blend_weight)
        mean = sum(f1s) / len(f1s)
        print(
            f"  {size:>6}  {mean:.3f} ({min(f1s):.3f}–{max(f1s):.3f})  {sum(grades) / len(grades):10.3f}  "
            f"{sum(rest) / len(rest):14.3f} ({sum(rest_rules) / len(rest_rules):.3f})            "
            f"{', '.join(f'{w:.2f}' for w in weights)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--train", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    history = [json.loads(line) for line in HISTORY.open(encoding="utf-8") if line.strip()]
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")

    started = time.perf_counter()
    rules = compile_rules(shipped_rules())
    print(f"lexicon: {len(rules.rules)} rules compiled in {time.perf_counter() - started:.2f} s")
    prior = learned.prior_from_rules(RULES)
    learning(rules, prior, history, args.seeds)
    model, _measured = fit_with_rules(history, rules, prior)
    texts = [r["text"] for r in sample(history, args.texts, seed=1)]
    engine = Engine(rules=rules, model=model)
    for func in (rules.suggest, engine.suggest):  # warm up
        for text in texts[:200]:
            func(text)
    print(f"throughput over {len(texts):,} texts, one core:")
    print(f"  rules alone        {rate(rules.suggest, texts):8,.0f} appeals/s")
    print(f"  model alone        {rate(lambda t: model.explain(t, 4), texts):8,.0f} appeals/s")
    print(
        f"  engine with model  {rate(engine.suggest, texts):8,.0f} appeals/s "
        f"(blend weight {model.blend_weight}, grade from the model: {model.grade_from_model})"
    )
    if args.train <= 0:
        return

    big = sample(history, args.train, seed=2)
    train, held = split_held_out(big)
    started = time.perf_counter()
    fitted, _measured = fit_with_rules(train, rules, prior)
    fit_seconds = time.perf_counter() - started
    blob = fitted.to_bytes()
    started = time.perf_counter()
    measure(held, rules.suggest)
    measure(held, Engine(rules=rules, model=fitted).suggest)
    measure_seconds = time.perf_counter() - started
    started = time.perf_counter()
    learned.LearnedModel.from_bytes(blob)
    load_seconds = time.perf_counter() - started
    print(f"training on {len(big):,} labelled appeals ({len(train):,} fitted, {len(held):,} held out):")
    print(f"  fit with the blend's cross-validation   {fit_seconds:6.1f} s, {len(fitted.terms):,} features")
    print(f"  measuring model and rules on held-out   {measure_seconds:6.1f} s")
    print(f"  total                                   {fit_seconds + measure_seconds:6.1f} s")
    print(f"  stored model {len(blob) / 1e6:.1f} MB, loaded in {load_seconds:.2f} s")
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
