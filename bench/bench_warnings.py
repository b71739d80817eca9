"""The warning rule scan at scale on PostgreSQL: the first-ever scan (every rule's backlog raised) and the
steady-state scan every ten minutes (nothing new: grouped queries and one anti-join, nothing raised).

    DATABASE_URL=postgres://.../lx_bench_warnings uv run python bench/bench_warnings.py prepare [PLANS]
    DATABASE_URL=postgres://.../lx_bench_warnings uv run python bench/bench_warnings.py run

The database is a copy of a seeded enterprise with appeals and talks (e.g. `CREATE DATABASE
lx_bench_warnings TEMPLATE lx_bench_reports`); `prepare` adds care plans with set-based SQL.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_COOKIES", "0")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.utils import timezone  # noqa: E402

from lianxin.appeals.models import Appeal  # noqa: E402
from lianxin.care.models import ContactRecord  # noqa: E402
from lianxin.insight.watch import RULES, TALK_HWM_KEY, watch_talk_summaries  # noqa: E402

PLANS_SQL = """
INSERT INTO care_careplan (person_id, responsible_id, cadence_days, goal, opened_at, opened_by_id, review,
                           outcome, reviewed_at, closed_at, flag_id)
SELECT p.id, u.id, (ARRAY[7, 14, 30])[1 + p.id %% 3], '', %(opened)s, u.id, '', '', NULL, NULL, NULL
FROM (SELECT id FROM org_person ORDER BY id LIMIT %(n)s * 25) AS p,
     (SELECT min(id) AS id FROM auth_user) AS u
WHERE p.id %% 25 = 0
"""


def prepare(plans: int) -> None:
    opened = dt.datetime(2026, 8, 1, tzinfo=ZoneInfo("Asia/Shanghai"))
    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(PLANS_SQL, {"n": plans, "opened": opened})
        print(f"care plans: {cursor.rowcount:,} in {time.perf_counter() - start:.1f} s")
        cursor.execute("ANALYZE care_careplan")


def run() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM org_person), (SELECT count(*) FROM appeals_appeal), "
            "(SELECT count(*) FROM appeals_appeal WHERE grade IN ('red', 'orange')), "
            "(SELECT count(*) FROM care_contactrecord), (SELECT count(*) FROM care_careplan), "
            "(SELECT count(*) FROM insight_warning)"
        )
        counts = cursor.fetchone()
        print(
            "people {:,}, appeals {:,} ({:,} red or orange), talks {:,}, care plans {:,}, "
            "warnings {:,}".format(*counts)
        )
    last = Appeal.objects.aggregate(m=Max("received_at"))["m"]
    now = (last or dt.datetime.now(tz=ZoneInfo("Asia/Shanghai"))) + dt.timedelta(days=1)
    print(f"scan clock: {now.isoformat()}")
    for label in ("first-ever scan", "steady state (second scan)", "steady state (third scan)"):
        total = 0.0
        for name, rule in RULES.items():
            start = time.perf_counter()
            outcome = rule(now=now)
            took = time.perf_counter() - start
            total += took
            print(f"  {label}: {name}: {took:.2f} s, raised {outcome.raised:,}, skipped {outcome.skipped:,}")
        print(f"{label}: all rules {total:.2f} s")
    # The talk rule reads only what was saved since the last scan; here the last 10,000 records.
    top = ContactRecord.objects.aggregate(m=Max("pk"))["m"] or 0
    cache.set(TALK_HWM_KEY, max(top - 10000, 0), timeout=None)
    start = time.perf_counter()
    outcome = watch_talk_summaries(now=timezone.now())
    took = time.perf_counter() - start
    print(f"talk rule over the last 10,000 records: {took:.2f} s, raised {outcome.raised:,}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["prepare"]:
        prepare(int(sys.argv[2]) if len(sys.argv) > 2 else 20000)
    else:
        run()
