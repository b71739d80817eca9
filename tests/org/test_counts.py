"""Stored unit counts (UnitCount): after every kind of write the numbers shown equal a live count of the
person and pairing tables, for every unit's subtree."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from lianxin.org.counts import unit_counts_refresh
from lianxin.org.models import CorrectionRequest, Pairing, Person, PersonStatus, Unit, UnitCount
from lianxin.org.roster.service import roster_apply
from lianxin.org.selectors_units import _has_active_contact, counted_people, subtree_stats
from lianxin.org.services import correction_decide, correction_request_submit, pairing_create
from lianxin.org.tasks import unit_counts_refresh_task
from tests.factories import Org, make_person, make_unit
from tests.org.roster_files import person_row, xlsx

pytestmark = pytest.mark.django_db


def live() -> dict[int, tuple[int, int]]:
    """(people, covered) of every unit's subtree, counted from the people themselves."""
    result = {}
    for unit in Unit.objects.all():
        people = counted_people().filter(unit__path__startswith=unit.path)
        result[unit.pk] = (people.count(), people.filter(_has_active_contact()).count())
    return result


def shown() -> dict[int, tuple[int, int]]:
    """What the pages and the API show: subtree sums of the stored counts."""
    units = list(Unit.objects.all())
    return {pk: (s.people, s.covered) for pk, s in subtree_stats(units).items()}


def assert_counts_are_live() -> None:
    expected = live()
    assert shown() == expected
    assert any(people for people, _ in expected.values())


def test_the_org_fixture_is_counted(org: Org) -> None:
    assert_counts_are_live()
    assert shown()[org.root.pk] == (5, 1)


def test_pairing_create_counts_the_person_as_covered(org: Org) -> None:
    pairing_create(contact=org.grid_person, person=org.employee_person)

    assert_counts_are_live()
    assert shown()[org.grid_a1.pk] == (2, 1)
    assert shown()[org.root.pk] == (5, 2)


def test_a_pairing_that_starts_later_does_not_cover_yet(org: Org) -> None:
    pairing_create(
        contact=org.grid_person,
        person=org.employee_person,
        start_date=timezone.localdate() + dt.timedelta(days=3),
    )

    assert_counts_are_live()
    assert shown()[org.grid_a1.pk] == (2, 0)


def test_roster_import_of_new_and_moved_people(org: Org, tmp_path: Path) -> None:
    rows = [
        person_row("R0001", "新员工甲", "运维部/运行一班"),
        person_row("R0002", "新员工乙", "检修部/检修一班"),
        person_row("R0003", "新员工丙", "检修部/检修二班"),  # a unit the import creates
        # Someone already on the roll moves from 运行一班 to 检修一班.
        person_row(org.employee_person.employee_no, org.employee_person.name, "检修部/检修一班"),
    ]
    report = roster_apply(path=xlsx(tmp_path / "r.xlsx", rows), create_units=True)

    assert report.applied, report.lines()
    assert_counts_are_live()
    new_team = Unit.objects.get(name="检修二班")
    assert shown()[new_team.pk] == (1, 0)
    assert shown()[org.grid_a1.pk] == (2, 0)  # 李娜 and 新员工甲; 张伟 has moved out
    assert shown()[org.grid_b1.pk] == (3, 0)
    assert shown()[org.root.pk] == (8, 1)


def test_a_failed_import_leaves_the_counts_alone(org: Org, tmp_path: Path) -> None:
    rows = [person_row("R0001", "新员工甲"), person_row("R0002", "新员工乙", birth="不是日期")]

    assert not roster_apply(path=xlsx(tmp_path / "r.xlsx", rows)).applied
    assert_counts_are_live()
    assert shown()[org.root.pk] == (5, 1)


def test_the_periodic_refresh_drops_a_pairing_that_ended_by_date(org: Org) -> None:
    today = timezone.localdate()
    pairing_create(
        contact=org.grid_person,
        person=org.employee_person,
        start_date=today - dt.timedelta(days=30),
        end_date=today,
    )
    assert shown()[org.grid_a1.pk] == (2, 1)

    noon_next_day = dt.datetime.combine(
        today + dt.timedelta(days=1), dt.time(12), tzinfo=timezone.get_current_timezone()
    )
    with time_machine.travel(noon_next_day, tick=False):
        # Nothing was written when the pairing ran out at midnight: the stored count lags behind …
        assert shown()[org.grid_a1.pk] == (2, 1)
        unit_counts_refresh_task()
        # … until the periodic refresh, after which it equals the live count again.
        assert_counts_are_live()
        assert shown()[org.grid_a1.pk] == (2, 0)


def test_the_periodic_refresh_is_scheduled_every_quarter_hour() -> None:
    def due(hour: int, minute: int) -> bool:
        # The consumer checks schedules against naive timestamps (UTC by default).
        moment = dt.datetime(2026, 3, 1, hour, minute, tzinfo=dt.UTC).replace(tzinfo=None)
        return any(isinstance(t, unit_counts_refresh_task.task_class) for t in HUEY.read_periodic(moment))

    assert due(16, 0)  # midnight in Asia/Shanghai, when pairings start and end
    assert due(9, 45)
    assert not due(9, 46)


def test_people_who_leave_move_or_are_deleted(org: Org) -> None:
    org.stranger.status = PersonStatus.LEFT
    org.stranger.save(update_fields=["status", "updated_at"])
    assert_counts_are_live()
    assert shown()[org.grid_b1.pk] == (0, 0)

    org.paired_person.unit = org.grid_b1
    org.paired_person.save()
    assert_counts_are_live()
    assert shown()[org.grid_a2.pk] == (0, 0)
    assert shown()[org.grid_b1.pk] == (1, 1)

    make_person(org.grid_a2, "新来的")
    Person.objects.filter(name="新来的").get().delete()
    assert_counts_are_live()
    assert shown()[org.root.pk] == (4, 1)


def test_deleting_a_contact_uncovers_their_people(org: Org) -> None:
    extra = make_unit("运行三班", "team", org.branch_a, is_grid=True)
    contact = make_person(extra, "临时联系人")
    pairing_create(contact=contact, person=org.employee_person)
    assert shown()[org.grid_a1.pk] == (2, 1)

    contact.delete()  # cascades to the pairing

    assert_counts_are_live()
    assert shown()[org.grid_a1.pk] == (2, 0)


def test_moving_a_pairing_to_another_person_counts_both(org: Org) -> None:
    pairing = Pairing.objects.get(person=org.paired_person)
    pairing.person = org.stranger
    pairing.save()

    assert_counts_are_live()
    assert shown()[org.grid_a2.pk] == (1, 0)
    assert shown()[org.grid_b1.pk] == (1, 1)


def test_a_correction_decision_does_not_recount(org: Org, django_assert_max_num_queries: Any) -> None:
    request = correction_request_submit(
        user=org.employee, person=org.employee_person, field="phone", proposed_value="13900000000"
    )
    before = UnitCount.objects.get(unit=org.grid_a1).refreshed_at

    correction_decide(user=org.secretary_a, request=request, accept=True, reason="")

    assert CorrectionRequest.objects.get(pk=request.pk).status == "accepted"
    assert UnitCount.objects.get(unit=org.grid_a1).refreshed_at == before
    assert_counts_are_live()


def test_admin_edits_and_deletes_are_counted(org: Org) -> None:
    admin = get_user_model().objects.create_superuser("root", password="x-unused-123")
    client = Client()
    client.force_login(admin)
    pairing = Pairing.objects.get(person=org.paired_person)

    response = client.post(f"/admin/org/pairing/{pairing.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302 and not Pairing.objects.exists()
    assert_counts_are_live()
    assert shown()[org.root.pk] == (5, 0)


def test_a_full_refresh_repairs_writes_that_bypassed_the_models(org: Org) -> None:
    # A bulk UPDATE sends no signals; the next full refresh (the periodic task) puts it right.
    Person.objects.filter(unit=org.grid_a1).update(unit=org.grid_b1)
    assert shown()[org.grid_b1.pk] == (1, 0)

    unit_counts_refresh()

    assert_counts_are_live()
    assert shown()[org.grid_b1.pk] == (3, 0)


def test_a_full_refresh_leaves_unchanged_rows_unwritten(org: Org) -> None:
    unit_counts_refresh()
    stamps = dict(UnitCount.objects.values_list("unit_id", "refreshed_at"))
    Person.objects.filter(pk=org.stranger.pk).update(status=PersonStatus.RETIRED)  # still counted

    unit_counts_refresh()

    assert dict(UnitCount.objects.values_list("unit_id", "refreshed_at")) == stamps


def test_demo_seed_stores_its_counts() -> None:
    call_command("demo_seed", "--people", "300", stdout=StringIO())

    assert UnitCount.objects.count() == Unit.objects.count()
    assert_counts_are_live()
    root = Unit.objects.get(depth=1)
    people, covered = shown()[root.pk]
    assert people == counted_people().count() and 0 < covered < people
