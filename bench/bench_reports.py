"""The monthly thought-dynamics report at scale on PostgreSQL: bulk-load one month (and the month before
it) of talks, visits, appeals, ratings, warnings and required talks into a seeded 500,000-person demo, then
time one branch's draft (the median branch and the largest) and the enterprise's draft with its roll-up.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lx_bench_reports uv run python manage.py migrate
    DATABASE_URL=... uv run python manage.py demo_seed --people 500000
    DATABASE_URL=... uv run python bench/bench_reports.py load [TALKS] [APPEALS]
    DATABASE_URL=... uv run python bench/bench_reports.py run [N]

`load` is set-based SQL (INSERT … SELECT generate_series) for the month MONTH and the month before it;
`run` drafts N times each (the first draft creates the reports, the later ones refresh the drafts, which is
the same work) and prints the median and the slowest, with the SQL query count of one draft.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_COOKIES", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from lianxin.org.models import Person, Unit  # noqa: E402
from lianxin.reports.services import report_draft, reports_draft_month  # noqa: E402

MONTH = dt.date(2026, 10, 1)

# Each talk or visit has one person; dates spread over the month and the month before (a quarter as many).
LOAD_CONTACTS = """
WITH src AS (
    SELECT g,
           (SELECT array_agg(id ORDER BY id) FROM auth_user) AS users,
           %(first)s::date + (g %% %(days)s) AS day
    FROM generate_series(1, %(n)s) AS g
), rec AS (
    INSERT INTO care_contactrecord (kind, date, place, topic, summary, next_due, created_at, conducted_by_id)
    SELECT (ARRAY['talk','home_visit','hospital_visit','group_talk','phone'])[1 + g %% 5], day, '班组休息室',
           '近况', '近况平稳，已沟通。', NULL, now(), users[1 + g %% cardinality(users)]
    FROM src
    RETURNING id, date
)
INSERT INTO care_contactperson (record_id, person_id, unit_id, date)
SELECT rec.id, p.people[1 + ((rec.id * 7919) %% cardinality(p.people))],
       p.units[1 + ((rec.id * 7919) %% cardinality(p.people))], rec.date
FROM rec, (SELECT array_agg(id ORDER BY id) AS people, array_agg(unit_id ORDER BY id) AS units
           FROM org_person) AS p
"""

# Appeals of the month: 90 % at the submitter's branch, 10 % at the enterprise (company track); ten
# categories, four grades, states by index; deadlines 3/7/15/30 days by grade.
LOAD_APPEALS = """
WITH people AS (
    SELECT row_number() OVER (ORDER BY p.id) AS n, p.id AS person_id, b.id AS branch_id
    FROM org_person p JOIN org_unit u ON u.id = p.unit_id JOIN org_unit b ON b.path = substr(u.path, 1, 8)
), total AS (SELECT count(*) AS c FROM people),
root AS (SELECT id FROM org_unit WHERE depth = 1 ORDER BY path LIMIT 1),
src AS (
    SELECT g, %(first)s::timestamptz + ((g %% (%(days)s * 1440)) * interval '1 minute') AS at,
           (ARRAY['pay','career','safety','conditions','hardship','wellbeing','conduct','reform','suggestion',
                  'other'])[1 + (g * 7) %% 10] AS cat,
           (ARRAY['red','orange','orange','yellow','yellow','yellow','blue','blue','blue','blue'])
             [1 + (g * 3) %% 10] AS grade,
           (ARRAY['received','accepted','in_progress','answered','rated','rated','closed','closed'])
             [1 + g %% 8] AS state
    FROM generate_series(1, %(n)s) AS g
)
INSERT INTO appeals_appeal (
  number, text, channel, received_at, submitter_id, is_anonymous, entered_by_id, informant_kind,
  receipt_lookup, receipt_hash, wecom_msgid, unit_id, track, category_id, grade,
  suggested_category, suggested_grade, state, handler_id, measure, response_due, closure_due,
  first_response_at, answered_at, closed_at, last_activity_at, level, rating, reopen_count, merged_into_id)
SELECT 'RB%(tag)s-' || lpad(to_hex(s.g), 8, '0'), '班车太挤，希望增加车次。', 'web', s.at,
       pp.person_id, false, NULL, '', NULL, '', NULL,
       CASE WHEN s.g %% 10 = 0 THEN (SELECT id FROM root) ELSE pp.branch_id END,
       CASE WHEN s.g %% 10 = 0 THEN 'company' ELSE 'branch' END,
       s.cat, s.grade, s.cat, s.grade, s.state, NULL, '', s.at + interval '1 day',
       s.at + CASE s.grade WHEN 'red' THEN interval '1 day' WHEN 'orange' THEN interval '3 days'
              WHEN 'yellow' THEN interval '7 days' ELSE interval '15 days' END,
       NULL,
       CASE WHEN s.state IN ('answered','rated','closed') THEN s.at + (s.g %% 12) * interval '1 day' END,
       NULL, s.at, 0,
       CASE WHEN s.state IN ('rated','closed')
            THEN (ARRAY['very_satisfied','satisfied','satisfied','basic','dissatisfied'])[1 + s.g %% 5]
            ELSE '' END,
       0, NULL
FROM src s JOIN people pp ON pp.n = 1 + (s.g::bigint * 104729) %% (SELECT c FROM total)
"""

LOAD_EVENTS = """
INSERT INTO appeals_appealevent (appeal_id, kind, at, actor_id, text, public, data)
SELECT a.id, e.kind, a.received_at + e.after, NULL, '', true, e.data
FROM appeals_appeal a
CROSS JOIN LATERAL (VALUES
  ('submitted', interval '0', '{}'::jsonb, true),
  ('replied', interval '2 days', '{}'::jsonb, a.state IN ('answered','rated','closed')),
  ('rated', interval '3 days', jsonb_build_object('rating', a.rating), a.state IN ('rated','closed'))
) e(kind, after, data, applies)
WHERE e.applies AND a.number LIKE 'RB%%'
"""

LOAD_WARNINGS = """
INSERT INTO insight_warning (level, source, rule, target_kind, person_id, unit_id, topic, category, appeal_id,
  title, evidence, disposal_plan, responsible_id, status, dedupe_key, opened_at, respond_by, closed_at,
  closed_by_id, outcome)
SELECT (ARRAY['red','orange','yellow','blue'])[1 + g %% 4],
       CASE WHEN g %% 10 = 0 THEN 'trend' ELSE 'appeal' END,
       CASE WHEN g %% 10 = 0 THEN 'trend_count' ELSE 'appeal_grade' END,
       'unit', NULL, u.id, '', (ARRAY['pay','conditions','safety'])[1 + g %% 3], NULL,
       '诉求增多', jsonb_build_object('count', 10 + g %% 7, 'baseline', 2.5, 'units', 3), '', NULL,
       CASE WHEN g %% 3 = 0 THEN 'closed' ELSE 'open' END,
       'bench-' || g, %(first)s::timestamptz + (g %% 30) * interval '1 day', NULL, NULL, NULL, ''
FROM generate_series(1, %(n)s) AS g
JOIN LATERAL (SELECT id FROM org_unit WHERE depth = 3 ORDER BY id OFFSET (g * 37) %% 3000 LIMIT 1) u ON true
"""

LOAD_DUE = """
WITH src AS (
    SELECT g, (SELECT array_agg(id ORDER BY id) FROM org_person) AS people,
           (SELECT array_agg(kind_id ORDER BY kind_id) FROM care_triggerrule) AS kinds
    FROM generate_series(1, %(n)s) AS g
), ev AS (
    INSERT INTO care_lifeevent (person_id, kind_id, date, source, note, created_at)
    SELECT people[1 + ((g::bigint * 104729) %% cardinality(people))], kinds[1 + g %% cardinality(kinds)],
           %(first)s::date + (g %% 20), 'roster', '', now()
    FROM src
    RETURNING id, person_id, kind_id, date
)
INSERT INTO care_dueitem (event_id, person_id, unit_id, action, responsible_kind, responsible_id,
                          due_date, due_at, level, done_at, created_at)
SELECT ev.id, ev.person_id, per.unit_id, r.action, r.responsible, NULL,
       ev.date + 7, (ev.date + 8)::timestamptz, 0,
       CASE WHEN ev.id %% 10 < 7 THEN (ev.date + 2)::timestamptz END, now()
FROM ev JOIN org_person per ON per.id = ev.person_id JOIN care_triggerrule r ON r.kind_id = ev.kind_id
"""


def _sql(sql: str, **params: object) -> str:
    for key, value in params.items():
        sql = sql.replace(f"%({key})s", str(value))
    return sql.replace("%%", "%")


def load(talks: int, appeals: int) -> None:
    before = (MONTH - dt.timedelta(days=1)).replace(day=1)
    steps = [
        ("talks and visits, month", LOAD_CONTACTS, {"first": f"'{MONTH}'", "days": 31, "n": talks}),
        (
            "talks and visits, month before",
            LOAD_CONTACTS,
            {"first": f"'{before}'", "days": 30, "n": talks // 4},
        ),
        ("appeals, month", LOAD_APPEALS, {"first": f"'{MONTH}'", "days": 31, "n": appeals, "tag": "A"}),
        (
            "appeals, month before",
            LOAD_APPEALS,
            {"first": f"'{before}'", "days": 30, "n": appeals, "tag": "B"},
        ),
        ("appeal events", LOAD_EVENTS, {}),
        ("warnings", LOAD_WARNINGS, {"first": f"'{MONTH}'", "n": 2000}),
        ("life events and due items", LOAD_DUE, {"first": f"'{MONTH}'", "n": 50000}),
    ]
    if talks == 0:  # already loaded: the appeals and the rest only
        steps = steps[2:]
    with connection.cursor() as cursor:
        for label, sql, params in steps:
            start = time.perf_counter()
            cursor.execute(_sql(sql, **params))
            print(f"loaded {label}: {cursor.rowcount:,} rows in {time.perf_counter() - start:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE care_contactrecord, care_contactperson, appeals_appeal, appeals_appealevent, "
            "insight_warning, care_lifeevent, care_dueitem"
        )


def timed(label: str, n: int, fn: Callable[[], object]) -> None:
    with CaptureQueriesContext(connection) as queries:
        fn()
    runs = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    load_avg = os.getloadavg()[0]
    print(
        f"{label:<60} n={n:<2} median {statistics.median(runs):6.2f} s  max {max(runs):6.2f} s  "
        f"queries {len(queries):<4} load {load_avg:.1f}"
    )


def run(n: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM org_person), (SELECT count(*) FROM care_contactperson), "
            "(SELECT count(*) FROM appeals_appeal), (SELECT count(*) FROM appeals_appealevent), "
            "(SELECT count(*) FROM insight_warning), (SELECT count(*) FROM care_dueitem)"
        )
        counts = cursor.fetchone()
    labels = ("people", "contact links", "appeals", "appeal events", "warnings", "due items")
    print(", ".join(f"{label} {n:,}" for label, n in zip(labels, counts or (), strict=False)))
    root = Unit.objects.get(depth=1)
    branches = list(Unit.objects.filter(kind__is_branch=True, depth=2).order_by("path"))
    sized = sorted(
        ((Person.objects.filter(unit__path__startswith=b.path).count(), b) for b in branches),
        key=lambda t: t[0],
    )
    for size, branch in (sized[len(sized) // 2], sized[-1]):
        timed(
            f"report_draft {branch.name} ({size:,} people)",
            n,
            lambda b=branch: report_draft(unit=b, month=MONTH),  # type: ignore[misc]
        )
    timed("report_draft enterprise (roll-up of 7 branches)", n, lambda: report_draft(unit=root, month=MONTH))
    timed(
        "reports_draft_month (7 branches + enterprise, the task)", n, lambda: reports_draft_month(month=MONTH)
    )


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "run"
    if command == "load":
        load(
            int(sys.argv[2]) if len(sys.argv) > 2 else 500_000,
            int(sys.argv[3]) if len(sys.argv) > 3 else 80_000,
        )
    else:
        run(int(sys.argv[2]) if len(sys.argv) > 2 else 5)
