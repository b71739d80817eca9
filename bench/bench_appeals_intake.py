"""Intake throughput: appeals per second through the employee's web form (/appeals/new/, named) and the API
(POST /api/v1/appeals, token), beside the floor of this stack — a Django view that does one INSERT — over real
HTTP against gunicorn, on SQLite and on PostgreSQL, in one run.

    uv run python bench/bench_appeals_intake.py [--requests 300] [--rounds 2] [--workers 2] [--clients 4]

Per engine: a fresh database (PostgreSQL lx_abench_intake; SQLite
bench/out/abench/lx_abench_intake.sqlite3), migrate, `demo_seed --people 2000`, one employee with a person
file, a session and an API token. Then gunicorn (sync workers, 127.0.0.1:8123) serves the project with this
module as its settings and URLconf: Lianxin's own URLs plus /bench/floor/, which inserts one Notification
row (csrf-exempt, no login) and answers 201. Each round sends N requests to each target from C client
threads (http.client, a new connection per request, since gunicorn's sync workers close them) and reports
requests per second; a round stops at 120 s.

Imported by gunicorn with LX_INTAKE_SERVER=1, this module is the server's settings and URLconf instead.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

if os.environ.get("LX_INTAKE_SERVER") == "1":
    # --- the server side: Lianxin's settings and URLs, plus the floor view ----------------------------
    from lianxin.settings import *  # noqa: F403

    ROOT_URLCONF = "bench_appeals_intake"
    ALLOWED_HOSTS = ["127.0.0.1"]
    STORAGES = {  # no collectstatic run: plain static storage
        **STORAGES,  # noqa: F405
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def floor_view(request: Any) -> Any:
    """The floor: routing, the middleware stack, one INSERT, a response."""
    from django.http import HttpResponse

    from lianxin.appeals.models import Notification

    Notification.objects.create(user_id=int(os.environ["LX_FLOOR_USER"]), kind="bench", message="floor")
    return HttpResponse("ok", status=201)


def __getattr__(name: str) -> Any:
    # The URLconf is read after the apps are ready; building it at import time (as settings) is too early.
    if name == "urlpatterns":
        from django.urls import include, path
        from django.views.decorators.csrf import csrf_exempt

        return [path("bench/floor/", csrf_exempt(floor_view)), path("", include("lianxin.urls"))]
    raise AttributeError(name)


# --- the driver ----------------------------------------------------------------------------------------

PORT = 8123
OUT = HERE / "out" / "abench"
TARGET_SHARE = 0.5
TEXT = "食堂晚班供餐时间太早，夜班职工下班后吃不上热饭，希望延长供应或增加夜宵。第{n}次反映。"


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def prepare(engine: str) -> tuple[str, dict[str, str]]:
    """A fresh seeded database; returns its URL and the employee's credentials."""
    from fresh import credentials_of, fresh_database

    url = fresh_database(engine, name="lx_abench_intake", people=2000, sqlite_dir=OUT)
    return url, credentials_of(__file__, url)


def credentials() -> None:
    """In a process on the fresh database: an employee with a person file, a session, a token."""
    from fresh import employee_session

    user, values = employee_session("abench_employee")
    from lianxin.api.models import ApiToken

    values["token"] = ApiToken.issue(user=user, name="bench")[1]
    print("\n".join(f"{name}={value}" for name, value in values.items()))


def request_for(target: str, creds: dict[str, str], n: int) -> tuple[str, str, bytes, dict[str, str]]:
    import json
    import uuid
    from urllib.parse import urlencode

    if target == "floor":
        return "POST", "/bench/floor/", b"", {}
    if target == "web form":
        csrf = creds["csrf"]
        body = urlencode(
            {
                "identity": "named",
                "text": TEXT.format(n=n),
                "idempotency_key": str(uuid.uuid4()),
                "csrfmiddlewaretoken": csrf,
            }
        ).encode()
        cookie = f"{creds['session_cookie']}={creds['session']}; {creds['csrf_cookie']}={csrf}"
        return (
            "POST",
            "/appeals/new/",
            body,
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )
    body = json.dumps({"text": TEXT.format(n=n), "idempotency_key": str(uuid.uuid4())}).encode()
    return (
        "POST",
        "/api/v1/appeals",
        body,
        {"Content-Type": "application/json", "Authorization": f"Bearer {creds['token']}"},
    )


EXPECTED = {"floor": 201, "web form": 200, "API": 201}


def drive(
    target: str, creds: dict[str, str], requests: int, clients: int, limit: float
) -> tuple[float, int, int]:
    """Requests per second over `requests` requests from `clients` threads; (rate, done, failures)."""
    import http.client
    import itertools
    import threading
    import time

    counter = itertools.count()
    lock = threading.Lock()
    failures: list[str] = []
    done = [0]
    deadline = time.perf_counter() + limit

    def worker() -> None:
        while time.perf_counter() < deadline:
            n = next(counter)
            if n >= requests:
                return
            method, path, body, headers = request_for(target, creds, n)
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                ok = response.status == EXPECTED[target]
            except OSError as exc:
                ok, payload = False, str(exc).encode()
            finally:
                conn.close()
            with lock:
                done[0] += 1
                if not ok:
                    failures.append(payload[:200].decode(errors="replace"))

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    if failures:
        print(f"  {target}: {len(failures)} failed, e.g. {failures[0]!r}", flush=True)
    return done[0] / seconds, done[0], len(failures)


def count_rows(url: str) -> tuple[int, int]:
    import subprocess

    sql = "SELECT (SELECT count(*) FROM appeals_appeal), (SELECT count(*) FROM appeals_notification)"
    if url.startswith("postgres"):
        out = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-X",
                "-At",
                "-F",
                " ",
                "-c",
                sql,
                url.rsplit("/", 1)[1],
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    else:
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            out = " ".join(str(v) for v in conn.execute(sql).fetchone())
    appeals, notes = out.split()
    return int(appeals), int(notes)


def run_engine(engine: str, args: Any) -> dict[str, float]:
    import http.client
    import statistics
    import subprocess
    import time

    url, creds = prepare(engine)
    creds["csrf"] = secrets.token_hex(16)  # a 32-character secret: cookie and form field carry the same one
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "LX_INTAKE_SERVER": "1",
        "LX_FLOOR_USER": creds["user"],
        "DJANGO_SETTINGS_MODULE": "bench_appeals_intake",
        "SECURE_COOKIES": "0",
        "AXES_ENABLED": "1",
        "DEBUG": "0",
        "PYTHONPATH": f"{HERE}:{ROOT}",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lianxin.wsgi:application",
            "-w",
            str(args.workers),
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],
        env=env,
        cwd=str(ROOT),
    )
    rates: dict[str, list[float]] = {"floor": [], "web form": [], "API": []}
    try:
        for _ in range(100):  # wait for the workers
            try:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                conn.request("GET", "/appeals/anonymous/")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        before = count_rows(url)
        for target in rates:  # warm every worker on every path
            drive(target, creds, 8 * args.workers, args.clients, 60)
        print(
            f"\n{engine}: gunicorn {args.workers} sync workers, {args.clients} client threads, "
            f"{args.requests} requests per target per round (load {load()})",
            flush=True,
        )
        for number in range(1, args.rounds + 1):
            for target in rates:
                rate, done, failed = drive(target, creds, args.requests, args.clients, 120)
                rates[target].append(rate)
                print(
                    f"  round {number}: {target:8s} {rate:7.1f} req/s ({done} requests, {failed} failed; "
                    f"load {load()})",
                    flush=True,
                )
        after = count_rows(url)
        print(f"  rows added: {after[0] - before[0]} appeals, {after[1] - before[1]} notifications")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {target: statistics.mean(values) for target, values in rates.items()}


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--credentials", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.credentials:
        credentials()
        return
    results = {engine: run_engine(engine, args) for engine in args.engines.split(",")}
    print(
        f"\n| engine | floor req/s | web form req/s | web form / floor | API req/s | API / floor | "
        f"target ≥ {TARGET_SHARE:.0%} |"
    )
    print("|---|---:|---:|---:|---:|---:|---|")
    for engine, rate in results.items():
        web, api = rate["web form"] / rate["floor"], rate["API"] / rate["floor"]
        verdict = "met" if min(web, api) >= TARGET_SHARE else "MISSED"
        print(
            f"| {engine} | {rate['floor']:.1f} | {rate['web form']:.1f} | {web:.0%} | {rate['API']:.1f} | "
            f"{api:.0%} | {verdict} |"
        )


if __name__ == "__main__":
    main()
