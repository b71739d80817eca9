"""Against a peer: django-helpdesk from PyPI and Lianxin, same machine, same engine, 10,000 tickets / appeals;
the median time to list the open ones of one queue / branch, first page, as a staff user.

    uv run python bench/bench_appeals_helpdesk.py [--requests 30] [--engines sqlite,postgres]

It creates bench/.venv-helpdesk (uv venv + uv pip install django-helpdesk==HELPDESK_VERSION) when missing,
then per engine: a fresh database for each system; each creates its rows through its own ORM in its own
process and times its own list view through Django's test client (full middleware, view, queries, template;
no network). django-helpdesk: bench/helpdesk/hd_time.py (its page plus the DataTables JSON that fills it).
Lianxin: the 督办 tab of the worklist (open appeals of the secretary's branch, first page of 20), which
renders its rows in the page itself.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = HERE / ".venv-helpdesk"
HELPDESK_VERSION = "2.6.1"
OUT = HERE / "out" / "abench"
PG = "postgres://postgres@127.0.0.1:5432/"
TICKETS = 10_000
QUEUES = 7
OPEN_SHARE = 0.30
PEOPLE = 2000  # the demo's 7 branches; the appeals are what is listed


def ensure_venv() -> str:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run(["uv", "venv", "-q", "--python", "3.11", str(VENV)], check=True)
    env = {**os.environ, "VIRTUAL_ENV": str(VENV)}
    subprocess.run(
        ["uv", "pip", "install", "-q", f"django-helpdesk=={HELPDESK_VERSION}", "psycopg[binary]"],
        check=True,
        env=env,
    )
    version = subprocess.run(
        [
            str(python),
            "-c",
            "import django, helpdesk, importlib.metadata as m; "
            "print(m.version('django-helpdesk'), django.get_version())",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    print(f"django-helpdesk {version[0]} on Django {version[1]} in {VENV.relative_to(ROOT)}", flush=True)
    return str(python)


def fresh(engine: str, name: str) -> str:
    if engine == "postgres":
        for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-X", "-q", "-c", sql, "postgres"], check=True
            )
        return PG + name
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return str(path)


def helpdesk_side(python: str, engine: str, requests: int) -> dict[str, object]:
    target = fresh(engine, "lx_abench_hd")
    env = {**os.environ, "HD_DATABASE": target, "DJANGO_SETTINGS_MODULE": "hdproject.settings"}
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [python, str(HERE / "helpdesk" / "hd_time.py"), str(TICKETS), str(requests)],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    sys.stderr.write(out.stderr)
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def lianxin_side(engine: str, requests: int) -> dict[str, object]:
    target = fresh(engine, "lx_abench_peer")
    url = target if engine == "postgres" else f"sqlite:///{target}"
    env = {**os.environ, "DATABASE_URL": url, "AXES_ENABLED": "0", "SECURE_COOKIES": "0"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], check=True, env=env)
    subprocess.run(
        [*manage, "demo_seed", "--people", str(PEOPLE)], check=True, env=env, stdout=subprocess.DEVNULL
    )
    out = subprocess.run(
        [sys.executable, __file__, "--lianxin-side", str(requests)],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    sys.stderr.write(out.stderr)
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def lianxin_measure(requests: int) -> None:
    """In a process whose DATABASE_URL is the fresh Lianxin database."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from lianxin.appeals.codes import EventKind, State
    from lianxin.appeals.models import Appeal, AppealEvent, Category
    from lianxin.org.models import Person, Role, RoleAssignment, Unit

    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    rng = random.Random(7)
    branches = list(Unit.objects.filter(depth=2, kind__is_branch=True).order_by("path"))[:QUEUES]
    assert len(branches) == QUEUES, len(branches)
    people: dict[int, list[int]] = {}
    for branch in branches:
        people[branch.pk] = list(
            Person.objects.filter(unit__path__startswith=branch.path).values_list("pk", flat=True)[:500]
        )
    User = get_user_model()
    handlers = [User.objects.create_user(f"lx_agent{i}", password=None) for i in range(10)]
    secretary = User.objects.create_user("lx_secretary", password=None)
    RoleAssignment.objects.create(user=secretary, role=Role.SECRETARY, unit=branches[0])
    cats = list(Category.objects.values_list("code", flat=True))
    now = timezone.now()
    appeals = []
    for i in range(TICKETS):
        branch = branches[i % QUEUES]
        received = now - timezone.timedelta(seconds=rng.randrange(365 * 86400))
        if rng.random() < OPEN_SHARE:
            state = rng.choice((State.RECEIVED, State.ACCEPTED, State.IN_PROGRESS))
        else:
            state = rng.choice((State.ANSWERED, State.CLOSED, State.CLOSED, State.CLOSED, State.MERGED))
        named = rng.random() < 0.7
        triaged = state != State.RECEIVED
        appeals.append(
            Appeal(
                number=f"LX{received:%Y%m%d}-{i:06X}",
                text="夜班职工下班后吃不上热饭，希望延长供应或增加夜宵。" * (1 + i % 5),
                channel="web",
                received_at=received,
                submitter_id=rng.choice(people[branch.pk]) if named else None,
                is_anonymous=not named,
                unit=branch,
                track="branch",
                category_id=rng.choice(cats) if triaged else None,
                grade=rng.choice(("red", "orange", "yellow", "yellow", "blue", "blue")) if triaged else "",
                state=state,
                handler=handlers[i % 10] if triaged else None,
                closure_due=received + timezone.timedelta(days=15) if triaged else None,
                last_activity_at=received,
            )
        )
    start = time.perf_counter()
    Appeal.objects.bulk_create(appeals, batch_size=2000)
    created = list(Appeal.objects.values_list("pk", "received_at"))
    AppealEvent.objects.bulk_create(
        [AppealEvent(appeal_id=pk, kind=EventKind.SUBMITTED, at=at, public=True) for pk, at in created],
        batch_size=2000,
    )
    print(f"lianxin: {TICKETS:,} appeals in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    open_in_branch = Appeal.objects.open().filter(unit=branches[0]).count()
    client = Client()
    client.force_login(secretary)
    url, params = reverse("appeal_worklist"), {"tab": "supervise"}
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    for _ in range(2):
        client.get(url, params)
    samples = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url, params)
        samples.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    print(
        json.dumps(
            {
                "system": "Lianxin",
                "engine": connection.vendor,
                "tickets": Appeal.objects.count(),
                "open_in_queue": open_in_branch,
                "rows_returned": len(response.context["appeals"]) if response.context else None,
                "requests": requests,
                "median_ms": statistics.median(samples),
                "queries": len(ctx.captured_queries),
            }
        )
    )


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--lianxin-side", type=int, metavar="REQUESTS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.lianxin_side:
        from django.test.utils import setup_test_environment

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        setup_test_environment()  # response.context, for the row count
        lianxin_measure(args.lianxin_side)
        return
    python = ensure_venv()
    print(
        "\n| engine | system | rows | open in the queue/branch | first page rows | median ms | queries | "
        "load |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|")
    ratios = []
    for engine in args.engines.split(","):
        results = []
        for side in ("helpdesk", "lianxin"):
            before = load()
            result = (
                helpdesk_side(python, engine, args.requests)
                if side == "helpdesk"
                else lianxin_side(engine, args.requests)
            )
            extra = ""
            if "page_median_ms" in result:
                extra = f" (page {result['page_median_ms']:.1f} + rows {result['rows_median_ms']:.1f})"
            print(
                f"| {engine} | {result['system']} | {result['tickets']:,} | {result['open_in_queue']} | "
                f"{result['rows_returned']} | {result['median_ms']:.1f}{extra} | {result['queries']} | "
                f"{before} → {load()} |",
                flush=True,
            )
            results.append(result)
        hd, lx = (float(r["median_ms"]) for r in results)  # type: ignore[arg-type]
        ratios.append((engine, hd / lx))
    print()
    for engine, ratio in ratios:
        verdict = "met" if ratio >= 1 else "MISSED"
        print(f"{engine}: django-helpdesk median / Lianxin median = {ratio:.2f}; target ≥ 1: {verdict}")


if __name__ == "__main__":
    main()
