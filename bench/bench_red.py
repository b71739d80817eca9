"""Red detection benchmark: how often red is raised on real public text and on the project's held-out
appeals, how readable its evidence is, and how fast the suggester runs on one core.

Prints, for the red model shipped in lianxin/insight/suggest/red_model.json:
- on the held-out part of each real source (../shared/data/real, never fitted on): red recall on tree-hole
  posts at risk level >= 6 and on posts labelled suicidal, the red rate at level <= 2 of the same corpus
  (the honest same-source contrast), and the false-red rate of ordinary Weibo posts, messages to a government
  board and safe comments;
- on tests/insight/data/eval.jsonl (labelled appeals never fitted on): red recall and precision;
- the share of red suggestions whose evidence holds something that is not a readable word;
- suggestions per second on one core.

    uv run python bench/bench_red.py [--real ../shared/data/real] [--threshold T]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")

import django  # noqa: E402

django.setup()

from lianxin.insight.suggest import redmodel, redtrain  # noqa: E402
from lianxin.insight.suggest.lexicon_data import RULES  # noqa: E402
from lianxin.insight.suggest.rules import compile_rules  # noqa: E402

TARGETS = {
    "sos_hi": ("red recall, tree-hole risk level >= 6", ">=", 0.95),
    "die": ("red recall, posts labelled suicidal", ">=", 0.90),
    "sos_lo": ("red rate, tree-hole risk level <= 2 (same source)", "", None),
    "sos_mid": ("red rate, tree-hole risk level 3-5 (mixed)", "", None),
    "weibo": ("false red, ordinary Weibo posts", "<=", 0.02),
    "gov": ("false red, messages to a government board", "<=", 0.02),
    "cold_safe": ("false red, safe comments", "<=", 0.02),
    "cold_offensive": ("red rate, offensive comments", "", None),
}


def verdict(value: float, sign: str, target: float | None) -> str:
    if target is None:
        return ""
    ok = value >= target if sign == ">=" else value <= target
    return f"target {sign} {target:.2f}: {'met' if ok else 'MISSED'}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--real", default=str(ROOT.parent / "shared" / "data" / "real"))
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--texts", type=int, default=5000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    model = redmodel.RedModel.load()
    if args.threshold is not None:
        model.threshold = args.threshold
    ruleset = compile_rules(RULES, red_model=model)
    print(f"load average {os.getloadavg()[0]:.2f}; red threshold {model.threshold:.3f}")

    real = Path(args.real)
    held = redtrain.split(redtrain.real_sets(real), held=True)
    figures = redtrain.measure_real(ruleset, held)
    print("\nheld-out real text (never fitted on)")
    for name, (label, sign, target) in TARGETS.items():
        row = figures[name]
        print(
            f"  {label:52} {row['rate']:6.1%}  ({row['red']}/{row['n']})  "
            f"{verdict(row['rate'], sign, target)}"
        )
    print(f"  {'red suggestions with unreadable evidence':52} {figures['unreadable_evidence']:6.1%}")

    rows = [json.loads(line) for line in (ROOT / "tests/insight/data/eval.jsonl").open(encoding="utf-8")]
    truth = [r["grade"] == "red" for r in rows]
    found = [ruleset.suggest(r["text"]).grade == "red" for r in rows]
    hit = sum(t and f for t, f in zip(truth, found, strict=True))
    recall = hit / sum(truth)
    precision = hit / max(1, sum(found))
    print(f"\nheld-out appeals (tests/insight/data/eval.jsonl, {len(rows)} rows, {sum(truth)} red)")
    print(f"  red recall {recall:.3f} ({verdict(recall, '>=', 0.98)})")
    print(f"  red precision {precision:.3f} ({verdict(precision, '>=', 0.6)})")

    texts = [t for name in ("gov", "weibo", "sos_hi") for t in held[name]]
    texts = (texts * (args.texts // max(1, len(texts)) + 1))[: args.texts]
    started = time.perf_counter()
    for text in texts:
        ruleset.suggest(text)
    rate = len(texts) / (time.perf_counter() - started)
    print(f"\nthroughput {rate:,.0f} suggestions/s on one core ({len(texts)} real texts; target >= 1,000)")
    appeals = [r["text"] for r in rows]
    appeals = (appeals * (args.texts // len(appeals) + 1))[: args.texts]
    started = time.perf_counter()
    for text in appeals:
        ruleset.suggest(text)
    rate = len(appeals) / (time.perf_counter() - started)
    mean = sum(map(len, appeals)) / len(appeals)
    print(
        f"throughput {rate:,.0f} suggestions/s on one core "
        f"({len(appeals)} appeals of {mean:.0f} characters on average)"
    )


if __name__ == "__main__":
    main()
