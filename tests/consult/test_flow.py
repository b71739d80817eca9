"""The consultation flow, decisions back onto appeals included: plan, build the agenda from candidates,
attendees, decisions, hold; and every refusal leaves nothing behind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lianxin.appeals.codes import EventKind
from lianxin.appeals.models import AppealEvent, Notification
from lianxin.consult import services as cs
from lianxin.consult.models import AgendaItem, Decision, ItemSource, Meeting, MeetingStatus
from lianxin.consult.selectors import agenda_candidates
from lianxin.insight.codes import WarningEventKind, WarningStatus
from lianxin.insight.models import WarningEvent
from lianxin.insight.warnings import warning_raise
from lianxin.insight.words import day_words
from tests.consult.conftest import Scene, appeal, planned, raise_warning

pytestmark = pytest.mark.django_db


def keys(meeting: Meeting, user: object) -> list[tuple[str, int]]:
    return [(c.source, c.pk) for c in agenda_candidates(meeting, user)]


def test_the_whole_flow_puts_each_decision_on_its_appeal_and_warning(scene: Scene) -> None:
    org = scene.org
    meeting = planned(scene)
    assert meeting.status == MeetingStatus.PLANNED
    assert meeting.convener == org.secretary_a

    # The agenda builder: the open warning, the red and the overdue appeal of branch A, and nothing else.
    offered = keys(meeting, org.secretary_a)
    assert offered == [
        (ItemSource.WARNING, scene.warning.pk),
        (ItemSource.APPEAL, scene.red.pk),
        (ItemSource.APPEAL, scene.overdue.pk),
    ]

    w_item = cs.meeting_add_item(
        meeting=meeting, actor=org.secretary_a, source="warning", warning_id=scene.warning.pk
    )
    o_item = cs.meeting_add_item(
        meeting=meeting, actor=org.secretary_a, source="appeal", appeal_id=scene.overdue.pk
    )
    r_item = cs.meeting_add_item(
        meeting=meeting, actor=org.secretary_a, source="appeal", appeal_id=scene.red.pk
    )
    free = cs.meeting_add_item(
        meeting=meeting, actor=org.secretary_a, source="other", title="班组谈心谈话安排"
    )
    assert [i.order for i in (w_item, o_item, r_item, free)] == [1, 2, 3, 4]
    assert keys(meeting, org.secretary_a) == []  # each candidate only once

    cs.meeting_set_attendees(
        meeting=meeting, actor=org.secretary_a, attendees=[org.secretary_a, org.grid_member]
    )
    assert set(meeting.attendees.all()) == {org.secretary_a, org.grid_member}

    due = timezone.localdate() + dt.timedelta(days=7)
    cs.meeting_record_decision(
        item=o_item,
        actor=org.secretary_a,
        text="联系后勤三天内修好热水器",
        responsible=org.grid_member,
        due=due,
    )
    cs.meeting_record_decision(
        item=w_item, actor=org.secretary_a, text="协调增开早班车", responsible=org.secretary_a, due=due
    )
    cs.meeting_record_decision(
        item=r_item,
        actor=org.secretary_a,
        text="当天上门谈心并联系心理老师",
        responsible=org.grid_member,
        due=due,
    )
    # Nothing flows back before the meeting is held.
    assert not AppealEvent.objects.filter(kind=EventKind.CONSULTED).exists()
    assert not Notification.objects.filter(kind="consult_decision").exists()

    cs.meeting_hold(meeting=meeting, actor=org.secretary_a, minutes="会议研究了三项预警和诉求。")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and meeting.minutes == "会议研究了三项预警和诉求。"

    event = AppealEvent.objects.get(appeal=scene.overdue, kind=EventKind.CONSULTED)
    assert "联系后勤三天内修好热水器" in event.text
    assert "李娜" in event.text and day_words(due) in event.text  # who acts and by when, readable
    assert due.isoformat() not in event.text
    assert event.data == {"meeting_id": meeting.pk, "due": due.isoformat(), "responsible": org.grid_member.pk}
    assert event.public is False and event.actor == org.secretary_a
    assert AppealEvent.objects.filter(appeal=scene.red, kind=EventKind.CONSULTED).count() == 1

    scene.warning.refresh_from_db()
    assert scene.warning.status == WarningStatus.HANDLING
    w_event = WarningEvent.objects.get(warning=scene.warning, kind=WarningEventKind.CONSULTED)
    assert w_event.meeting_id == meeting.pk and "协调增开早班车" in w_event.text

    notices = Notification.objects.filter(kind="consult_decision")
    assert sorted(n.user_id for n in notices) == sorted(
        [org.grid_member.pk, org.grid_member.pk, org.secretary_a.pk]
    )
    heater = notices.get(appeal=scene.overdue)
    assert heater.user == org.grid_member and "联系后勤三天内修好热水器" in heater.message

    # A decision recorded on the held meeting flows back at once; holding again is refused.
    cs.meeting_record_decision(
        item=free, actor=org.secretary_a, text="下周前完成谈心谈话", responsible=org.grid_member, due=due
    )
    assert Notification.objects.filter(kind="consult_decision", user=org.grid_member).count() == 3
    assert not Decision.objects.filter(flowed_at__isnull=True).exists()
    with pytest.raises(ValidationError):
        cs.meeting_hold(meeting=meeting, actor=org.secretary_a, minutes="再来一次")
    assert AppealEvent.objects.filter(kind=EventKind.CONSULTED).count() == 2  # never twice

    cs.meeting_close(meeting=meeting, actor=org.secretary_a)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED
    with pytest.raises(ValidationError):
        cs.meeting_record_decision(
            item=free, actor=org.secretary_a, text="归档后不能再记", responsible=org.grid_member, due=due
        )


def test_candidates_leave_out_other_branches_closed_warnings_and_fresh_appeals(scene: Scene) -> None:
    org = scene.org
    offered = set(keys(planned(scene), org.secretary_a))
    for left_out in (
        (ItemSource.WARNING, scene.other_warning.pk),
        (ItemSource.WARNING, scene.closed_warning.pk),
        (ItemSource.APPEAL, scene.other_overdue.pk),
        (ItemSource.APPEAL, scene.other_red.pk),
        (ItemSource.APPEAL, scene.fresh.pk),
    ):
        assert left_out not in offered
    # The enterprise meeting sees both branches, the red warning first.
    leader_meeting = cs.meeting_plan(
        actor=org.leader, unit=org.root, kind="monthly", date=timezone.localdate()
    )
    offered_all = keys(leader_meeting, org.leader)
    assert offered_all[0] == (ItemSource.WARNING, scene.other_warning.pk)
    assert {(ItemSource.APPEAL, scene.other_red.pk), (ItemSource.APPEAL, scene.red.pk)} <= set(offered_all)


def test_an_out_of_scope_candidate_cannot_be_added(scene: Scene) -> None:
    meeting = planned(scene)
    with pytest.raises(ValidationError):
        cs.meeting_add_item(
            meeting=meeting, actor=scene.org.secretary_a, source="warning", warning_id=scene.other_warning.pk
        )
    with pytest.raises(ValidationError):
        cs.meeting_add_item(
            meeting=meeting, actor=scene.org.secretary_a, source="appeal", appeal_id=scene.other_red.pk
        )
    with pytest.raises(ValidationError):
        cs.meeting_add_item(
            meeting=meeting, actor=scene.org.secretary_a, source="appeal", appeal_id=scene.fresh.pk
        )
    assert not AgendaItem.objects.exists()


def test_an_anonymous_appeal_appears_by_number_and_category_only(scene: Scene) -> None:
    anonymous = appeal(scene.org, "我是夜班的老王，班长克扣我的补贴。", grade="red", anonymous=True)
    meeting = planned(scene)
    candidate = next(c for c in agenda_candidates(meeting, scene.org.secretary_a) if c.pk == anonymous.pk)
    assert anonymous.number in candidate.title and "工作条件与后勤" in candidate.title
    assert "老王" not in candidate.title and "补贴" not in candidate.title
    item = cs.meeting_add_item(
        meeting=meeting, actor=scene.org.secretary_a, source="appeal", appeal_id=anonymous.pk
    )
    assert "老王" not in item.title


def test_scope_secretary_convenes_for_their_branch_only(scene: Scene) -> None:
    org = scene.org
    today = timezone.localdate()
    for actor, unit in (
        (org.secretary_a, org.branch_b),
        (org.secretary_a, org.root),
        (org.grid_member, org.grid_a1),
    ):
        with pytest.raises(ValidationError):
            cs.meeting_plan(actor=actor, unit=unit, kind="weekly", date=today)
    cs.meeting_plan(actor=org.department, unit=org.root, kind="quarterly", date=today)
    meeting = planned(scene)
    with pytest.raises(ValidationError):
        cs.meeting_add_item(meeting=meeting, actor=org.secretary_b, source="other", title="越权")
    with pytest.raises(ValidationError):
        cs.meeting_hold(meeting=meeting, actor=org.secretary_b, minutes="越权")
    assert Meeting.objects.count() == 2 and not AgendaItem.objects.exists()


@pytest.mark.parametrize(
    ("text", "who", "days", "message"),
    [
        ("协调班车", None, 3, "请指定责任人"),
        ("协调班车", "grid_member", -1, "不能早于会议日期"),
        ("   ", "grid_member", 3, "请填写决定事项"),
        ("协调班车", "stranger_secretary", 3, "责任人须是本单位或上级的工作人员"),
    ],
)
def test_a_bad_decision_saves_nothing(
    scene: Scene, text: str, who: str | None, days: int, message: str
) -> None:
    org = scene.org
    meeting = planned(scene)
    item = cs.meeting_add_item(
        meeting=meeting, actor=org.secretary_a, source="appeal", appeal_id=scene.red.pk
    )
    responsible = {"grid_member": org.grid_member, "stranger_secretary": org.secretary_b, None: None}[who]
    with pytest.raises(ValidationError) as refused:
        cs.meeting_record_decision(
            item=item,
            actor=org.secretary_a,
            text=text,
            responsible=responsible,
            due=meeting.date + dt.timedelta(days=days),
        )
    assert message in " ".join(refused.value.messages)
    assert not Decision.objects.exists()


def test_holding_needs_minutes_and_saves_nothing_without_them(scene: Scene) -> None:
    org = scene.org
    meeting = planned(scene)
    item = cs.meeting_add_item(
        meeting=meeting, actor=org.secretary_a, source="appeal", appeal_id=scene.red.pk
    )
    cs.meeting_record_decision(
        item=item,
        actor=org.secretary_a,
        text="上门谈心",
        responsible=org.grid_member,
        due=timezone.localdate(),
    )
    with pytest.raises(ValidationError) as refused:
        cs.meeting_hold(meeting=meeting, actor=org.secretary_a, minutes="  ")
    assert "请填写会议纪要" in " ".join(refused.value.messages)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and meeting.held_at is None
    assert not AppealEvent.objects.filter(kind=EventKind.CONSULTED).exists()
    assert not Notification.objects.filter(kind="consult_decision").exists()


def test_a_failure_while_flowing_back_rolls_the_whole_hold_back(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = scene.org
    meeting = planned(scene)
    first = cs.meeting_add_item(
        meeting=meeting, actor=org.secretary_a, source="appeal", appeal_id=scene.red.pk
    )
    second = cs.meeting_add_item(
        meeting=meeting, actor=org.secretary_a, source="warning", warning_id=scene.warning.pk
    )
    for item in (first, second):
        cs.meeting_record_decision(
            item=item, actor=org.secretary_a, text="跟进", responsible=org.grid_member, due=meeting.date
        )

    def broken(**kwargs: object) -> None:
        raise ValidationError("预警暂时不能写入")

    monkeypatch.setattr(cs, "warning_consulted", broken)
    with pytest.raises(ValidationError):
        cs.meeting_hold(meeting=meeting, actor=org.secretary_a, minutes="纪要")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED
    assert not AppealEvent.objects.filter(kind=EventKind.CONSULTED).exists()
    assert not Decision.objects.filter(flowed_at__isnull=False).exists()


def test_a_meeting_cannot_be_held_before_its_date(scene: Scene) -> None:
    meeting = planned(scene, date=timezone.localdate() + dt.timedelta(days=3))
    with pytest.raises(ValidationError):
        cs.meeting_hold(meeting=meeting, actor=scene.org.secretary_a, minutes="提前记录")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and meeting.minutes == ""


def test_nothing_is_deleted_once_held(scene: Scene) -> None:
    org = scene.org
    meeting = planned(scene)
    item = cs.meeting_add_item(meeting=meeting, actor=org.secretary_a, source="other", title="临时议题")
    gone = cs.meeting_add_item(meeting=meeting, actor=org.secretary_a, source="other", title="撤下的议题")
    cs.meeting_remove_item(item=gone, actor=org.secretary_a)  # while planned, an item may be taken off
    cs.meeting_hold(meeting=meeting, actor=org.secretary_a, minutes="纪要")
    with pytest.raises(ValidationError):
        cs.meeting_remove_item(item=item, actor=org.secretary_a)
    with pytest.raises(ValidationError):
        AgendaItem.objects.filter(pk=item.pk).delete()
    with pytest.raises(ValidationError):
        item.delete()
    decision = cs.meeting_record_decision(
        item=item, actor=org.secretary_a, text="落实", responsible=org.grid_member, due=meeting.date
    )
    with pytest.raises(ValidationError):
        Decision.objects.filter(pk=decision.pk).delete()
    with pytest.raises(ValidationError):
        decision.delete()
    with pytest.raises(ValidationError):
        Meeting.objects.get(pk=meeting.pk).delete()
    assert list(meeting.items.values_list("title", flat=True)) == ["临时议题"]


def test_a_closed_warning_stays_closed_when_consulted_late(scene: Scene) -> None:
    org = scene.org
    meeting = planned(scene)
    item = cs.meeting_add_item(
        meeting=meeting, actor=org.secretary_a, source="warning", warning_id=scene.warning.pk
    )
    cs.meeting_record_decision(
        item=item, actor=org.secretary_a, text="继续观察", responsible=org.secretary_a, due=meeting.date
    )
    scene.warning.status = WarningStatus.CLOSED
    scene.warning.save(update_fields=["status"])
    cs.meeting_hold(meeting=meeting, actor=org.secretary_a, minutes="纪要")
    scene.warning.refresh_from_db()
    assert scene.warning.status == WarningStatus.CLOSED
    assert scene.warning.events.filter(kind=WarningEventKind.CONSULTED, meeting_id=meeting.pk).exists()


def test_decision_done_by_the_person_who_acts(scene: Scene) -> None:
    org = scene.org
    meeting = planned(scene)
    item = cs.meeting_add_item(meeting=meeting, actor=org.secretary_a, source="other", title="议题")
    decision = cs.meeting_record_decision(
        item=item, actor=org.secretary_a, text="落实", responsible=org.grid_member, due=meeting.date
    )
    with pytest.raises(ValidationError):
        cs.decision_done(decision=decision, actor=org.grid_member)  # not held yet
    cs.meeting_hold(meeting=meeting, actor=org.secretary_a, minutes="纪要")
    with pytest.raises(ValidationError):
        cs.decision_done(decision=decision, actor=org.secretary_b)
    cs.decision_done(decision=decision, actor=org.grid_member)
    decision.refresh_from_db()
    assert decision.done_at is not None


def test_a_second_warning_in_the_subtree_is_ordered_by_urgency(scene: Scene) -> None:
    red = raise_warning(scene.org.grid_a2, "运行二班有人流露轻生念头", "red")
    blue = raise_warning(scene.org.branch_a, "合理化建议增多", "blue")
    offered = [
        pk for source, pk in keys(planned(scene), scene.org.secretary_a) if source == ItemSource.WARNING
    ]
    assert offered == [red.pk, scene.warning.pk, blue.pk]


def test_a_warning_about_an_appeal_brings_the_decision_onto_that_appeal(scene: Scene) -> None:
    org = scene.org
    warning, _new = warning_raise(
        level="red",
        source="appeal",
        rule="appeal_grade",
        target_kind="unit",
        unit=org.grid_a1,
        title=f"红色预警：诉求 {scene.red.number}",
        dedupe_key=f"appeal:{scene.red.pk}",
        appeal=scene.red,
    )
    meeting = planned(scene)
    assert (ItemSource.WARNING, warning.pk) in keys(meeting, org.secretary_a)
    item = cs.meeting_add_item(
        meeting=meeting, actor=org.secretary_a, source="warning", warning_id=warning.pk
    )
    # Discussed with its warning, the appeal is no longer offered on its own.
    assert (ItemSource.APPEAL, scene.red.pk) not in keys(meeting, org.secretary_a)
    cs.meeting_record_decision(
        item=item, actor=org.secretary_a, text="当天上门谈心", responsible=org.grid_member, due=meeting.date
    )
    cs.meeting_hold(meeting=meeting, actor=org.secretary_a, minutes="纪要")
    event = AppealEvent.objects.get(appeal=scene.red, kind=EventKind.CONSULTED)
    assert "当天上门谈心" in event.text and event.data["meeting_id"] == meeting.pk
    assert warning.events.filter(kind=WarningEventKind.CONSULTED).count() == 1
    assert Notification.objects.get(kind="consult_decision").appeal == scene.red


def test_an_appeal_on_the_agenda_hides_its_warning(scene: Scene) -> None:
    org = scene.org
    warning, _new = warning_raise(
        level="orange",
        source="appeal",
        rule="appeal_grade",
        target_kind="unit",
        unit=org.grid_a1,
        title="橙色预警",
        dedupe_key=f"appeal:{scene.overdue.pk}",
        appeal=scene.overdue,
    )
    meeting = planned(scene)
    cs.meeting_add_item(meeting=meeting, actor=org.secretary_a, source="appeal", appeal_id=scene.overdue.pk)
    offered = keys(meeting, org.secretary_a)
    assert (ItemSource.WARNING, warning.pk) not in offered
    assert (ItemSource.WARNING, scene.warning.pk) in offered  # a warning about no appeal stays


def test_a_decision_notice_copies_no_warning_title_or_appeal_words(scene: Scene) -> None:
    """A grid member charged with a decision is told what to do, never the person's key status, a talk's
    red signal or the words of an appeal they may not read: those stay on the pages that check scope."""
    org = scene.org
    key_warning, _new = warning_raise(
        level="orange",
        source="rule",
        rule="key_cadence",
        target_kind="person",
        person=org.employee_person,
        unit=org.grid_a1,
        title="张伟：超过 14 天帮扶周期未谈访",
        dedupe_key="key_cadence:test",
    )
    meeting = planned(scene)
    w_item = cs.meeting_add_item(
        meeting=meeting, actor=org.secretary_a, source="warning", warning_id=key_warning.pk
    )
    a_item = cs.meeting_add_item(
        meeting=meeting, actor=org.secretary_a, source="appeal", appeal_id=scene.red.pk
    )
    for item in (w_item, a_item):
        cs.meeting_record_decision(
            item=item,
            actor=org.secretary_a,
            text="本周内上门谈心",
            responsible=org.grid_member,
            due=meeting.date,
        )
    cs.meeting_hold(meeting=meeting, actor=org.secretary_a, minutes="纪要")
    notices = list(Notification.objects.filter(kind="consult_decision", user=org.grid_member))
    assert len(notices) == 2
    for notice in notices:
        assert "本周内上门谈心" in notice.message
        assert "张伟" not in notice.message and "帮扶周期" not in notice.message
        assert "活着没意思" not in notice.message
    assert any(scene.red.number in n.message for n in notices)
