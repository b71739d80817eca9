"""Seed a fresh database with the demo plant and time the main pages server-side.

Creates the database anew (PostgreSQL: drops and recreates it; SQLite: a file under bench/out/), migrates,
seeds N people with `demo_seed`, then requests each page through Django's test client as the party-mass
department user and as the 运行部 branch secretary: median and p95 over --requests timed requests, and the
SQL query count of one more request. A page whose URL does not exist yet is reported as not available.

    uv run python bench/seed_and_time.py --engine sqlite --people 10000
    uv run python bench/seed_and_time.py --engine postgres --people 500000 --db lx_bench
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE.parent))

PG_SERVER = os.environ.get("PG_BENCH_SERVER", "postgres://postgres@127.0.0.1:5432")
TARGET_MEDIAN_MS = 100.0
TARGET_P95_MS = 250.0
USERS = ("department", "secretary_yunxing")


def prepare_database(engine: str, people: int, db: str, reuse: bool) -> str:
    """Point Django at a fresh database (or the existing one with --reuse); returns its URL."""
    if engine == "postgres":
        if not reuse:
            import psycopg

            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{db}"')
        return f"{PG_SERVER}/{db}"
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{db}.sqlite3"
    if not reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def configure(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["LIANXIN_VAR_DIR"] = str(OUT / "var")
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ["DEBUG"] = "0"
    os.environ["SECURE_COOKIES"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    # WhiteNoise warns that collectstatic has not run; the pages do not need the files to be served.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def pages(branch_id: int, person_id: int) -> list[tuple[str, str]]:
    return [
        ("people: whole enterprise, first page", "/people/"),
        ("people: filtered and sorted", "/people/?status=cpc&sort=-hire_date"),
        ("people: one branch", f"/people/?unit={branch_id}"),
        ("people: one branch, filtered and sorted", f"/people/?unit={branch_id}&status=cpc&sort=-hire_date"),
        ("person file", f"/people/{person_id}/"),
        ("org tree", "/org/"),
        ("unit page (subtree counts)", f"/org/units/{branch_id}/"),
        ("API unit detail (subtree count)", f"/api/v1/units/{branch_id}"),
    ]


def time_page(client: Any, url: str, requests: int, headers: dict[str, str]) -> dict[str, Any]:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import Resolver404, resolve

    try:
        resolve(url.split("?")[0])
    except Resolver404:
        return {"status": "not available"}
    cache.clear()  # the first request meets cold caches, as after a deploy or an expiry
    started = time.perf_counter()
    first = client.get(url, headers=headers)
    cold_ms = (time.perf_counter() - started) * 1000
    if first.status_code != 200:
        return {"status": f"HTTP {first.status_code}"}
    for _ in range(2):  # warm up (templates, translations, the database's buffers)
        client.get(url, headers=headers)
    timings, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(url, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    # Counted on cold caches: cached aggregates would hide queries, and only at the sizes where they
    # are slow enough to be cached, which would make the count look as if it changed with size.
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        client.get(url, headers=headers)
    return {
        "status": "ok",
        "n": requests,
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        # This process's CPU only (SQLite work included, PostgreSQL's not): a check against a busy machine.
        "cpu_median_ms": round(statistics.median(cpu), 1),
        "cold_ms": round(cold_ms, 1),
        "queries": len(queries.captured_queries),
    }


def measure(requests: int) -> list[dict[str, Any]]:
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings

    from lianxin.org.models import Person, Unit

    branch = Unit.objects.get(depth=2, name="运行部")
    in_branch = Person.objects.filter(unit__path__startswith=branch.path).order_by("pk")
    person_id = in_branch.values_list("pk", flat=True)[in_branch.count() // 2]
    results = []
    # The static manifest is a production build step; plain static URLs cost the same lookup.
    plain_static = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static):
        for username in USERS:
            user = get_user_model().objects.get(username=username)
            client = Client()
            client.force_login(user)
            headers = {"Authorization": f"Bearer {api_token(user)}"}
            for label, url in pages(branch.pk, person_id):
                api = url.startswith("/api/")
                row = time_page(client, url, requests, headers if api else {})
                results.append({"user": username, "page": label, "url": url, **row})
                print(f"  {username:18} {label:42} {format_row(row)}", flush=True)
    return results


def api_token(user: Any) -> str:
    try:
        from lianxin.api.models import ApiToken
    except ImportError:
        return ""
    _token, raw = ApiToken.issue(user=user, name="bench")
    return raw


def format_row(row: dict[str, Any]) -> str:
    if row.get("status") != "ok":
        return str(row.get("status"))
    return (
        f"median {row['median_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
        f"(cpu {row['cpu_median_ms']:6.1f} ms, cold {row['cold_ms']:6.1f} ms)  queries {row['queries']}"
    )


def server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
        cursor.execute("SELECT sqlite_version()")
        return f"SQLite {cursor.fetchone()[0]}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--db", default="", help="database name (default lx_bench / bench_<people>)")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    db = args.db or ("lx_bench" if args.engine == "postgres" else f"bench_{args.people}")

    url = prepare_database(args.engine, args.people, db, args.reuse)
    configure(url)
    from django.core.management import call_command

    from lianxin.org.models import Person, Unit

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - started
    seed_s = 0.0
    if not Person.objects.exists():
        print(f"seeding {args.people} people into {args.engine} database {db} …", flush=True)
        started = time.perf_counter()
        call_command("demo_seed", people=args.people)
        seed_s = time.perf_counter() - started
    people, units = Person.objects.count(), Unit.objects.count()
    print(
        f"{server_version()}: {people} people in {units} units; migrate {migrate_s:.1f} s, "
        f"seed {seed_s:.1f} s",
        flush=True,
    )
    load_before = os.getloadavg()[0]
    results = measure(args.requests)
    load_after = os.getloadavg()[0]
    report = {
        "engine": args.engine,
        "database": server_version(),
        "python": platform.python_version(),
        "people": people,
        "units": units,
        "migrate_seconds": round(migrate_s, 1),
        "seed_seconds": round(seed_s, 1),
        "requests": args.requests,
        "load_average": [round(load_before, 2), round(load_after, 2)],
        "results": results,
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
