"""Triage suggester benchmark: throughput on one core of the rules alone and of the engine with a learned
model (≥ 20,000 texts), and training on 100,000 labelled appeals.

The texts are lines of tests/insight/data/history.jsonl with light perturbation (greetings, closing words,
digits, a dropped character, extra punctuation); tests/insight/data/eval.jsonl is never read. No database
is needed: the shipped lexicon is compiled from lexicon_data.RULES.

    uv run python bench/bench_suggest.py [--texts 20000] [--train 100000]
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
from lianxin.insight.suggest.training import split_held_out  # noqa: E402

HISTORY = ROOT / "tests" / "insight" / "data" / "history.jsonl"
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--train", type=int, default=100_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    history = [json.loads(line) for line in HISTORY.open(encoding="utf-8") if line.strip()]
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")

    started = time.perf_counter()
    rules = compile_rules(shipped_rules())
    print(f"lexicon: {len(rules.rules)} rules compiled in {time.perf_counter() - started:.2f} s")
    prior = learned.prior_from_rules(RULES)
    model = learned.fit(
        [r["text"] for r in history],
        [r["category"] for r in history],
        [r["grade"] for r in history],
        prior=prior,
    )
    texts = [r["text"] for r in sample(history, args.texts, seed=1)]
    engine = Engine(rules=rules, model=model)
    for func in (rules.suggest, engine.suggest):  # warm up
        for text in texts[:200]:
            func(text)
    print(f"throughput over {len(texts):,} texts, one core:")
    print(f"  rules alone        {rate(rules.suggest, texts):8,.0f} appeals/s")
    print(f"  model alone        {rate(lambda t: model.explain(t, 4), texts):8,.0f} appeals/s")
    print(f"  engine with model  {rate(engine.suggest, texts):8,.0f} appeals/s")

    big = sample(history, args.train, seed=2)
    train, held = split_held_out(big)
    started = time.perf_counter()
    fitted = learned.fit(
        [r["text"] for r in train], [r["category"] for r in train], [r["grade"] for r in train], prior=prior
    )
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
    print(f"  fit (vectorizer and both classifiers)   {fit_seconds:6.1f} s, {len(fitted.terms):,} features")
    print(f"  measuring model and rules on held-out   {measure_seconds:6.1f} s")
    print(f"  total                                   {fit_seconds + measure_seconds:6.1f} s")
    print(f"  stored model {len(blob) / 1e6:.1f} MB, loaded in {load_seconds:.2f} s")
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


if __name__ == "__main__":
    main()
