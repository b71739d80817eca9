"""Server-side timings of the pages and API calls that show subtree people counts and coverage, against an
already seeded database (`manage.py demo_seed --people 500000`): median and p95 over N requests each,
cold (Django's cache cleared before every request) and warm, the median CPU time of this process
(Django and the templates, not the database) and the SQL queries of one request.

    DATABASE_URL=postgres://... uv run python bench/bench_counts.py [N]

It logs in with force_login as a user holding leadership at the root unit (created if missing).
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_COOKIES", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from lianxin.org.models import Person, Role, RoleAssignment, Unit  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def main(n: int) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    # Pages are timed without a collectstatic run: plain static storage, no manifest to look up.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    root = Unit.objects.filter(depth=1).order_by("path").first()
    assert root is not None, "seed the database first"
    branches = Unit.objects.filter(kind__is_branch=True, path__startswith=root.path).order_by("path")
    branch = branches[branches.count() // 2]
    largest = Unit.objects.filter(depth=2, name="运行部").first()  # the demo's biggest branch
    leader, _ = get_user_model().objects.get_or_create(username="bench_counts_leader")
    RoleAssignment.objects.get_or_create(user=leader, role=Role.LEADERSHIP, unit=root)
    client = Client()
    client.force_login(leader)
    cases = [
        ("/org/ (leader)", "/org/"),
        ("/org/units/<root>/children/", f"/org/units/{root.pk}/children/"),
        ("/org/units/<root>/", f"/org/units/{root.pk}/"),
        ("/org/units/<branch>/", f"/org/units/{branch.pk}/"),
        *([("/org/units/<运行部>/ (largest)", f"/org/units/{largest.pk}/")] if largest else []),
        ("/api/v1/units (leader)", "/api/v1/units"),
        ("/api/v1/units/<root>", f"/api/v1/units/{root.pk}"),
    ]
    # One request before any timing loads the URLconf, the views and the API schema into the process,
    # so that "first" below is a fresh database session, not Python's imports.
    client.get(reverse("login"))
    print(
        f"{Unit.objects.count()} units, {Person.objects.count()} people, {connection.vendor}, n={n}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    for label, path in cases:
        # The very first request on a fresh database session, nothing cached anywhere in Django.
        cache.clear()
        connection.close()
        start = time.perf_counter()
        response = client.get(path)
        first = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, (label, response.status_code)
        results = {}
        for mode in ("cold", "warm"):
            times, cpu = [], []
            for _ in range(n):
                if mode == "cold":
                    cache.clear()
                start, start_cpu = time.perf_counter(), time.process_time()
                client.get(path)
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            results[mode] = (statistics.median(times), percentile(times, 0.95), statistics.median(cpu))
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        cold, warm = results["cold"], results["warm"]
        print(
            f"{label:30s} first {first:7.1f} ms | cold median {cold[0]:7.1f} p95 {cold[1]:7.1f} ms | "
            f"warm median {warm[0]:7.1f} p95 {warm[1]:7.1f} ms | Python CPU {warm[2]:6.1f} ms | "
            f"queries {len(queries)}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
