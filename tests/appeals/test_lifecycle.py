"""The closed loop through the services: submit, triage, assign, answer, rate, reopen, escalate."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from lianxin.appeals import services as s
from lianxin.appeals.codes import Channel, EventKind, Level, State, Track
from lianxin.appeals.models import Appeal, Notification
from lianxin.appeals.receipts import split, verify
from lianxin.appeals.scope import appeals_visible_to
from tests.factories import Org

TZ = ZoneInfo("Asia/Shanghai")


def test_named_appeal_routes_to_the_branch_and_anonymous_to_the_company(org: Org) -> None:
    named = s.appeal_submit(text="班车太挤", channel=Channel.WEB, submitter=org.employee_person).appeal
    assert (named.unit, named.track) == (org.branch_a, Track.BRANCH)
    anon = s.appeal_submit(text="食堂饭菜变差", channel=Channel.WEB, anonymous=True)
    assert (anon.appeal.unit, anon.appeal.track) == (org.root, Track.COMPANY)
    assert anon.appeal.submitter is None and anon.appeal.entered_by is None
    parts = split(anon.receipt or "")
    assert parts is not None and len((anon.receipt or "").replace("-", "")) >= 16
    assert anon.appeal.receipt_lookup == parts[0]
    assert parts[1] not in anon.appeal.receipt_hash and verify(anon.appeal.receipt_hash, parts[1])


def test_full_loop_with_dissatisfied_rating_reopening_one_level_up(org: Org) -> None:
    appeal = s.appeal_submit(
        text="夜班补贴三个月未发", channel=Channel.WEB, submitter=org.employee_person
    ).appeal
    s.appeal_triage(appeal=appeal, actor=org.secretary_a, category="pay", grade="yellow")
    s.appeal_assign(appeal=appeal, actor=org.secretary_a, handler=org.grid_member, measure="核对考勤并补发")
    s.appeal_reply(appeal=appeal, actor=org.grid_member, text="已补发")
    appeal = s.appeal_rate(appeal=appeal, rating="dissatisfied", comment="只补了一个月")
    assert appeal.state == State.IN_PROGRESS and appeal.level == Level.SECRETARY
    assert appeal.reopen_count == 1
    kinds = list(appeal.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "triaged", "assigned", "replied", "rated", "reopened"]


def test_invalid_transitions_are_refused(org: Org) -> None:
    appeal = s.appeal_submit(text="宿舍热水不足", channel=Channel.WEB, submitter=org.employee_person).appeal
    with pytest.raises(s.TransitionError):
        s.appeal_rate(appeal=appeal, rating="satisfied")
    with pytest.raises(s.TransitionError):
        s.appeal_reply(appeal=appeal, actor=org.secretary_a, text="答复")  # not yet accepted
    s.appeal_withdraw(appeal=appeal, actor=org.employee)
    with pytest.raises(s.TransitionError):
        s.appeal_triage(appeal=appeal, actor=org.secretary_a, category="conditions", grade="blue")


def test_red_grade_alerts_secretary_department_and_leadership(org: Org) -> None:
    appeal = s.appeal_submit(text="有人说不想活了", channel=Channel.WEB, submitter=org.employee_person).appeal
    s.appeal_triage(appeal=appeal, actor=org.secretary_a, category="wellbeing", grade="red")
    notified = set(Notification.objects.filter(appeal=appeal).values_list("user__username", flat=True))
    assert notified == {"secretary_a", "department", "leader"}
    assert appeal.events.filter(kind=EventKind.ALERTED).count() == 1


def test_bad_text_saves_nothing(org: Org) -> None:
    for text in ["", "   \n", "字" * 5001]:
        with pytest.raises(ValidationError):
            s.appeal_submit(text=text, channel=Channel.WEB, submitter=org.employee_person)
    assert not Appeal.objects.exists()


def test_idempotency_key_makes_one_appeal(org: Org) -> None:
    first = s.appeal_submit(
        text="建议增加班车", channel=Channel.WEB, submitter=org.employee_person, idempotency_key="k-1"
    )
    second = s.appeal_submit(
        text="建议增加班车", channel=Channel.WEB, submitter=org.employee_person, idempotency_key="k-1"
    )
    assert second.duplicate and second.appeal.pk == first.appeal.pk and Appeal.objects.count() == 1


def test_overdue_appeal_climbs_the_chain_with_a_frozen_clock(org: Org) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=TZ), tick=False):
        appeal = s.appeal_submit(
            text="设备漏油无人处理", channel=Channel.WEB, submitter=org.employee_person
        ).appeal
        s.appeal_triage(appeal=appeal, actor=org.secretary_a, category="safety", grade="orange")
        s.appeal_assign(appeal=appeal, actor=org.secretary_a, handler=org.grid_member, measure="安排检修")
    appeal.refresh_from_db()
    # Orange: 3 working days → Thursday 5 November 23:59:59.
    assert appeal.closure_due == dt.datetime(2026, 11, 5, 23, 59, 59, tzinfo=TZ)
    assert s.appeals_escalate_overdue(now=dt.datetime(2026, 11, 5, 23, 0, tzinfo=TZ)) == 0
    assert s.appeals_escalate_overdue(now=dt.datetime(2026, 11, 6, 8, 0, tzinfo=TZ)) == 1
    appeal.refresh_from_db()
    assert appeal.level == Level.SECRETARY
    assert s.appeals_escalate_overdue(now=dt.datetime(2026, 11, 6, 9, 0, tzinfo=TZ)) == 0
    assert s.appeals_escalate_overdue(now=dt.datetime(2026, 11, 10, 8, 0, tzinfo=TZ)) == 2
    appeal.refresh_from_db()
    assert appeal.level == Level.LEADERSHIP
    levels = list(appeal.events.filter(kind=EventKind.ESCALATED).values_list("data__level", flat=True))
    assert levels == [1, 2, 3]
    assert Notification.objects.filter(appeal=appeal, kind="escalated", user=org.leader).exists()


def test_the_supervising_level_always_sees_an_appeal_the_handler_holds(org: Org) -> None:
    appeal = s.appeal_submit(text="班长克扣加班", channel=Channel.WEB, submitter=org.employee_person).appeal
    s.appeal_triage(appeal=appeal, actor=org.secretary_a, category="conduct", grade="yellow")
    s.appeal_assign(appeal=appeal, actor=org.secretary_a, handler=org.grid_member, measure="调查")
    for user in (org.grid_member, org.secretary_a, org.department, org.leader):
        assert appeals_visible_to(user).filter(pk=appeal.pk).exists()
    assert not appeals_visible_to(org.secretary_b).filter(pk=appeal.pk).exists()
