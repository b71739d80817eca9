"""Events make due items for the right person; a talk or visit fulfils them; overdue ones escalate up the
chain like appeals, on a frozen clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from lianxin.appeals.models import Notification
from lianxin.care import plans, services
from lianxin.care.codes import Action, ContactKind, DueLevel, EventSource, Responsible
from lianxin.care.models import DueItem, DueItemEvent, EventKind, LifeEvent, TriggerRule
from lianxin.care.selectors import due_items_open
from lianxin.org.models import Pairing
from tests.factories import Org

TZ = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 6, day, hour, 0, tzinfo=TZ)


def notified(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def test_shipped_triggers_follow_the_taxonomy(db: None) -> None:
    assert EventKind.objects.count() == 20
    hospital = TriggerRule.objects.get(kind="hospitalised")
    assert (hospital.action, hospital.amount) == (Action.VISIT, 3)
    assert TriggerRule.objects.get(kind="discipline").responsible == Responsible.SECRETARY
    assert TriggerRule.objects.get(kind="safety_violation").responsible == Responsible.SECRETARY
    job = TriggerRule.objects.get(kind="job_change")
    assert (job.action, job.responsible, job.amount) == (Action.TALK, Responsible.CONTACT, 7)


def test_event_to_due_item_to_fulfilment_to_escalation(org: Org) -> None:
    Pairing.objects.update(start_date=dt.date(2026, 1, 1))  # paired before the frozen days below
    with time_machine.travel(at(1), tick=False):
        event = services.life_event_raise(
            person=org.paired_person,
            kind="job_change",
            date=dt.date(2026, 6, 1),
            source=EventSource.STAFF,
            actor=org.secretary_a,
        )
        item = event.due_item
        # The paired contact's user answers for it, with seven calendar days.
        assert item.responsible == org.grid_member and item.responsible_kind == Responsible.CONTACT
        assert item.due_date == dt.date(2026, 6, 8) and item.action == Action.TALK
        assert notified("care_due") == {"grid"}
        assert list(due_items_open(org.grid_member)) == [item]
        assert services.due_items_escalate_overdue() == 0

    with time_machine.travel(at(9, 10), tick=False):  # ten hours overdue: the branch secretary
        assert services.due_items_escalate_overdue() == 1
        item.refresh_from_db()
        assert item.level == DueLevel.SECRETARY and item.is_overdue
        assert notified("care_escalated") == {"secretary_a"}
        assert services.due_items_escalate_overdue() == 0  # the same sweep again changes nothing

    with time_machine.travel(at(10, 10), tick=False):  # over a day: the party-mass department
        assert services.due_items_escalate_overdue() == 1
        assert notified("care_escalated") == {"secretary_a", "department"}

    with time_machine.travel(at(12, 10), tick=False):  # three days: leadership; then the talk is held
        assert services.due_items_escalate_overdue() == 1
        item.refresh_from_db()
        assert item.level == DueLevel.LEADERSHIP
        assert notified("care_escalated") == {"secretary_a", "department", "leader"}
        record = services.contact_record(
            actor=org.grid_member,
            kind=ContactKind.TALK,
            date=dt.date(2026, 6, 12),
            people=[org.paired_person],
            topic="岗位调整后的想法",
            summary="适应良好",
        )
        item.refresh_from_db()
        assert item.done_at is not None and item.fulfilled_by == record
        assert list(due_items_open(org.grid_member)) == []
    with time_machine.travel(at(20), tick=False):
        assert services.due_items_escalate_overdue() == 0
    kinds = list(DueItemEvent.objects.filter(due_item=item).values_list("kind", "level"))
    assert kinds == [("escalated", 1), ("escalated", 2), ("escalated", 3), ("fulfilled", 3)]


def test_a_long_overdue_item_climbs_every_level_in_one_sweep(org: Org) -> None:
    with time_machine.travel(at(1), tick=False):
        services.life_event_raise(
            person=org.employee_person,
            kind="hospitalised",
            date=dt.date(2026, 6, 1),
            source=EventSource.ROSTER,
        )
    with time_machine.travel(at(20), tick=False):
        assert services.due_items_escalate_overdue() == 3  # three levels climbed
    item = DueItem.objects.get()
    assert item.due_date == dt.date(2026, 6, 4) and item.level == DueLevel.LEADERSHIP
    # One event records the whole climb: from which level, to which, and when.
    climbs = list(DueItemEvent.objects.filter(due_item=item).values_list("kind", "from_level", "level", "at"))
    assert climbs == [("escalated", DueLevel.RESPONSIBLE, DueLevel.LEADERSHIP, at(20))]
    # One notice per user per level, counting the items, not one per item.
    assert Notification.objects.filter(kind="care_escalated").count() == 3


def test_a_backlog_climbs_in_one_sweep_with_one_counted_notice_per_level(org: Org) -> None:
    with time_machine.travel(at(1), tick=False):
        for person in (org.employee_person, org.paired_person, org.secretary_a_person, org.stranger):
            services.life_event_raise(
                person=person, kind="hospitalised", date=dt.date(2026, 6, 1), source=EventSource.ROSTER
            )
        recent = services.life_event_raise(
            person=org.grid_person, kind="hospitalised", date=dt.date(2026, 6, 17), source=EventSource.ROSTER
        ).due_item
    with time_machine.travel(at(21, 10), tick=False):
        # Four items 17 days late go to the leadership; one 10 hours late to its branch secretary.
        assert services.due_items_escalate_overdue() == 4 * 3 + 1
        assert services.due_items_escalate_overdue() == 0
    levels = dict(DueItem.objects.values_list("person__name", "level"))
    assert levels == {"张伟": 3, "王芳": 3, "陈静": 3, "刘洋": 3, "李娜": 1}
    assert DueItemEvent.objects.count() == 5  # one per item, whatever the levels climbed
    assert DueItemEvent.objects.get(due_item=recent).from_level == 0
    messages = dict(
        Notification.objects.filter(kind="care_escalated").values_list("user__username", "message")
    )
    assert messages == {
        "secretary_a": "4 项必谈必访已逾期，升级至支部书记督办。",
        "secretary_b": "1 项必谈必访已逾期，升级至支部书记督办。",
        "department": "4 项必谈必访已逾期，升级至党群工作部督办。",
        "leader": "4 项必谈必访已逾期，升级至领导班子督办。",
    }


def test_secretary_answers_when_the_rule_says_so_or_there_is_no_contact(org: Org) -> None:
    day = timezone.localdate()
    disciplined = services.life_event_raise(
        person=org.paired_person, kind="discipline", date=day, source=EventSource.STAFF
    ).due_item
    assert (disciplined.responsible, disciplined.responsible_kind) == (org.secretary_a, Responsible.SECRETARY)
    unpaired = services.life_event_raise(
        person=org.employee_person, kind="job_change", date=day, source=EventSource.STAFF
    ).due_item
    assert (unpaired.responsible, unpaired.responsible_kind) == (org.secretary_a, Responsible.SECRETARY)
    in_b = services.life_event_raise(
        person=org.stranger, kind="childbirth", date=day, source=EventSource.STAFF
    )
    assert in_b.due_item.responsible == org.secretary_b
    # Secretary B supervises only branch B's items.
    assert list(due_items_open(org.secretary_b)) == [in_b.due_item]


def test_workday_rules_skip_the_weekend(org: Org) -> None:
    TriggerRule.objects.filter(kind="job_change").update(unit="workdays", amount=2)
    friday = dt.date(2026, 6, 5)
    event = services.life_event_raise(
        person=org.paired_person, kind="job_change", date=friday, source="staff"
    )
    assert event.due_item.due_date == dt.date(2026, 6, 9)


def test_unknown_kind_source_or_out_of_scope_person_saves_nothing(org: Org) -> None:
    day = timezone.localdate()
    with pytest.raises(ValidationError) as unknown:
        services.life_event_raise(person=org.paired_person, kind="alien_abduction", date=day, source="staff")
    assert "未知的事件类型" in str(unknown.value)
    EventKind.objects.filter(code="childbirth").update(active=False)
    with pytest.raises(ValidationError):
        services.life_event_raise(person=org.paired_person, kind="childbirth", date=day, source="staff")
    with pytest.raises(ValidationError):
        services.life_event_raise(person=org.paired_person, kind="job_change", date=day, source="rumour")
    with pytest.raises(ValidationError) as scope:
        services.life_event_raise(
            person=org.stranger, kind="job_change", date=day, source="staff", actor=org.secretary_a
        )
    assert "管理范围" in str(scope.value)
    assert not LifeEvent.objects.exists() and not DueItem.objects.exists()


def test_only_the_required_kind_after_the_event_fulfils_automatically(org: Org) -> None:
    event = services.life_event_raise(
        person=org.paired_person, kind="family_crisis", date=dt.date(2026, 5, 10), source="staff"
    )
    item = event.due_item
    # Before the event, or a group talk or a phone call: not a must-talk.
    services.contact_record(
        actor=org.grid_member, kind=ContactKind.TALK, date=dt.date(2026, 5, 9), people=[org.paired_person]
    )
    for kind in (ContactKind.GROUP_TALK, ContactKind.PHONE, ContactKind.HOME_VISIT):
        services.contact_record(
            actor=org.grid_member, kind=kind, date=dt.date(2026, 5, 11), people=[org.paired_person]
        )
    item.refresh_from_db()
    assert item.done_at is None
    # Named explicitly, a phone call on or after the event may discharge it.
    phone = services.contact_record(
        actor=org.secretary_a,
        kind=ContactKind.PHONE,
        date=dt.date(2026, 5, 12),
        people=[org.paired_person],
        fulfils=[item],
    )
    item.refresh_from_db()
    assert item.fulfilled_by == phone and DueItemEvent.objects.get(due_item=item).actor == org.secretary_a


def test_naming_another_persons_or_a_done_item_saves_nothing(org: Org) -> None:
    other = services.life_event_raise(
        person=org.employee_person, kind="job_change", date=dt.date(2026, 5, 1), source="staff"
    ).due_item
    with pytest.raises(ValidationError):
        services.contact_record(
            actor=org.grid_member,
            kind=ContactKind.TALK,
            date=dt.date(2026, 5, 2),
            people=[org.paired_person],
            fulfils=[other],
        )
    other.refresh_from_db()
    assert other.done_at is None
    assert not org.paired_person.contact_records.exists()


def test_opening_a_violation_case_raises_the_must_talk_and_runs_to_closure(org: Org) -> None:
    safety_dept = org.root  # the safety department reporting it; any unit will do for the test
    case = plans.violation_case_open(
        actor=org.secretary_a,
        person=org.employee_person,
        date=dt.date(2026, 5, 20),
        kind="operation",
        severity="general",
        reported_by_unit=safety_dept,
        helper=org.grid_member,
    )
    item = case.event.due_item
    assert case.event.kind_id == "safety_violation" and case.event.source == EventSource.VIOLATION
    assert item.action == Action.TALK and item.responsible == org.secretary_a
    with pytest.raises(ValidationError):
        plans.violation_case_close(actor=org.grid_member, case=case)  # steps still open
    for step in ("talk", "study", "family", "retest"):
        plans.violation_step_complete(actor=org.grid_member, case=case, step=step, note="已完成")
    closed = plans.violation_case_close(actor=org.grid_member, case=case)
    assert closed.closed_at is not None
    with pytest.raises(ValidationError):  # a peer outside the branch cannot open one
        plans.violation_case_open(
            actor=org.secretary_b,
            person=org.employee_person,
            date=dt.date(2026, 5, 20),
            kind="operation",
            severity="general",
            reported_by_unit=safety_dept,
            helper=org.grid_member,
        )
    assert LifeEvent.objects.count() == 1
