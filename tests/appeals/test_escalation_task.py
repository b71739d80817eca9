"""The periodic escalation sweep, run through Huey (immediate in tests) under a frozen clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from lianxin.appeals import services as s
from lianxin.appeals.codes import Channel, EventKind, Level
from lianxin.appeals.models import Appeal, Notification
from lianxin.appeals.tasks import appeals_escalate_overdue_task
from tests.factories import Org

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
RAISED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)  # a Monday


def run_sweep() -> None:
    result = appeals_escalate_overdue_task()  # immediate mode: runs now, in this process
    if result is not None and hasattr(result, "get"):
        result.get()


def levels(appeal: Appeal) -> list[int]:
    return [e.data["level"] for e in appeal.events.filter(kind=EventKind.ESCALATED).order_by("at", "pk")]


def test_task_runs_every_ten_minutes() -> None:
    task = appeals_escalate_overdue_task.task_class()
    # Huey checks its schedule against naive local times.
    assert task.validate_datetime(RAISED.replace(minute=10, tzinfo=None))
    assert task.validate_datetime(RAISED.replace(minute=0, tzinfo=None))
    assert not task.validate_datetime(RAISED.replace(minute=5, tzinfo=None))


def test_overdue_appeal_climbs_one_level_per_threshold(org: Org) -> None:
    with time_machine.travel(RAISED, tick=False):
        appeal = s.appeal_submit(text="宿舍漏水", channel=Channel.WEB, submitter=org.employee_person).appeal
        s.appeal_triage(appeal=appeal, actor=org.secretary_a, category="conditions", grade="red")
        s.appeal_assign(appeal=appeal, actor=org.secretary_a, handler=org.grid_member, measure="维修")
    due = Appeal.objects.get(pk=appeal.pk).closure_due
    assert due == RAISED + dt.timedelta(hours=24)

    with time_machine.travel(due - dt.timedelta(minutes=10), tick=False):
        run_sweep()
    assert levels(appeal) == []  # not yet overdue

    with time_machine.travel(due + dt.timedelta(minutes=10), tick=False):
        run_sweep()
        run_sweep()  # a second run in the same state changes nothing
    assert levels(appeal) == [Level.SECRETARY]
    assert set(Notification.objects.filter(kind="escalated").values_list("user__username", flat=True)) == {
        "secretary_a"
    }

    with time_machine.travel(due + dt.timedelta(days=1, minutes=10), tick=False):
        run_sweep()
    assert levels(appeal) == [Level.SECRETARY, Level.DEPARTMENT]

    with time_machine.travel(due + dt.timedelta(days=3, minutes=10), tick=False):
        run_sweep()
        run_sweep()
    assert levels(appeal) == [Level.SECRETARY, Level.DEPARTMENT, Level.LEADERSHIP]
    assert Appeal.objects.get(pk=appeal.pk).level == Level.LEADERSHIP
    escalated = set(Notification.objects.filter(kind="escalated").values_list("user__username", flat=True))
    assert escalated == {"secretary_a", "department", "leader"}
    event = appeal.events.filter(kind=EventKind.ESCALATED).last()
    assert event is not None and event.at == due + dt.timedelta(days=3, minutes=10)


def test_a_late_first_sweep_records_every_level_it_skips(org: Org) -> None:
    with time_machine.travel(RAISED, tick=False):
        appeal = s.appeal_submit(
            text="班组长辱骂职工", channel=Channel.WEB, submitter=org.employee_person
        ).appeal
        s.appeal_triage(appeal=appeal, actor=org.secretary_a, category="conduct", grade="orange")
    due = Appeal.objects.get(pk=appeal.pk).closure_due
    assert due is not None
    with time_machine.travel(due + dt.timedelta(days=5), tick=False):
        run_sweep()
    assert levels(appeal) == [Level.SECRETARY, Level.DEPARTMENT, Level.LEADERSHIP]


def test_answered_appeals_are_not_escalated(org: Org) -> None:
    with time_machine.travel(RAISED, tick=False):
        appeal = s.appeal_submit(text="工具不足", channel=Channel.WEB, submitter=org.employee_person).appeal
        s.appeal_triage(appeal=appeal, actor=org.secretary_a, category="conditions", grade="red")
        s.appeal_assign(appeal=appeal, actor=org.secretary_a, handler=org.grid_member, measure="采购")
        s.appeal_reply(appeal=appeal, actor=org.grid_member, text="已采购")
    with time_machine.travel(RAISED + dt.timedelta(days=10), tick=False):
        run_sweep()
    assert levels(appeal) == []
