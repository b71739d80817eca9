"""A roster import raises the must-talk and must-visit events of the people it changes: a recent hire,
a move to another unit or position, a retirement; an old hire or an unchanged row raises nothing, and a
dry run or a failed import raises nothing at all."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils import timezone

from lianxin.appeals.models import Notification
from lianxin.care.models import DueItem, LifeEvent
from lianxin.org.models import Person
from lianxin.org.roster.service import roster_apply, roster_check
from tests.factories import Org, make_person
from tests.org.roster_files import HEADER, csv_file, person_row

TODAY = timezone.localdate()
STATUS_HEADER = [*HEADER, "状态"]


def row(
    no: str, name: str, unit: str, *, position: str = "值班员", hire: str = "2015-07-01", status: str = "在岗"
) -> list[object]:
    return [*person_row(no, name, unit, position=position, hire=hire), status]


def test_an_import_raises_events_for_a_new_hire_a_move_and_a_retirement(org: Org, tmp_path: Path) -> None:
    mover = make_person(org.grid_a1, "周强", employee_no="M001", position="值班员")
    retiree = make_person(org.grid_a2, "吴刚", employee_no="R001", position="值班员")
    steady = make_person(org.grid_a2, "郑敏", employee_no="S001", position="值班员")
    recent = (TODAY - dt.timedelta(days=3)).isoformat()
    rows = [
        row("N001", "孙丽", "运维部/运行一班", hire=recent),
        row("N002", "钱多", "运维部/运行一班", hire="2010-03-01"),  # hired long ago: an initial load
        row("M001", "周强", "运维部/运行二班"),
        row("R001", "吴刚", "运维部/运行二班", status="退休"),
        row("S001", "郑敏", "运维部/运行二班"),
    ]
    path = csv_file(tmp_path / "r.csv", rows, header=STATUS_HEADER)
    assert roster_check(path=path).ok
    assert not LifeEvent.objects.exists()  # the dry run raises nothing

    report = roster_apply(path=path)
    assert report.ok, [str(e) for e in report.errors]
    newcomer = Person.objects.get(employee_no="N001")
    raised = {(e.person_id, e.kind_id, e.date, e.source) for e in LifeEvent.objects.all()}
    assert raised == {
        (newcomer.pk, "newly_joined", TODAY - dt.timedelta(days=3), "roster"),
        (mover.pk, "job_change", TODAY, "roster"),
        (retiree.pk, "retirement", TODAY, "roster"),
    }
    assert not LifeEvent.objects.filter(person=steady).exists()
    items = {i.person_id: i for i in DueItem.objects.all()}
    # Retirement is the branch secretary's visit; the others go to the contact or, with none, the secretary.
    assert items[retiree.pk].action == "visit" and items[retiree.pk].responsible == org.secretary_a
    assert items[mover.pk].action == "talk" and items[mover.pk].responsible == org.secretary_a
    assert items[newcomer.pk].due_date == TODAY + dt.timedelta(days=4)
    notice = Notification.objects.get(user=org.secretary_a, kind="care_due")
    assert "3 项" in notice.message

    # Importing the same file again changes nobody and raises nothing more.
    assert roster_apply(path=path).ok
    assert LifeEvent.objects.count() == 3


def test_the_contact_answers_for_a_paired_person_who_moves(org: Org, tmp_path: Path) -> None:
    org.paired_person.employee_no = "P001"
    org.paired_person.save(update_fields=["employee_no"])
    path = csv_file(
        tmp_path / "r.csv", [row("P001", "王芳", "运维部/运行二班", position="副值")], header=STATUS_HEADER
    )
    assert roster_apply(path=path).ok
    item = DueItem.objects.get()
    assert item.person == org.paired_person and item.responsible == org.grid_member


def test_a_failed_import_raises_no_event(org: Org, tmp_path: Path) -> None:
    make_person(org.grid_a1, "周强", employee_no="M001")
    rows = [row("M001", "周强", "运维部/运行二班"), row("X001", "李四", "不存在的部门/某班")]
    report = roster_apply(path=csv_file(tmp_path / "r.csv", rows, header=STATUS_HEADER))
    assert not report.ok
    assert not LifeEvent.objects.exists() and not DueItem.objects.exists()
