"""Warning services: the life cycle open → take up → assign → note → close, each step an event, scope
checked, outcome required, nothing half-saved; and who sees which warning."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from lianxin.insight.codes import TargetKind, WarningEventKind, WarningLevel, WarningSource, WarningStatus
from lianxin.insight.models import Warning
from lianxin.insight.warnings import (
    responsible_candidates,
    warning_assign,
    warning_close,
    warning_note,
    warning_raise,
    warning_report,
    warning_take_up,
    warnings_visible_to,
)
from tests.factories import Org


def raise_on(org: Org, *, person: Any = None, level: str = WarningLevel.ORANGE, key: str = "k1") -> Warning:
    target = person or org.paired_person
    warning, _new = warning_raise(
        level=level,
        source=WarningSource.RULE,
        rule="test",
        target_kind=TargetKind.PERSON,
        unit=target.unit,
        person=target,
        title=f"{target.name}：测试预警",
        dedupe_key=key,
    )
    return warning


def kinds(warning: Warning) -> list[str]:
    return list(warning.events.order_by("at", "pk").values_list("kind", flat=True))


def test_the_full_life_cycle(org: Org) -> None:
    warning = raise_on(org)
    assert warning.status == WarningStatus.OPEN and warning.responsible is None
    warning = warning_take_up(warning=warning, actor=org.secretary_a)
    assert warning.status == WarningStatus.HANDLING and warning.responsible == org.secretary_a
    warning = warning_assign(
        warning=warning, actor=org.secretary_a, responsible=org.grid_member, note="今天联系"
    )
    assert warning.responsible == org.grid_member
    # The responsible grid member now sees it and records what was done.
    assert warning in warnings_visible_to(org.grid_member)
    warning = warning_note(warning=warning, actor=org.grid_member, text="已上门谈心，本人情绪平稳。")
    with pytest.raises(ValidationError):
        warning_close(warning=warning, actor=org.grid_member, outcome="自行关闭")  # only supervisors close
    warning = warning_close(warning=warning, actor=org.secretary_a, outcome="困难已协调解决，转入日常关注。")
    warning.refresh_from_db()
    assert warning.status == WarningStatus.CLOSED and warning.closed_by == org.secretary_a
    assert warning.outcome == "困难已协调解决，转入日常关注。" and warning.closed_at is not None
    assert kinds(warning) == [
        WarningEventKind.OPENED,
        WarningEventKind.NOTE,
        WarningEventKind.ASSIGNED,
        WarningEventKind.NOTE,
        WarningEventKind.CLOSED,
    ]
    with pytest.raises(ValidationError):
        warning_note(warning=warning, actor=org.secretary_a, text="关闭后再记")


def test_closing_needs_an_outcome_and_saves_nothing_without_one(org: Org) -> None:
    warning = raise_on(org)
    with pytest.raises(ValidationError) as refused:
        warning_close(warning=warning, actor=org.secretary_a, outcome="   ")
    assert "处置结果" in str(refused.value)
    warning.refresh_from_db()
    assert warning.status == WarningStatus.OPEN and kinds(warning) == [WarningEventKind.OPENED]


def test_scope_is_checked_by_every_service(org: Org) -> None:
    warning = raise_on(org)
    calls: list[Callable[[], Warning]] = [
        lambda: warning_take_up(warning=warning, actor=org.secretary_b),
        lambda: warning_note(warning=warning, actor=org.secretary_b, text="越权"),
        lambda: warning_assign(warning=warning, actor=org.secretary_b, responsible=org.secretary_b),
        lambda: warning_close(warning=warning, actor=org.secretary_b, outcome="越权"),
        lambda: warning_take_up(warning=warning, actor=org.employee),
        lambda: warning_assign(warning=warning, actor=org.grid_member, responsible=org.grid_member),
    ]
    for call in calls:
        with pytest.raises(ValidationError):
            call()
    warning.refresh_from_db()
    assert warning.status == WarningStatus.OPEN and kinds(warning) == [WarningEventKind.OPENED]


def test_the_responsible_must_be_staff_of_the_warnings_unit(org: Org) -> None:
    warning = raise_on(org, person=org.employee_person)  # in 运行一班, branch A
    candidates = set(responsible_candidates(warning).values_list("username", flat=True))
    assert candidates == {"grid", "secretary_a", "department", "leader"}
    for wrong in (org.employee, org.secretary_b, org.auditor, None):
        with pytest.raises(ValidationError):
            warning_assign(warning=warning, actor=org.secretary_a, responsible=wrong)
    assert (
        warning_assign(warning=warning, actor=org.department, responsible=org.leader).responsible
        == org.leader
    )


def test_taking_up_twice_is_refused(org: Org) -> None:
    warning = warning_take_up(warning=raise_on(org), actor=org.secretary_a)
    with pytest.raises(ValidationError):
        warning_take_up(warning=warning, actor=org.department)


def test_who_sees_which_warning(org: Org) -> None:
    in_a = raise_on(org, key="a")
    in_b = raise_on(org, person=org.stranger, key="b")
    assert set(warnings_visible_to(org.secretary_a)) == {in_a}
    assert set(warnings_visible_to(org.secretary_b)) == {in_b}
    assert set(warnings_visible_to(org.department)) == {in_a, in_b}
    assert set(warnings_visible_to(org.leader)) == {in_a, in_b}
    for user in (org.grid_member, org.employee, org.auditor, org.informant):
        assert not warnings_visible_to(user).exists()


def test_a_secretary_reports_a_warning_in_scope_only(org: Org) -> None:
    warning = warning_report(
        actor=org.secretary_a,
        level=WarningLevel.YELLOW,
        unit=org.branch_a,
        title="运行一班倒班调整后议论较多",
        note="交接班时多人抱怨，需要关注。",
    )
    assert warning.source == WarningSource.MANUAL and warning.target_kind == TargetKind.UNIT
    assert warning.evidence == {"note": "交接班时多人抱怨，需要关注。"}
    assert "及时跟进" in warning.disposal_plan
    person_warning = warning_report(
        actor=org.secretary_a, level="red", unit=org.branch_a, title="家中突发变故", person=org.paired_person
    )
    assert person_warning.person == org.paired_person and person_warning.unit == org.grid_a2
    with pytest.raises(ValidationError):
        warning_report(actor=org.secretary_a, level="red", unit=org.branch_b, title="越权")
    with pytest.raises(ValidationError):
        warning_report(actor=org.grid_member, level="red", unit=org.grid_a1, title="网格员不能直接报告")
    with pytest.raises(ValidationError):
        warning_report(actor=org.secretary_a, level="purple", unit=org.branch_a, title="未知等级")
    assert Warning.objects.count() == 2


def test_a_key_status_warning_goes_only_to_the_secretary_and_above(org: Org) -> None:
    """A care plan's missed cadence tells that the person is a key person: no grid member answers for it,
    not even the person's own paired contact, who may answer for any other warning about them."""

    def raised(rule: str) -> Warning:
        warning, _new = warning_raise(
            level=WarningLevel.ORANGE,
            source=WarningSource.RULE,
            rule=rule,
            target_kind=TargetKind.PERSON,
            unit=org.paired_person.unit,
            person=org.paired_person,
            title=f"王芳：{rule}",
            dedupe_key=f"test:{rule}",
        )
        return warning

    key = raised("key_cadence")
    with pytest.raises(ValidationError):
        warning_assign(warning=key, actor=org.secretary_a, responsible=org.grid_member)
    key.refresh_from_db()
    assert key.responsible is None
    assert warnings_visible_to(org.grid_member).filter(pk=key.pk).count() == 0

    repeat = raised("repeat_appeals")
    warning_assign(warning=repeat, actor=org.secretary_a, responsible=org.grid_member)
    repeat.refresh_from_db()
    assert repeat.responsible == org.grid_member
