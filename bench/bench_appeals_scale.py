"""Appeals at scale on PostgreSQL: 1,000,000 appeals (and about 3,000,000 events) in the 500,000-person demo;
the ledger's filtered first page, a 100,000-row .xlsx export and the escalation sweep, against their targets.

    uv run python bench/bench_appeals_scale.py --seed      # copy lx_counts to lx_abench_scale, load appeals
    uv run python bench/bench_appeals_scale.py             # measure (database lx_abench_scale)

The load is server-side SQL (INSERT … SELECT over generate_series): the rows never travel through Python,
which is faster than COPY from a client and gives the same table. Distributions: received_at uniform over the
12 months before now; 70 % named (the submitter's branch), 30 % anonymous (half to a branch, half to the
company); grades red 2 %, orange 10 %, yellow 33 %, blue 55 % (untriaged appeals have none); ten categories
weighted as the demo's; states by age (most of last month still open, older ones mostly closed); closure_due
by grade (3/7/15/30 days); levels as earlier sweeps left them, except the appeals that crossed a threshold in
the last 10 minutes (what one sweep of the periodic task finds). Events: submitted, assigned, progress,
replied, closed as the state implies.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
DB = os.environ.get("LX_ABENCH_SCALE_DB", "lx_abench_scale")
PG = "postgres://postgres@127.0.0.1:5432/"
os.environ["DATABASE_URL"] = PG + DB
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
os.environ.setdefault("AXES_ENABLED", "0")
os.environ.setdefault("SECURE_COOKIES", "0")

APPEALS = 1_000_000
TARGET_PAGE_MS = 150.0
TARGET_EXPORT_S = 30.0
TARGET_SWEEP_S = 10.0

SEED_SQL = """
SET synchronous_commit = off;
CREATE TEMP TABLE person_branch AS
  SELECT p.id AS person_id, b.id AS branch_id, row_number() OVER (ORDER BY p.id) AS n
  FROM org_person p JOIN org_unit u ON u.id = p.unit_id
  JOIN org_unit b ON b.path = substr(u.path, 1, 8);
CREATE INDEX ON person_branch (n);
CREATE TEMP TABLE branches AS
  SELECT u.id, row_number() OVER (ORDER BY u.path) AS n FROM org_unit u
  JOIN org_unitkind k ON k.id = u.kind_id WHERE k.is_branch AND u.depth = 2;
CREATE TEMP TABLE staff AS SELECT id, row_number() OVER (ORDER BY id) AS n FROM auth_user;
CREATE TEMP TABLE cats AS SELECT * FROM (VALUES
  ('pay', 0.00), ('career', 0.20), ('safety', 0.32), ('conditions', 0.40), ('hardship', 0.55),
  ('wellbeing', 0.61), ('conduct', 0.71), ('reform', 0.75), ('suggestion', 0.80), ('other', 0.95))
  c(code, lo);

CREATE TEMP TABLE draw AS
SELECT g AS i,
       now() - (random() * interval '365 days') AS received_at,
       random() AS r_named, random() AS r_route, random() AS r_grade, random() AS r_cat,
       random() AS r_state, random() AS r_person, random() AS r_branch, random() AS r_staff
FROM generate_series(1, %(n)s) g;

CREATE TEMP TABLE shaped AS
SELECT d.*,
  (d.r_named < 0.7) AS named,
  CASE WHEN d.r_grade < 0.02 THEN 'red' WHEN d.r_grade < 0.12 THEN 'orange'
       WHEN d.r_grade < 0.45 THEN 'yellow' ELSE 'blue' END AS grade0,
  (SELECT code FROM cats WHERE cats.lo <= d.r_cat ORDER BY lo DESC LIMIT 1) AS cat0,
  CASE
    WHEN now() - d.received_at < interval '30 days' THEN
      CASE WHEN d.r_state < 0.15 THEN 'received' WHEN d.r_state < 0.30 THEN 'accepted'
           WHEN d.r_state < 0.60 THEN 'in_progress' WHEN d.r_state < 0.75 THEN 'answered'
           WHEN d.r_state < 0.85 THEN 'rated' WHEN d.r_state < 0.98 THEN 'closed'
           WHEN d.r_state < 0.99 THEN 'merged' ELSE 'withdrawn' END
    ELSE
      CASE WHEN d.r_state < 0.005 THEN 'received' WHEN d.r_state < 0.01 THEN 'accepted'
           WHEN d.r_state < 0.03 THEN 'in_progress' WHEN d.r_state < 0.05 THEN 'answered'
           WHEN d.r_state < 0.10 THEN 'rated' WHEN d.r_state < 0.98 THEN 'closed'
           WHEN d.r_state < 0.99 THEN 'merged' ELSE 'withdrawn' END
  END AS state
FROM draw d;

INSERT INTO appeals_appeal (
  number, text, channel, received_at, submitter_id, is_anonymous, entered_by_id, informant_kind,
  receipt_lookup, receipt_hash, wecom_msgid, unit_id, track, category_id, grade,
  suggested_category, suggested_grade, state, handler_id, measure, response_due, closure_due,
  first_response_at, answered_at, closed_at, last_activity_at, level, rating, reopen_count, merged_into_id)
SELECT
  'LX' || to_char(s.received_at, 'YYYYMMDD') || '-' || lpad(to_hex(s.i), 6, '0'),
  (ARRAY['食堂晚班供餐时间太早，夜班职工下班后吃不上热饭，希望延长供应或增加夜宵。',
         '班组绩效考核细则不透明，希望公开评分标准和每月结果，便于大家对照改进。',
         '检修现场照明不足，夜间作业存在安全隐患，建议增设移动照明设备。',
         '希望增加职业技能培训名额，尤其是新能源相关岗位的取证培训。',
         '家中老人生病住院，申请调整近两周的排班，并咨询困难职工帮扶政策。'])[1 + s.i %% 5]
    || repeat('具体情况补充说明。', (s.i %% 7)::int),
  (ARRAY['web','web','web','wecom','wecom','box','talk','hotline','survey','api'])[1 + s.i %% 10],
  s.received_at,
  CASE WHEN s.named THEN pb.person_id END,
  NOT s.named, NULL, '', NULL, '', NULL,
  CASE WHEN s.named OR s.r_route < 0.5 THEN coalesce(pb.branch_id, br.id)
       ELSE (SELECT id FROM org_unit WHERE depth = 1 ORDER BY path LIMIT 1) END,
  CASE WHEN s.named OR s.r_route < 0.5 THEN 'branch' ELSE 'company' END,
  CASE WHEN s.state = 'received' THEN NULL ELSE s.cat0 END,
  CASE WHEN s.state = 'received' THEN '' ELSE s.grade0 END,
  s.cat0, s.grade0, s.state,
  CASE WHEN s.state = 'received' THEN NULL ELSE st.id END,
  CASE WHEN s.state = 'received' THEN '' ELSE '约谈相关负责人，制定整改计划并限期落实。' END,
  s.received_at + interval '1 day',
  CASE WHEN s.state = 'received' THEN NULL ELSE s.received_at + CASE s.grade0
       WHEN 'red' THEN interval '3 days' WHEN 'orange' THEN interval '7 days'
       WHEN 'yellow' THEN interval '15 days' ELSE interval '30 days' END END,
  CASE WHEN s.state = 'received' THEN NULL ELSE s.received_at + interval '6 hours' END,
  CASE WHEN s.state IN ('answered', 'rated', 'closed') THEN s.received_at + interval '2 days' END,
  CASE WHEN s.state IN ('closed', 'merged', 'withdrawn') THEN s.received_at + interval '4 days' END,
  s.received_at + interval '2 days',
  0,
  CASE WHEN s.state IN ('rated', 'closed') THEN
    (ARRAY['very_satisfied','satisfied','satisfied','basic','dissatisfied'])[1 + s.i %% 5] ELSE '' END,
  0, NULL
FROM shaped s
LEFT JOIN person_branch pb ON pb.n = 1 + floor(s.r_person * (SELECT count(*) FROM person_branch))::bigint
LEFT JOIN branches br ON br.n = 1 + floor(s.r_branch * (SELECT count(*) FROM branches))::bigint
LEFT JOIN staff st ON st.n = 1 + floor(s.r_staff * (SELECT count(*) FROM staff))::bigint
ORDER BY s.received_at;

-- Levels as the earlier sweeps left them: an open appeal overdue by ≥ 0 / 1 / 3 days sits at level 1 / 2 / 3,
-- except those that crossed a threshold within the last 10 minutes, which the next sweep escalates.
ALTER TABLE appeals_appeal DISABLE TRIGGER appeals_appeal_keep_original;
UPDATE appeals_appeal SET level = CASE
    WHEN now() - closure_due - interval '10 minutes' >= interval '3 days' THEN 3
    WHEN now() - closure_due - interval '10 minutes' >= interval '1 day' THEN 2
    WHEN now() - closure_due - interval '10 minutes' >= interval '0' THEN 1 ELSE 0 END
  WHERE state IN ('received', 'accepted', 'in_progress') AND closure_due < now();
ALTER TABLE appeals_appeal ENABLE TRIGGER appeals_appeal_keep_original;

INSERT INTO appeals_appealevent (appeal_id, kind, at, actor_id, text, public, data)
SELECT a.id, e.kind, a.received_at + e.after, CASE WHEN e.kind = 'submitted' THEN NULL ELSE a.handler_id END,
       e.text, e.public, '{}'::jsonb
FROM appeals_appeal a
CROSS JOIN LATERAL (VALUES
  ('submitted', interval '0', '', true, true),
  ('assigned', interval '6 hours', '交办', false, a.state <> 'received'),
  ('progress', interval '1 day', '已与诉求人沟通，正在协调解决。', true,
     a.state IN ('in_progress', 'answered', 'rated', 'closed')),
  ('replied', interval '2 days', '经研究，已落实整改措施，感谢您的反映。', true,
     a.state IN ('answered', 'rated', 'closed')),
  ('closed', interval '4 days', '', false, a.state = 'closed')
) e(kind, after, text, public, applies)
WHERE e.applies
ORDER BY a.id;
"""
# Outside a transaction block; sets the visibility map as autovacuum would on a live table.
VACUUM_SQL = "VACUUM ANALYZE appeals_appeal; VACUUM ANALYZE appeals_appealevent;"

# Levels as they stood `ago` before now: the backlog one sweep finds after that long without sweeping.
LEVELS_AS_OF = """
ALTER TABLE appeals_appeal DISABLE TRIGGER appeals_appeal_keep_original;
UPDATE appeals_appeal SET level = CASE
    WHEN now() - interval '%(ago)s' - closure_due >= interval '3 days' THEN 3
    WHEN now() - interval '%(ago)s' - closure_due >= interval '1 day' THEN 2
    WHEN now() - interval '%(ago)s' - closure_due >= interval '0' THEN 1 ELSE 0 END
  WHERE state IN ('received', 'accepted', 'in_progress') AND closure_due < now();
ALTER TABLE appeals_appeal ENABLE TRIGGER appeals_appeal_keep_original;
"""


def psql(db: str, sql: str) -> str:
    out = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-X",
            "-q",
            "-At",
            db,
            "-c",
            sql,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def seed() -> None:
    others = psql("postgres", f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{DB}'")  # noqa: S608
    assert others == "0", f"{DB} is in use"
    psql("postgres", f"DROP DATABASE IF EXISTS {DB}")
    start = time.perf_counter()
    psql("postgres", f"CREATE DATABASE {DB} TEMPLATE lx_counts")
    print(f"copied lx_counts in {time.perf_counter() - start:.1f} s", flush=True)
    subprocess.run(
        [sys.executable, str(HERE.parent / "manage.py"), "migrate", "--noinput", "-v", "0"], check=True
    )
    start = time.perf_counter()
    sql = SEED_SQL % {"n": APPEALS}
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-X", "-q", DB],
        input=sql,
        text=True,
        check=True,
    )
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-X", "-q", "-c", VACUUM_SQL, DB], check=True
    )
    seconds = time.perf_counter() - start
    counts = psql(
        DB,
        "SELECT (SELECT count(*) FROM appeals_appeal) || ' appeals, ' || "
        "(SELECT count(*) FROM appeals_appealevent) || ' events'",
    )
    print(f"loaded {counts} in {seconds:.1f} s", flush=True)


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(int(round(p * len(ordered))) - 1, 0)]


def measure(requests: int) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from lianxin.appeals import ledger, services
    from lianxin.appeals.models import Appeal
    from lianxin.org.models import Role, RoleAssignment, Unit

    settings.ALLOWED_HOSTS = ["*"]
    # Timed without a collectstatic run: plain static storage, no manifest to look up.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    def user_with(name: str, role: str, unit: Unit):  # type: ignore[no-untyped-def]
        user, _ = get_user_model().objects.get_or_create(username=name)
        RoleAssignment.objects.get_or_create(user=user, role=role, unit=unit)
        return user

    root = Unit.objects.filter(depth=1).order_by("path").first()
    branch = Unit.objects.filter(depth=2, kind__is_branch=True).order_by("-numchild").first()
    assert root is not None and branch is not None
    print(f"{Appeal.objects.count():,} appeals; branch {branch.name} (id {branch.pk}); load {load()}")
    department = user_with("abench_department", Role.DEPARTMENT, root)
    secretary = user_with("abench_secretary", Role.SECRETARY, branch)
    month_start = (timezone.localdate().replace(day=1) - timezone.timedelta(days=45)).replace(day=1)
    month_end = (month_start + timezone.timedelta(days=32)).replace(day=1) - timezone.timedelta(days=1)
    period = f"start={month_start}&end={month_end}"
    quarter = f"start={month_start - timezone.timedelta(days=62)}&end={month_end}"
    base = reverse("appeal_ledger")
    cases = [
        ("department", "category + grade + one month", department, f"?category=pay&grade=yellow&{period}"),
        (
            "department",
            "branch + category + grade + quarter",
            department,
            f"?unit={branch.pk}&category=safety&grade=orange&{quarter}",
        ),
        ("department", "red + overdue", department, "?grade=red&overdue=1"),
        ("department", "no filter", department, ""),
        ("secretary", "category + grade + one month", secretary, f"?category=pay&grade=yellow&{period}"),
        ("secretary", "rare: conduct + red + one month", secretary, f"?category=conduct&grade=red&{period}"),
        ("secretary", "state=in_progress + overdue", secretary, "?state=in_progress&overdue=1"),
        ("secretary", "no filter", secretary, ""),
    ]
    print(
        f"\n| user | ledger filter | median ms | p95 ms | rows | queries | target ≤ {TARGET_PAGE_MS:.0f} ms |"
    )
    print("|---|---|---:|---:|---:|---:|---|")
    for who, label, user, query in cases:
        client = Client()
        client.force_login(user)
        for _ in range(3):
            response = client.get(base + query)
            assert response.status_code == 200, (label, response.status_code)
        samples = []
        for _ in range(requests):
            start = time.perf_counter()
            client.get(base + query)
            samples.append((time.perf_counter() - start) * 1000)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(base + query)
        rows = response.content.count(b"<tr") - 1
        median = statistics.median(samples)
        verdict = "met" if median <= TARGET_PAGE_MS else "MISSED"
        print(
            f"| {who} | {label} | {median:.1f} | {pct(samples, 0.95):.1f} | {rows} | "
            f"{len(ctx.captured_queries)} | {verdict} |",
            flush=True,
        )
    print(f"(load {load()})")

    flt = ledger.parse_filter(department, {})
    appeals = ledger.filter_ledger(department, flt)[:100_000]
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        rows = ledger.write_ledger_xlsx(appeals, out)
        seconds = time.perf_counter() - start
        size = out.tell()
    verdict = "met" if seconds <= TARGET_EXPORT_S else "MISSED"
    print(
        f"\nexport: {rows:,} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s), {size / 1e6:.1f} MB; "
        f"target ≤ {TARGET_EXPORT_S:.0f} s: {verdict} (load {load()})",
        flush=True,
    )

    now = timezone.now()
    overdue = Appeal.objects.overdue(now).count()
    candidates = Appeal.objects.overdue(now).filter(level__lt=3).count()
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        made = services.appeals_escalate_overdue(now=now)
        seconds = time.perf_counter() - start
    verdict = "met" if seconds <= TARGET_SWEEP_S else "MISSED"
    print(
        f"sweep: {overdue:,} overdue, {candidates:,} below leadership, {made:,} escalations made in "
        f"{seconds:.2f} s, {len(ctx.captured_queries)} queries; target ≤ {TARGET_SWEEP_S:.0f} s: {verdict} "
        f"(load {load()})",
        flush=True,
    )
    start = time.perf_counter()
    again = services.appeals_escalate_overdue(now=now)
    print(f"sweep again at once: {again} escalations in {time.perf_counter() - start:.2f} s")
    # A day without a sweep (the task stopped): everything that crossed a threshold in 24 hours is due.
    psql(DB, LEVELS_AS_OF % {"ago": "1 day"})
    now = timezone.now()
    start = time.perf_counter()
    made = services.appeals_escalate_overdue(now=now)
    seconds = time.perf_counter() - start
    verdict = "met" if seconds <= TARGET_SWEEP_S else "MISSED"
    print(
        f"sweep after a day without one: {made:,} escalations in {seconds:.2f} s; "
        f"target ≤ {TARGET_SWEEP_S:.0f} s: {verdict} (load {load()})",
        flush=True,
    )


def sweep_only() -> None:
    """Only the escalation sweep: after a day without one, after ten minutes, and at once again."""
    import django

    django.setup()
    from django.utils import timezone

    from lianxin.appeals import services

    for ago in ("1 day", "10 minutes"):
        psql(DB, LEVELS_AS_OF % {"ago": ago})
        now = timezone.now()
        start = time.perf_counter()
        made = services.appeals_escalate_overdue(now=now)
        seconds = time.perf_counter() - start
        verdict = "met" if seconds <= TARGET_SWEEP_S else "MISSED"
        print(
            f"sweep after {ago} without one: {made:,} escalations in {seconds:.2f} s; "
            f"target ≤ {TARGET_SWEEP_S:.0f} s: {verdict} (load {load()})",
            flush=True,
        )
    start = time.perf_counter()
    again = services.appeals_escalate_overdue()
    print(f"sweep again at once: {again} escalations in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", action="store_true", help="copy lx_counts and load the appeals")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--sweep-only", action="store_true", help="time only the escalation sweep")
    args = parser.parse_args()
    if args.seed:
        seed()
    elif args.sweep_only:
        sweep_only()
    else:
        measure(args.requests)
