"""`make bench`: the page timings at two sizes (query counts must not grow), then the roster import.

Quick (default): SQLite with 2,000 and 10,000 people. --full: PostgreSQL with 10,000 and 500,000 people
(databases lx_bench_small and lx_bench). Prints a Markdown report and writes it to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
TARGET_MEDIAN_MS = 100.0
TARGET_P95_MS = 250.0


def run_size(engine: str, people: int, db: str, requests: int, reuse: bool) -> dict[str, Any]:
    out = OUT / f"pages-{engine}-{people}.json"
    cmd = [
        sys.executable,
        str(HERE / "seed_and_time.py"),
        "--engine",
        engine,
        "--people",
        str(people),
        "--db",
        db,
        "--requests",
        str(requests),
        "--json",
        str(out),
    ]
    if reuse:
        cmd.append("--reuse")
    print(f"$ {' '.join(cmd[1:])}", flush=True)
    subprocess.run(cmd, check=True)
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def verdict(row: dict[str, Any]) -> str:
    if row.get("status") != "ok":
        return row.get("status", "?")
    ok = row["median_ms"] <= TARGET_MEDIAN_MS and row["p95_ms"] <= TARGET_P95_MS
    return "met" if ok else "MISSED"


def markdown(small: dict[str, Any], big: dict[str, Any]) -> str:
    lines = [
        f"### {big['database']}: {big['people']:,} people in {big['units']:,} units",
        "",
        (
            f"Seed time: {big['seed_seconds']} s (migrate {big['migrate_seconds']} s). "
            if big["seed_seconds"]
            else "Database reused (--reuse): no seed time. "
        )
        + f"{big['requests']} timed requests per page after 3 warm-up requests (the first on cold caches: "
        f'"cold ms"); queries counted on cold caches; Python {big["python"]}; '
        f"load average {big['load_average'][0]} → {big['load_average'][1]}.",
        "",
        f"| user | page | median ms | p95 ms | CPU ms | cold ms | queries at {small['people']:,} | "
        f"queries at {big['people']:,} | target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    small_rows = {(r["user"], r["page"]): r for r in small["results"]}
    for row in big["results"]:
        before = small_rows.get((row["user"], row["page"]), {})
        if row.get("status") == "ok":
            same = "" if before.get("queries") == row["queries"] else " ≠"
            lines.append(
                f"| {row['user']} | {row['page']} | {row['median_ms']} | {row['p95_ms']} | "
                f"{row['cpu_median_ms']} | {row['cold_ms']} | {before.get('queries', '–')} | "
                f"{row['queries']}{same} | "
                f"{verdict(row)} |"
            )
        else:
            lines.append(f"| {row['user']} | {row['page']} | – | – | – | – | – | – | {row.get('status')} |")
    return "\n".join(lines)


def run_import(engine: str) -> None:
    script = HERE / "bench_import.py"
    if not script.exists():
        print("roster import benchmark: bench/bench_import.py is not there yet", flush=True)
        return
    env = dict(os.environ)
    if engine == "postgres":
        env["DATABASE_URL"] = (
            os.environ.get("PG_BENCH_SERVER", "postgres://postgres@127.0.0.1:5432") + "/lx_bench"
        )
    else:
        env.pop("DATABASE_URL", None)
    print(f"$ bench_import.py ({engine})", flush=True)
    result = subprocess.run([sys.executable, str(script)], env=env, check=False)
    if result.returncode:
        print(f"roster import benchmark failed with exit code {result.returncode}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="PostgreSQL with 500,000 people")
    parser.add_argument("--people", type=int, help="the larger size (default 10,000 or 500,000)")
    parser.add_argument("--small", type=int, help="the smaller size (default 2,000 or 10,000)")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--reuse", action="store_true", help="keep already seeded databases")
    parser.add_argument("--no-import", action="store_true", help="skip the roster import benchmark")
    args = parser.parse_args()
    engine = "postgres" if args.full else "sqlite"
    big_n = args.people or (500_000 if args.full else 10_000)
    small_n = args.small or (10_000 if args.full else 2_000)
    names = ("lx_bench_small", "lx_bench") if args.full else (f"bench_{small_n}", f"bench_{big_n}")

    small = run_size(engine, small_n, names[0], args.requests, args.reuse)
    big = run_size(engine, big_n, names[1], args.requests, args.reuse)
    report = f"_Run {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}_\n\n" + markdown(small, big)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"pages-{engine}.md").write_text(report + "\n")
    print("\n" + report, flush=True)
    missed = [r for r in big["results"] if verdict(r) != "met"]
    print(
        f"\n{len(big['results']) - len(missed)} of {len(big['results'])} page timings met the target "
        f"(median ≤ {TARGET_MEDIAN_MS:.0f} ms, p95 ≤ {TARGET_P95_MS:.0f} ms).",
        flush=True,
    )
    if not args.no_import:
        run_import(engine)


if __name__ == "__main__":
    main()
