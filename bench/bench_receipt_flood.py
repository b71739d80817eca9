"""Other users' response time while 8 clients flood the receipt lookup with wrong codes, over real HTTP
against gunicorn, with and without the flood, in one run.

    uv run python bench/bench_receipt_flood.py [--engine sqlite|postgres] [--requests 200] [--rounds 2]
        [--root DIR]   # the project to serve: another checkout (e.g. `git archive main`), to compare
        [--limits raised|shipped]

A fresh database (SQLite bench/out/flood/lx_bench_flood.sqlite3, or PostgreSQL lx_bench_flood), migrate,
`demo_seed --people 230`, one employee with a session. gunicorn serves it on 127.0.0.1:8124 only, the way
scripts/serve.sh does (2 workers, 4 threads each), behind a pretend proxy (TRUSTED_PROXIES=1: each flood
client sends its own X-Forwarded-For address). The receipt limits are raised out of reach, so that every
guess goes all the way through the lookup and the flood is never turned away by the counters; with
--limits shipped they are the project's own, and each guesser is refused after its first ten.

Each round: the employee requests the home page N times one after another (20 ms apart) on a quiet server,
then N times again while 8 client threads (in a process of their own) post random well-formed wrong codes as
fast as they are answered, half to the page (/appeals/receipt/) and half to the API
(/api/v1/receipts/status). A phase stops after N requests or 180 s; the flood stops with its phase and never
sends more than --flood-max requests. The median of all quiet requests is set against the median of all
flooded ones; target: at most 20 % more.
The server is stopped at the end, whatever happens.

Imported by gunicorn with LX_FLOOD_SERVER=1, this module is the server's settings instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

if os.environ.get("LX_FLOOD_SERVER") == "1":
    # --- the server side: Lianxin's settings, static files from the finders (no collectstatic run) -----
    from lianxin.settings import *  # noqa: F403

    STORAGES = {
        **STORAGES,  # noqa: F405
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    if os.environ.get("LX_FLOOD_LIMITS") != "shipped":
        # Out of reach: every guess goes through the whole lookup (set here, not from the environment, so
        # that a version from before these were settings is measured alike).
        APPEAL_RECEIPT_FAILURES_PER_CLIENT = APPEAL_RECEIPT_FAILURES_GLOBAL = 10**9

PORT = 8124
OUT = HERE / "out" / "flood"
FLOODERS = 8
TARGET = 0.20
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def prepare(engine: str) -> tuple[str, dict[str, str]]:
    """A fresh seeded database; returns its URL and the employee's session."""
    from fresh import credentials_of, fresh_database

    url = fresh_database(engine, name="lx_bench_flood", people=230, sqlite_dir=OUT)
    return url, credentials_of(__file__, url)


def credentials() -> None:
    """In a process on the fresh database: an employee with a person file and a database session."""
    from fresh import employee_session

    _user, values = employee_session("flood_employee")
    from lianxin.appeals.models import Appeal

    values["receipts"] = str(Appeal.objects.filter(is_anonymous=True).count())
    print("\n".join(f"{name}={value}" for name, value in values.items()))


def wrong_code(rng: Any) -> str:
    raw = "".join(rng.choice(ALPHABET) for _ in range(24))
    return "-".join(raw[i : i + 4] for i in range(0, 24, 4))


def send(method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, float]:
    """One request on a new connection: (status, seconds)."""
    import http.client
    import time

    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - start
    except OSError:
        return 0, time.perf_counter() - start
    finally:
        conn.close()


def ordinary(creds: dict[str, str], requests: int) -> list[float]:
    """The employee's home page, one request after another; the milliseconds of each answered one."""
    import time

    cookie = {"Cookie": f"{creds['session_cookie']}={creds['session']}"}
    times = []
    deadline = time.perf_counter() + 180
    for _ in range(requests):
        if time.perf_counter() > deadline:
            break
        status, seconds = send("GET", "/", b"", cookie)
        if status != 200:
            raise RuntimeError(f"the home page answered {status}")
        times.append(seconds * 1000)
        time.sleep(0.02)
    return times


class Budget:
    """At most `total` flood requests over all the flooding clients."""

    def __init__(self, total: int) -> None:
        import threading

        self.left = total
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            self.left -= 1
            return self.left >= 0


def flood(creds: dict[str, str], stop: Any, budget: Budget, results: list[tuple[int, float]], n: int) -> None:
    """Client n: wrong codes as fast as they are answered, from its own address, until told to stop."""
    import json
    import random
    import secrets
    from urllib.parse import urlencode

    rng = random.Random(n)
    address = f"203.0.113.{n + 1}"
    csrf = secrets.token_hex(16)  # a 32-character secret: the cookie and the form field carry the same one
    while not stop.is_set() and budget.take():
        code = wrong_code(rng)
        if n % 2:
            body = json.dumps({"code": code}).encode()
            headers = {"Content-Type": "application/json", "X-Forwarded-For": address}
            results.append(send("POST", "/api/v1/receipts/status", body, headers))
        else:
            body = urlencode({"code": code, "csrfmiddlewaretoken": csrf}).encode()
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"{creds['csrf_cookie']}={csrf}",
                "X-Forwarded-For": address,
            }
            results.append(send("POST", "/appeals/receipt/", body, headers))


def flooders(creds: dict[str, str], stop: Any, flood_max: int, results: Any) -> None:
    """The flooding clients: a process of their own, so that the measured client never waits for them in
    its own interpreter. Their (status, seconds) go back through `results` when `stop` is set."""
    import threading

    budget = Budget(flood_max)
    done: list[tuple[int, float]] = []
    local_stop = threading.Event()
    threads = [
        threading.Thread(target=flood, args=(creds, local_stop, budget, done, n)) for n in range(FLOODERS)
    ]
    for thread in threads:
        thread.start()
    stop.wait()
    local_stop.set()
    for thread in threads:
        thread.join()
    results.send(done)


def flooded(
    creds: dict[str, str], requests: int, flood_max: int
) -> tuple[list[float], list[tuple[int, float]]]:
    import multiprocessing
    import time

    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    receive, send_back = context.Pipe(duplex=False)
    process = context.Process(target=flooders, args=(creds, stop, flood_max, send_back))
    process.start()
    time.sleep(2)  # the flood is under way before the first measured request
    try:
        times = ordinary(creds, requests)
    finally:
        stop.set()
    results: list[tuple[int, float]] = receive.recv()
    process.join()
    return times, results


def median(values: list[float]) -> float:
    import statistics

    return statistics.median(values)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


def serve(url: str, limits: str) -> Any:
    import subprocess

    from fresh import ROOT as served

    env = {
        **os.environ,
        "DATABASE_URL": url,
        "LX_FLOOD_SERVER": "1",
        "LX_FLOOD_LIMITS": limits,
        "DJANGO_SETTINGS_MODULE": "bench_receipt_flood",
        "PYTHONPATH": f"{HERE}:{served}",
        "SECURE_COOKIES": "0",
        "DEBUG": "0",
        "TRUSTED_PROXIES": "1",
    }
    env.pop("REDIS_URL", None)
    env.pop("GUARD_REDIS_URL", None)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "lianxin.wsgi:application",
        "--workers",
        "2",
        "--threads",
        "4",
    ]
    command += ["-b", f"127.0.0.1:{PORT}", "--log-level", "warning", "--timeout", "120"]
    return subprocess.Popen(command, env=env, cwd=str(served))


def wait_until_up() -> None:
    import time

    for _ in range(150):
        if send("GET", "/accounts/login/", b"", {})[0] == 200:
            return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def main() -> None:
    import argparse
    import collections
    import datetime as dt
    import platform

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--flood-max", type=int, default=100_000)
    parser.add_argument("--root", help="serve this checkout of the project instead of this one")
    parser.add_argument(
        "--limits",
        choices=["raised", "shipped"],
        default="raised",
        help="receipt limits out of reach (every guess is looked up), or as shipped (guessers are refused)",
    )
    args = parser.parse_args()
    if args.root:
        os.environ["LX_BENCH_ROOT"] = str(Path(args.root).resolve())

    url, creds = prepare(args.engine)
    server = serve(url, args.limits)
    quiet_all: list[float] = []
    flooded_all: list[float] = []
    try:
        wait_until_up()
        ordinary(creds, 20)  # warm both workers
        started = dt.datetime.now(dt.UTC)
        print(
            f"receipt flood, {args.engine}: gunicorn 2 workers x 4 threads on 127.0.0.1:{PORT}, {FLOODERS} "
            f"flooding clients, {args.requests} home-page requests per phase, {args.rounds} rounds, "
            f"receipt limits {args.limits}; "
            f"{creds['receipts']} anonymous appeals; project {os.environ.get('LX_BENCH_ROOT') or ROOT}; "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}; "
            f"start {started:%Y-%m-%d %H:%M} UTC, load {load()}",
            flush=True,
        )
        for number in range(1, args.rounds + 1):
            quiet = ordinary(creds, args.requests)
            times, guesses = flooded(creds, args.requests, args.flood_max)
            quiet_all += quiet
            flooded_all += times
            statuses = collections.Counter(status for status, _ in guesses)
            answered = median([t * 1000 for _, t in guesses])
            seconds = sum(t for _, t in guesses) / FLOODERS
            print(
                f"  round {number}: quiet median {median(quiet):.1f} ms (p95 {p95(quiet):.1f}); flooded "
                f"median {median(times):.1f} ms (p95 {p95(times):.1f}); {len(guesses)} wrong guesses at "
                f"{len(guesses) / seconds:.0f}/s, each answered in {answered:.1f}"
                f" ms (median), statuses {dict(statuses)}; load {load()}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    rise = median(flooded_all) / median(quiet_all) - 1
    verdict = "met" if rise <= TARGET else "MISSED"
    quiet_ms, flooded_ms = median(quiet_all), median(flooded_all)
    print(
        f"  all rounds: quiet median {quiet_ms:.1f} ms, flooded median {flooded_ms:.1f} ms: "
        f"{rise:+.0%} (target at most +{TARGET:.0%}: {verdict})"
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--credentials"]:
        credentials()
    else:
        main()
