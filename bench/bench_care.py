"""Care at scale on PostgreSQL: bulk-load talk/visit records and life events with due items into a seeded
500,000-person demo, then time "my people" for a grid member, the stored coverage (its full and targeted
refresh, a branch's and a grid's coverage from the stored rows, from stale rows and live, and the coverage
page of the largest branch), the trigger (one life event raised) and the overdue sweep over the loaded events.

    DATABASE_URL=postgres://.../lx_care_bench uv run python bench/bench_care.py load [RECORDS] [EVENTS]
    DATABASE_URL=postgres://.../lx_care_bench uv run python bench/bench_care.py run [N]
    DATABASE_URL=postgres://.../lx_care_bench uv run python bench/bench_care.py coverage [N]

`coverage` times only the paged coverage of the largest branch (selector and page, page 1 and a middle page).

`load` is set-based SQL (INSERT … SELECT generate_series, each record with its people link in the same
statement); `run` writes only the stored coverage rows (which it refreshes), the events it raises and the
sweep, which it resets before each timing.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_COOKIES", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from lianxin.api.models import ApiToken  # noqa: E402
from lianxin.care.counts import contact_counts_refresh, uncontacted_days  # noqa: E402
from lianxin.care.models import DueItem, DueItemEvent, LifeEvent, UnitContactCount  # noqa: E402
from lianxin.care.selectors import coverage_page, coverage_rates, my_people, uncontacted  # noqa: E402
from lianxin.care.services import due_items_escalate_overdue, life_event_raise  # noqa: E402
from lianxin.care.views.coverage import PAGE_SIZE  # noqa: E402
from lianxin.org.models import Pairing, Person, Unit  # noqa: E402

User = get_user_model()

TOPICS = ["岗位调整后的思想状况", "家中老人住院", "夜班轮值安排", "子女入学", "安全生产思想动态"]

LOAD_RECORDS = """
WITH src AS (
    SELECT g,
           (SELECT array_agg(id ORDER BY id) FROM auth_user) AS users,
           (SELECT array_agg(id ORDER BY id) FROM org_person) AS people
    FROM generate_series(1, %(n)s) AS g
), rec AS (
    INSERT INTO care_contactrecord (kind, date, place, topic, summary, next_due, created_at, conducted_by_id)
    SELECT (ARRAY['talk','home_visit','hospital_visit','group_talk','phone'])[1 + g %% 5],
           current_date - (g %% 1095), '班组休息室', (ARRAY[%(topics)s])[1 + g %% 5], '近况平稳，已沟通。',
           NULL, now(), users[1 + g %% cardinality(users)]
    FROM src
    RETURNING id, date
)
INSERT INTO care_contactperson (record_id, person_id, unit_id, date)
SELECT rec.id, p.people[1 + ((rec.id * 7919) %% cardinality(p.people))],
       p.units[1 + ((rec.id * 7919) %% cardinality(p.people))], rec.date
FROM rec, (SELECT array_agg(id ORDER BY id) AS people, array_agg(unit_id ORDER BY id) AS units
           FROM org_person) AS p
"""

LOAD_EVENTS = """
WITH src AS (
    SELECT g,
           (SELECT array_agg(id ORDER BY id) FROM org_person) AS people,
           (SELECT array_agg(kind_id ORDER BY kind_id) FROM care_triggerrule) AS kinds
    FROM generate_series(1, %(n)s) AS g
), ev AS (
    INSERT INTO care_lifeevent (person_id, kind_id, date, source, note, created_at)
    SELECT people[1 + ((g::bigint * 104729) %% cardinality(people))], kinds[1 + g %% cardinality(kinds)],
           current_date - (g %% 365), 'roster', '', now()
    FROM src
    RETURNING id, person_id, kind_id, date
)
INSERT INTO care_dueitem (event_id, person_id, unit_id, action, responsible_kind, responsible_id,
                          due_date, due_at, level, done_at, created_at)
SELECT ev.id, ev.person_id, per.unit_id, r.action, r.responsible, NULL,
       ev.date + r.amount, (ev.date + r.amount + 1)::timestamptz, 0,
       CASE WHEN ev.id %% 10 < 7 THEN (ev.date + 2)::timestamptz END, now()
FROM ev JOIN org_person per ON per.id = ev.person_id JOIN care_triggerrule r ON r.kind_id = ev.kind_id
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def timed(label: str, n: int, fn: Callable[[], object]) -> None:
    fn()  # warm
    with CaptureQueriesContext(connection) as queries:
        fn()
    runs = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    print(
        f"{label:<58} n={n:<3} median {statistics.median(runs):8.1f} ms  "
        f"p95 {percentile(runs, 0.95):8.1f} ms  queries {len(queries)}"
    )


def _my_people(user: Any) -> Callable[[], object]:
    return lambda: list(my_people(user))


def _api_my_people(client: Client, raw: str) -> Callable[[], object]:
    headers = {"Authorization": f"Bearer {raw}"}
    return lambda: client.get("/api/v1/care/my-people", {"limit": 200}, headers=headers).content


def _coverage(unit: Unit, days: int | None = None) -> Callable[[], object]:
    return lambda: coverage_rates(unit, days)


def _coverage_page(client: Client, page: int = 1) -> Callable[[], object]:
    def get() -> object:
        response = client.get("/care/coverage/", {"page": page})
        assert response.status_code == 200, response.status_code
        return response.content

    return get


def _coverage_page_selector(unit: Unit, page: int) -> Callable[[], object]:
    return lambda: coverage_page(unit, page=page, size=PAGE_SIZE)


def _largest_branch() -> tuple[int, Unit]:
    branches = list(Unit.objects.filter(kind__is_branch=True, depth=2).order_by("path"))
    sized = sorted(
        ((Person.objects.filter(unit__path__startswith=b.path).count(), b) for b in branches),
        key=lambda t: t[0],
    )
    return sized[-1]


def coverage_pages(n: int) -> None:
    """The paged coverage of the largest branch: the selector and the page through the test client, for
    the first page and a middle one, as its secretary sees them (stored rows current)."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    size, largest = _largest_branch()
    if not UnitContactCount.objects.filter(computed_on=timezone.localdate()).exists():
        written = contact_counts_refresh()
        print(f"contact_counts_refresh: {written:,} rows")
    targets = coverage_rates_count(largest)
    middle = max(1, math.ceil(targets / PAGE_SIZE) // 2)
    label = f"{largest.name} ({size:,} people, {targets:,} grids and branches)"
    for page in (1, middle):
        timed(f"coverage_page selector, page {page}: {label}", n, _coverage_page_selector(largest, page))
    secretary = User.objects.filter(
        role_assignments__role="secretary", role_assignments__unit=largest
    ).first()
    assert secretary is not None
    client = Client()
    client.force_login(secretary)
    for page in (1, middle):
        timed(f"GET /care/coverage/?page={page} as {secretary.username}", n, _coverage_page(client, page))
    _stale_rows(True)
    timed(
        f"GET /care/coverage/?page=1, every row stale (live per unit), as {secretary.username}",
        max(5, n // 5),
        _coverage_page(client, 1),
    )
    _stale_rows(False)
    first = coverage_page(largest, page=middle, size=PAGE_SIZE)
    full = {r.unit.pk: (r.people, r.contacted) for r in coverage_rates(largest)}
    same = all(full[r.unit.pk] == (r.people, r.contacted) for r in first.rows)
    total = (first.total.people, first.total.contacted) == full[largest.pk]
    print(f"page {middle} rows and total equal coverage_rates: {same and total}")
    stamp = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    print(f"at {stamp}, load {os.getloadavg()[0]:.2f}, cpus {os.cpu_count()}")


def coverage_rates_count(unit: Unit) -> int:
    return Unit.objects.filter(unit.subtree_q()).filter(Q(is_grid=True) | Q(kind__is_branch=True)).count()


def _stale_rows(stale: bool) -> None:
    """Date every stored row yesterday (as between midnight and the refresh after it), or back today."""
    day = timezone.localdate() - dt.timedelta(days=1 if stale else 0)
    UnitContactCount.objects.update(computed_on=day)


def _uncontacted_page(unit: Unit) -> Callable[[], object]:
    return lambda: list(uncontacted(unit)[:50])


def _uncontacted_count(unit: Unit) -> Callable[[], object]:
    return lambda: uncontacted(unit).count()


def load(records: int, events: int) -> None:
    topics = ",".join("'" + t + "'" for t in TOPICS)
    with connection.cursor() as cursor:
        for label, sql, n in (
            ("talk/visit records", LOAD_RECORDS, records),
            ("life events", LOAD_EVENTS, events),
        ):
            start = time.perf_counter()
            cursor.execute(sql.replace("%(topics)s", topics), {"n": n})
            print(f"loaded {n:,} {label} in {time.perf_counter() - start:.1f} s")
        cursor.execute("ANALYZE care_contactrecord, care_contactperson, care_lifeevent, care_dueitem")


def run(n: int) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    # Timed without a collectstatic run: plain static storage, no manifest to look up.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM care_contactrecord), (SELECT count(*) FROM care_contactperson), "
            "(SELECT count(*) FROM care_lifeevent), (SELECT count(*) FROM care_dueitem), "
            "(SELECT count(*) FROM care_dueitem WHERE done_at IS NULL), (SELECT count(*) FROM org_person)"
        )
        counts = cursor.fetchone()
    print("records {:,}, links {:,}, events {:,}, due items {:,} ({:,} open), people {:,}".format(*counts))

    # The demo's grid member, and the account paired with the most people (the worst case).
    busiest = (
        Pairing.objects.active()
        .filter(contact__user__isnull=False)
        .values("contact_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("contact__user_id", flat=True)
        .first()
    )
    users = list(User.objects.filter(username="grid_member")) + list(User.objects.filter(pk=busiest or 0))
    for user in users:
        label = f"{user.username} ({my_people(user).count()} people)"
        timed(f"my_people selector, all rows: {label}", n, _my_people(user))
        _, raw = ApiToken.issue(user=user, name="bench_care")
        timed(f"GET /api/v1/care/my-people?limit=200: {label}", n, _api_my_people(Client(), raw))

    # Stored coverage: a full refresh on an empty table, then on a full one; a targeted refresh (a talk).
    UnitContactCount.objects.all().delete()
    for label in ("empty table", "every row present"):
        start = time.perf_counter()
        written = contact_counts_refresh()
        took = time.perf_counter() - start
        print(f"contact_counts_refresh, all units ({label}): {written:,} rows in {took:.2f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE care_unitcontactcount")
    grids = list(
        Unit.objects.filter(is_grid=True).order_by("path").values_list("pk", flat=True)[:: 37037 // n or 1]
    )
    runs = []
    for pk in grids[:n]:
        start = time.perf_counter()
        contact_counts_refresh(unit_ids=[pk])
        runs.append((time.perf_counter() - start) * 1000)
    print(
        f"{'contact_counts_refresh, one grid (what a talk adds)':<58} n={len(runs):<3} "
        f"median {statistics.median(runs):8.1f} ms  p95 {percentile(runs, 0.95):8.1f} ms"
    )

    branches = list(Unit.objects.filter(kind__is_branch=True, depth=2).order_by("path"))
    sized = sorted(
        ((Person.objects.filter(unit__path__startswith=b.path).count(), b) for b in branches),
        key=lambda t: t[0],
    )
    largest = sized[-1][1]
    grid = Unit.objects.filter(is_grid=True, path__startswith=largest.path).order_by("path").first()
    assert grid is not None
    days = uncontacted_days()
    for size, branch in (sized[len(sized) // 2], sized[-1]):
        label = f"{branch.name} ({size:,} people)"
        timed(f"coverage_rates, stored rows: {label}", n, _coverage(branch))
        _stale_rows(True)
        timed(f"coverage_rates, all rows stale (live per unit): {label}", max(5, n // 5), _coverage(branch))
        _stale_rows(False)
        timed(f"coverage_rates, live, {days - 1} days: {label}", max(5, n // 5), _coverage(branch, days - 1))
        timed(f"uncontacted first 50 {label}", n, _uncontacted_page(branch))
        timed(f"uncontacted count {label}", max(5, n // 10), _uncontacted_count(branch))
    timed(f"coverage_rates, stored rows: grid {grid.name} of {largest.name}", n, _coverage(grid))
    stored = coverage_rates(largest)
    _stale_rows(True)
    fallback = coverage_rates(largest)
    _stale_rows(False)
    same = [(r.unit.pk, r.people, r.contacted) for r in stored] == [
        (r.unit.pk, r.people, r.contacted) for r in fallback
    ]
    print(
        f"stored rows and live per unit agree on {largest.name}: {same} ({len(stored):,} grids and branches)"
    )

    # The coverage page itself, a page at a time, as the secretary of the largest branch sees it.
    coverage_pages(n)

    # The trigger: one life event raised (its due item, responsible lookup and notice), timed per call.
    people = list(Person.objects.select_related("unit").order_by("pk")[:n])
    runs = []
    for person in people:
        start = time.perf_counter()
        life_event_raise(person=person, kind="job_change", date=timezone.localdate(), source="roster")
        runs.append((time.perf_counter() - start) * 1000)
    print(
        f"{'life_event_raise (one event + due item)':<58} n={n:<3} median {statistics.median(runs):8.1f} ms  "
        f"p95 {percentile(runs, 0.95):8.1f} ms"
    )

    # The sweep: every open item back at level 0, then one sweep (all climb), then the steady state.
    total = LifeEvent.objects.count()
    for attempt in range(2):
        DueItemEvent.objects.filter(kind="escalated").delete()
        DueItem.objects.filter(level__gt=0).update(level=0)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE care_dueitem, care_dueitemevent")
        start = time.perf_counter()
        made = due_items_escalate_overdue()
        first = time.perf_counter() - start
        written = DueItemEvent.objects.filter(kind="escalated").count()
        start = time.perf_counter()
        again = due_items_escalate_overdue()
        second = time.perf_counter() - start
        print(
            f"sweep over {total:,} events, run {attempt + 1}: first {first:.2f} s ({made:,} levels climbed, "
            f"{written:,} events), next {second:.2f} s ({again} levels climbed)"
        )
    stamp = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    print(f"at {stamp}, load {os.getloadavg()[0]:.2f}, cpus {os.cpu_count()}")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "run"
    if command == "load":
        load(
            int(sys.argv[2]) if len(sys.argv) > 2 else 5_000_000,
            int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000,
        )
    elif command == "coverage":
        coverage_pages(int(sys.argv[2]) if len(sys.argv) > 2 else 50)
    else:
        run(int(sys.argv[2]) if len(sys.argv) > 2 else 50)
