"""Stored contact coverage: the coverage per grid and branch read from the stored per-unit rows always
equals the live count — after talks, after people move or leave, and after the 90-day window moves on —
and the coverage page reads those rows in a constant number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lianxin.care import services
from lianxin.care.codes import ContactKind
from lianxin.care.counts import contact_counts_refresh
from lianxin.care.models import ContactRecord, UnitContactCount
from lianxin.care.selectors import coverage_page, coverage_rates, uncontacted
from lianxin.care.tasks import contact_counts_refresh_task
from lianxin.org.models import Person, PersonStatus, Unit
from tests.factories import Org, make_person, make_unit


def talk(org: Org, people: list[Person], *, on: dt.date, actor: Any = None) -> ContactRecord:
    return services.contact_record(
        actor=actor or org.secretary_a, kind=ContactKind.TALK, date=on, people=people, topic="近况"
    )


def shown(unit: Unit) -> dict[str, tuple[int, int]]:
    """Coverage as the page shows it: the configured window, today."""
    return {row.unit.name: (row.people, row.contacted) for row in coverage_rates(unit)}


def live(unit: Unit) -> dict[str, tuple[int, int]]:
    """The same numbers counted from scratch: people not left, minus those without a recent contact."""
    result = {}
    for row in coverage_rates(unit):
        people = Person.objects.filter(unit__path__startswith=row.unit.path).exclude(status=PersonStatus.LEFT)
        result[row.unit.name] = (people.count(), people.count() - uncontacted(row.unit).count())
    return result


def stored(unit: Unit) -> tuple[int, int, dt.date] | None:
    row = UnitContactCount.objects.filter(unit=unit).first()
    return None if row is None else (row.people, row.contacted, row.computed_on)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_stored_rows_equal_the_live_count_after_talks(org: Org) -> None:
    today = timezone.localdate()
    extra = make_person(org.grid_b1, "赵磊")
    talk(org, [org.paired_person], on=today - dt.timedelta(days=10))
    talk(org, [org.employee_person], on=today - dt.timedelta(days=100))  # outside the 90 days
    assert contact_counts_refresh() == Unit.objects.count()  # a row for every unit, empty ones too
    assert stored(org.grid_a2) == (1, 1, today)
    assert stored(org.grid_a1) == (2, 0, today)
    assert stored(org.branch_a) == (1, 0, today)  # 陈静 sits in the branch itself
    assert (
        shown(org.root)
        == live(org.root)
        == {
            "运维部": (4, 1),
            "运行一班": (2, 0),
            "运行二班": (1, 1),
            "检修部": (2, 0),
            "检修一班": (2, 0),
        }
    )
    # A talk refreshes the rows of its people's units in the same transaction.
    talk(org, [org.stranger, extra], on=today, actor=org.secretary_b)
    talk(org, [org.employee_person], on=today - dt.timedelta(days=3))
    assert stored(org.grid_b1) == (2, 2, today)
    assert stored(org.grid_a1) == (2, 1, today)
    assert shown(org.root) == live(org.root)
    assert shown(org.root)["检修部"] == (2, 2) and shown(org.root)["运维部"] == (4, 2)


def test_people_who_move_or_leave_are_counted_where_they_are_now(org: Org) -> None:
    today = timezone.localdate()
    talk(org, [org.paired_person, org.employee_person], on=today)
    contact_counts_refresh()
    # The contacted 王芳 moves to branch B; 张伟, also contacted, leaves.
    org.paired_person.unit = org.grid_b1
    org.paired_person.save(update_fields=["unit", "updated_at"])
    org.employee_person.status = PersonStatus.LEFT
    org.employee_person.save(update_fields=["status", "updated_at"])
    # The stored rows of the units concerned are older than the moves, so those units are counted live …
    assert shown(org.root) == live(org.root)
    assert shown(org.root)["检修一班"] == (2, 1)
    assert shown(org.root)["运行一班"] == (1, 0)
    assert shown(org.root)["运行二班"] == (0, 0)
    assert stored(org.grid_a2) == (1, 1, today)
    # … until the periodic refresh writes them again.
    contact_counts_refresh_task()
    assert stored(org.grid_a2) == (0, 0, today) and stored(org.grid_b1) == (2, 1, today)
    assert shown(org.root) == live(org.root)
    # A new unit with people but no row yet.
    new_grid = make_unit("检修二班", "team", org.branch_b, is_grid=True)
    make_person(new_grid, "周强")
    assert stored(new_grid) is None
    assert shown(org.root) == live(org.root)
    assert shown(org.root)["检修二班"] == (1, 0) and shown(org.root)["检修部"] == (3, 1)


def test_contacts_leave_the_window_as_days_pass(org: Org) -> None:
    start = timezone.now() + dt.timedelta(days=1)  # after the org's counts were written
    with time_machine.travel(start, tick=False):
        today = timezone.localdate()
        talk(org, [org.paired_person], on=today - dt.timedelta(days=85))
        talk(org, [org.employee_person], on=today - dt.timedelta(days=2))
        contact_counts_refresh()
        assert shown(org.root)["运维部"] == (4, 2) == live(org.root)["运维部"]
    with time_machine.travel(start + dt.timedelta(days=6), tick=False):
        # 王芳's talk is now 91 days old. Yesterday's rows no longer count: the page counts live.
        assert stored(org.grid_a2) == (1, 1, today)
        assert shown(org.root) == live(org.root)
        assert shown(org.root)["运行二班"] == (1, 0) and shown(org.root)["运维部"] == (4, 1)
        contact_counts_refresh_task()
        assert stored(org.grid_a2) == (1, 0, today + dt.timedelta(days=6))
        assert shown(org.root) == live(org.root)


def test_the_page_reads_the_stored_rows_in_constant_queries(org: Org) -> None:
    today = timezone.localdate()
    talk(org, [org.paired_person], on=today)
    contact_counts_refresh()
    client = client_for(org.secretary_a)

    def page() -> dict[str, tuple[int, int]]:
        rows = [row for p in client.get(reverse("care_coverage")).context["pages"] for row in p.rows]
        return {row.unit.name: (row.people, row.contacted) for row in rows}

    assert page() == {"运维部": (4, 1), "运行一班": (2, 0), "运行二班": (1, 1)}
    # The page shows what the stored rows say (a current row is never recounted) …
    UnitContactCount.objects.filter(unit=org.grid_a1).update(contacted=2)
    assert page()["运行一班"] == (2, 2) and page()["运维部"] == (4, 3)
    # … and recounts a unit live once its row is from another day or another window.
    UnitContactCount.objects.filter(unit=org.grid_a1).update(computed_on=today - dt.timedelta(days=1))
    assert page()["运行一班"] == (2, 0)
    UnitContactCount.objects.filter(unit=org.grid_a1).update(computed_on=today, days=30)
    assert page()["运行一班"] == (2, 0)

    with CaptureQueriesContext(connection) as few:
        page()
    for number in range(5):
        grid = make_unit(f"运行{number + 3}班", "team", org.branch_a, is_grid=True)
        for _ in range(3):
            make_person(grid)
    with CaptureQueriesContext(connection) as many:
        assert len(page()) == 8
    assert len(many) == len(few)
    contact_counts_refresh()
    with CaptureQueriesContext(connection) as refreshed:
        assert page()["运维部"] == (19, 1)
    assert len(refreshed) == len(few)


def test_other_windows_and_days_are_counted_live(org: Org, settings: Any) -> None:
    today = timezone.localdate()
    talk(org, [org.paired_person], on=today - dt.timedelta(days=40))
    contact_counts_refresh()
    UnitContactCount.objects.update(contacted=0)  # stored rows that would be wrong for any window
    rows = {row.unit.name: row.contacted for row in coverage_rates(org.root, days=60)}
    assert rows["运行二班"] == 1
    rows = {
        row.unit.name: row.contacted for row in coverage_rates(org.root, today=today - dt.timedelta(days=1))
    }
    assert rows["运行二班"] == 1
    settings.CARE_UNCONTACTED_DAYS = 30  # the stored rows were counted for 90 days
    assert shown(org.root)["运行二班"] == (1, 0)
    assert shown(org.root) == live(org.root)


def test_the_refresh_runs_after_midnight_and_every_four_hours() -> None:
    from huey.contrib.djhuey import HUEY

    def due(hour: int, minute: int) -> bool:
        # The consumer checks schedules against naive local timestamps (Asia/Shanghai).
        moment = dt.datetime(2026, 3, 1, hour, minute)  # noqa: DTZ001 (as the consumer passes it)
        return any(isinstance(t, contact_counts_refresh_task.task_class) for t in HUEY.read_periodic(moment))

    assert due(0, 5)  # just after the day turns: yesterday's rows no longer count
    assert due(4, 5) and due(20, 5)
    assert not due(0, 0) and not due(1, 5)


def test_every_page_of_every_size_equals_the_whole_coverage(org: Org) -> None:
    """A page counts only what it shows, yet each row and the total equal coverage_rates — also for a
    branch inside the branch whose grids run on over later pages, and for units counted live."""
    today = timezone.localdate()
    inner = make_unit("运行部第二党支部", "branch", org.branch_a)
    for number in range(4):
        grid = make_unit(f"值班{number + 1}组", "team", inner, is_grid=True)
        people = [make_person(grid) for _ in range(number + 1)]
        if number % 3:
            talk(org, people[: number % 3], on=today - dt.timedelta(days=number))
    make_person(inner, "周强")
    talk(org, [org.paired_person], on=today)
    contact_counts_refresh()
    UnitContactCount.objects.filter(unit__name="值班3组").update(computed_on=today - dt.timedelta(days=1))
    for unit in (org.root, org.branch_a, inner):
        whole = {row.unit.pk: (row.people, row.contacted) for row in coverage_rates(unit)}
        present = Person.objects.filter(unit__path__startswith=unit.path).exclude(status=PersonStatus.LEFT)
        total = (present.count(), present.count() - uncontacted(unit).count())
        for size in range(1, len(whole) + 1):
            seen = []
            for number in range(1, len(whole) // size + 2):
                page = coverage_page(unit, page=number, size=size)
                assert (page.total.people, page.total.contacted) == total
                seen += [(row.unit.pk, (row.people, row.contacted)) for row in page.rows]
                assert page.has_next == (number * size < len(whole))
            assert dict(seen) == whole and len(seen) == len(whole)
    assert live(org.root)["运行部第二党支部"] == (11, 3)
    # Three queries whatever the page: its units, the units below them, and the sums of the rest.
    with CaptureQueriesContext(connection) as queries:
        coverage_page(org.branch_a, page=2, size=2)
    assert len(queries) == 3
