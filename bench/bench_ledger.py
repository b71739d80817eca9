"""Ledger at scale: the filtered first page of /appeals/ledger/ and a 100,000-row .xlsx export.

Needs a database holding the 500,000-person demo plant (manage.py demo_seed) and 1,000,000 appeals
(psql -f bench/ledger_appeals.sql; bench/bench_appeals_scale.py --seed loads a comparable set). Run:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lx_ledger uv run python bench/bench_ledger.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
os.environ.setdefault("AXES_ENABLED", "0")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_COOKIES", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from lianxin.appeals import ledger  # noqa: E402
from lianxin.appeals.models import Appeal  # noqa: E402
from lianxin.org.models import Role, RoleAssignment, Unit  # noqa: E402

RUNS = 15


def user_with(name: str, role: str, unit: Unit):  # type: ignore[no-untyped-def]
    user, _ = get_user_model().objects.get_or_create(username=name)
    RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit)
    return user


def timed(client: Client, url: str) -> tuple[float, int, int]:
    samples = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples), len(ctx.captured_queries), len(response.context["page"].rows)


def main() -> None:
    setup_test_environment()  # response.context, for the row count
    settings.ALLOWED_HOSTS = ["*"]
    # Pages are timed without a collectstatic run: plain static storage, no manifest to look up.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    root = Unit.objects.get(depth=1)
    branches = list(Unit.objects.filter(depth=2, kind__is_branch=True).order_by("path"))
    # The largest branch by units, and the one holding most appeals (they may differ).
    branch = max(branches, key=lambda b: Unit.objects.filter(path__startswith=b.path).count())
    busiest = Unit.objects.get(
        pk=Appeal.objects.exclude(unit__depth=1)
        .values("unit_id")
        .annotate(n=django.db.models.Count("pk"))
        .order_by("-n")[0]["unit_id"]
    )
    print(f"appeals: {Appeal.objects.count():,}  engine: {connection.vendor}")
    department = user_with("bench_department", Role.DEPARTMENT, root)
    secretary = user_with("bench_secretary", Role.SECRETARY, branch)
    busy_secretary = user_with("bench_secretary_busy", Role.SECRETARY, busiest)
    base = reverse("appeal_ledger")
    cases = [
        ("department, no filter", department, ""),
        ("department, largest branch", department, f"?unit={branch.pk}"),
        ("department, busiest branch", department, f"?unit={busiest.pk}"),
        ("department, category + grade", department, "?category=pay&grade=red"),
        ("department, state=received", department, "?state=received"),
        ("department, overdue", department, "?overdue=1"),
        ("department, one month", department, "?start=2025-06-01&end=2025-06-30"),
        (
            "department, branch + month + category",
            department,
            f"?unit={branch.pk}&start=2025-06-01&end=2025-06-30&category=safety",
        ),
        ("department, branch + overdue + red", department, f"?unit={busiest.pk}&overdue=1&grade=red"),
        ("secretary, own branch, no filter", secretary, ""),
        ("secretary, state=closed + grade=blue", secretary, "?state=closed&grade=blue"),
        ("secretary of busiest branch, no filter", busy_secretary, ""),
        ("secretary of busiest branch, received + red", busy_secretary, "?state=received&grade=red"),
        ("department, page 20", department, "?page=20"),
    ]
    for label, user, query in cases:
        client = Client()
        client.force_login(user)
        client.get(base + query)  # warm
        median, queries, rows = timed(client, base + query)
        print(f"{label:45s} median {median:7.1f} ms  queries {queries:2d}  rows {rows}")
    for label, query in [
        ("indicators, whole plant, last quarter", ""),
        ("indicators, busiest branch, last quarter", f"?unit={busiest.pk}"),
    ]:
        client = Client()
        client.force_login(department)
        url = reverse("appeal_ledger_indicators") + query
        client.get(url)
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            assert client.get(url).status_code == 200
            samples.append((time.perf_counter() - start) * 1000)
        print(f"{label:45s} median {statistics.median(samples):7.1f} ms")

    flt = ledger.parse_filter(department, {"unit": str(busiest.pk)})
    appeals = ledger.filter_ledger(department, flt)[:100_000]
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        rows = ledger.write_ledger_xlsx(appeals, out)
        seconds = time.perf_counter() - start
        size = out.tell()
    print(f"export: {rows:,} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s), {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
