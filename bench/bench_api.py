"""Server-side timings of the API endpoints against an already seeded database (e.g. after
`manage.py demo_seed --people 500000`): median and p95 over N requests, and the SQL queries per request.

    DATABASE_URL=postgres://... uv run python bench/bench_api.py [N]

It adds two users (bench_api_leader, bench_api_secretary) with a token each.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from lianxin.api.models import ApiToken  # noqa: E402
from lianxin.org.models import Person, RoleAssignment, Unit  # noqa: E402


def token_headers(username: str, role: str, unit: Unit) -> dict[str, str]:
    user, _ = get_user_model().objects.get_or_create(username=username)
    RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit)
    ApiToken.objects.filter(user=user).delete()
    return {"HTTP_AUTHORIZATION": "Bearer " + ApiToken.issue(user=user, name="bench")[1]}


def main(n: int) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    root = Unit.objects.filter(depth=1).order_by("path").first()
    branches = Unit.objects.filter(kind__is_branch=True).order_by("path")
    branch = branches[branches.count() // 2]
    person = Person.objects.filter(unit__path__startswith=branch.path).order_by("pk").first()
    assert root is not None and person is not None, "seed the database first"
    leader = token_headers("bench_api_leader", "leadership", root)
    secretary = token_headers("bench_api_secretary", "secretary", branch)
    units = Unit.objects.count()
    cases: list[tuple[str, dict[str, str], str, dict[str, Any]]] = [
        ("leader /units limit=100", leader, "/api/v1/units", {"limit": 100}),
        ("leader /units last page", leader, "/api/v1/units", {"limit": 500, "offset": max(units - 500, 0)}),
        ("leader /units?parent=root", leader, "/api/v1/units", {"parent": root.pk}),
        ("leader /units/root", leader, f"/api/v1/units/{root.pk}", {}),
        ("secretary /units", secretary, "/api/v1/units", {"limit": 500}),
        ("leader /people", leader, "/api/v1/people", {}),
        (
            "leader /people filtered+sorted",
            leader,
            "/api/v1/people",
            {"political_status": "cpc", "sort": "-hire_date"},
        ),
        ("leader /people unit=branch", leader, "/api/v1/people", {"unit": branch.pk, "limit": 200}),
        ("secretary /people", secretary, "/api/v1/people", {"limit": 200}),
        ("secretary /people/{id}", secretary, f"/api/v1/people/{person.pk}", {}),
    ]
    print(f"{Unit.objects.count()} units, {Person.objects.count()} people, {connection.vendor}, n={n}")
    client = Client()
    for label, headers, path, params in cases:
        response = client.get(path, params, **headers)
        assert response.status_code == 200, (label, response.status_code, response.content[:300])
        times = []
        for _ in range(n):
            start = time.perf_counter()
            client.get(path, params, **headers)
            times.append((time.perf_counter() - start) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(path, params, **headers)
        times.sort()
        p95 = times[max(int(0.95 * len(times)) - 1, 0)]
        print(
            f"{label:34s} median {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms  "
            f"queries {len(queries)}"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
