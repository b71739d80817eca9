"""The consultation pages: each one allowed, out of scope (404) and with the wrong method; the flow run
through the pages; decisions shown on the appeal's handling page; the list's query count."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lianxin.appeals.models import Notification
from lianxin.consult import services as cs
from lianxin.consult.models import AgendaItem, Decision, Meeting, MeetingStatus
from lianxin.insight.codes import WarningStatus
from lianxin.insight.words import day_words
from tests.consult.conftest import Scene, appeal, planned

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(user: Any, name: str, *args: Any) -> Any:
    return client_for(user).get(reverse(name, args=args))


def post(user: Any, name: str, *args: Any, **data: Any) -> Any:
    return client_for(user).post(reverse(name, args=args), data)


def with_item(scene: Scene) -> tuple[Meeting, AgendaItem]:
    meeting = planned(scene)
    item = cs.meeting_add_item(
        meeting=meeting, actor=scene.org.secretary_a, source="appeal", appeal_id=scene.overdue.pk
    )
    return meeting, item


# --- The list and planning ------------------------------------------------------------------------


def test_list_shows_meetings_in_scope_only(scene: Scene) -> None:
    org = scene.org
    mine = planned(scene, title="运维部第47周会诊")
    cs.meeting_plan(
        actor=org.secretary_b, unit=org.branch_b, kind="weekly", date=timezone.localdate(), title="检修部会诊"
    )
    body = page(org.secretary_a, "meeting_list").content.decode()
    assert mine.title in body and "检修部会诊" not in body
    assert reverse("meeting_new") in body
    both = page(org.leader, "meeting_list").content.decode()
    assert mine.title in both and "检修部会诊" in both


def test_list_is_for_secretaries_and_above_get_only(scene: Scene) -> None:
    url = reverse("meeting_list")
    for user in (scene.org.employee, scene.org.grid_member, scene.org.auditor):
        assert client_for(user).get(url).status_code == 404
    assert client_for(scene.org.secretary_a).post(url).status_code == 405
    assert Client().get(url).status_code == 302


def test_list_query_count_is_constant(scene: Scene, django_assert_max_num_queries: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    org = scene.org
    client = client_for(org.secretary_a)
    url = reverse("meeting_list")
    with_item(scene)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    for n in range(6):
        meeting = planned(scene, title=f"会诊{n}")
        item = cs.meeting_add_item(meeting=meeting, actor=org.secretary_a, source="other", title="议题")
        cs.meeting_record_decision(
            item=item, actor=org.secretary_a, text="落实", responsible=org.grid_member, due=meeting.date
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(url)
    assert len(response.context["meetings"]) == 7


def test_plan_a_meeting_through_the_page(scene: Scene) -> None:
    org = scene.org
    assert page(org.secretary_a, "meeting_new").status_code == 200
    today = timezone.localdate().isoformat()
    response = post(org.secretary_a, "meeting_new", unit=org.branch_a.pk, kind="weekly", date=today, title="")
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "meeting_detail", args=[meeting.pk]
    )
    assert meeting.unit == org.branch_a and meeting.convener == org.secretary_a and "运维部" in meeting.title


def test_plan_refuses_other_units_and_people_without_the_role(scene: Scene) -> None:
    org = scene.org
    today = timezone.localdate().isoformat()
    refused = post(org.secretary_a, "meeting_new", unit=org.branch_b.pk, kind="weekly", date=today)
    assert refused.status_code == 400
    missing = post(org.secretary_a, "meeting_new", unit=org.branch_a.pk, kind="weekly", date="")
    assert missing.status_code == 400
    assert page(org.grid_member, "meeting_new").status_code == 404
    assert client_for(org.secretary_a).put(reverse("meeting_new")).status_code == 405
    assert not Meeting.objects.exists()


# --- The meeting page ----------------------------------------------------------------------------


def test_detail_offers_candidates_in_scope_and_hides_anonymous_words(scene: Scene) -> None:
    anonymous = appeal(scene.org, "我是夜班的老王，班长克扣补贴。", grade="red", anonymous=True)
    meeting = planned(scene)
    response = page(scene.org.secretary_a, "meeting_detail", meeting.pk)
    assert response.status_code == 200
    body = response.content.decode()
    assert scene.warning.title in body and scene.overdue.number in body and scene.red.number in body
    assert anonymous.number in body and "老王" not in body
    assert scene.other_warning.title not in body and scene.other_red.number not in body


def test_detail_out_of_scope_and_wrong_method(scene: Scene) -> None:
    meeting = planned(scene)
    for user in (scene.org.secretary_b, scene.org.grid_member, scene.org.employee):
        assert page(user, "meeting_detail", meeting.pk).status_code == 404
    assert page(scene.org.leader, "meeting_detail", meeting.pk).status_code == 200
    assert post(scene.org.secretary_a, "meeting_detail", meeting.pk).status_code == 405
    assert page(scene.org.secretary_a, "meeting_detail", 99999).status_code == 404


def test_the_flow_through_the_pages_shows_on_the_appeal_and_the_warning(scene: Scene) -> None:
    org = scene.org
    secretary = org.secretary_a
    meeting = planned(scene)
    for source, ref in (
        ("warning", scene.warning.pk),
        ("appeal", scene.overdue.pk),
        ("appeal", scene.red.pk),
    ):
        assert post(secretary, "meeting_add_item", meeting.pk, source=source, ref=ref).status_code == 302
    assert (
        post(secretary, "meeting_add_item", meeting.pk, source="other", title="谈心谈话安排").status_code
        == 302
    )
    items = list(meeting.items.all())
    assert [i.source for i in items] == ["warning", "appeal", "appeal", "other"]
    response = post(secretary, "meeting_attendees", meeting.pk, attendees=[secretary.pk, org.grid_member.pk])
    assert response.status_code == 302
    assert set(meeting.attendees.all()) == {secretary, org.grid_member}

    due = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    for item, text in zip(items[:3], ("增开早班车", "三天内修好热水器", "当天上门谈心"), strict=True):
        data = {
            f"d{item.pk}-text": text,
            f"d{item.pk}-responsible": org.grid_member.pk,
            f"d{item.pk}-due": due,
        }
        assert post(secretary, "meeting_decision", meeting.pk, item.pk, **data).status_code == 302
    assert Decision.objects.count() == 3

    assert (
        post(
            secretary, "meeting_hold", meeting.pk, minutes="研究了班车、热水器和一名职工的情况。"
        ).status_code
        == 302
    )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD

    handling = page(secretary, "appeal_detail", scene.overdue.pk).content.decode()
    # The deadline reads as words on the appeal, never as an ISO date.
    readable = day_words(timezone.localdate() + dt.timedelta(days=5))
    assert "会诊决定" in handling and "三天内修好热水器" in handling and readable in handling
    assert due not in handling
    scene.warning.refresh_from_db()
    assert scene.warning.status == WarningStatus.HANDLING
    assert scene.warning.events.filter(
        kind="consulted", meeting_id=meeting.pk, text__contains="增开早班车"
    ).exists()
    assert Notification.objects.filter(user=org.grid_member, kind="consult_decision").count() == 3

    held_page = page(secretary, "meeting_detail", meeting.pk).content.decode()
    assert "研究了班车" in held_page and "三天内修好热水器" in held_page
    assert (
        f'action="{reverse("meeting_add_item", args=[meeting.pk])}"' not in held_page
    )  # no agenda building once held

    assert post(secretary, "meeting_close", meeting.pk).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED


def test_every_action_is_post_only_and_404_out_of_scope(scene: Scene) -> None:
    org = scene.org
    meeting, item = with_item(scene)
    decision = cs.meeting_record_decision(
        item=item, actor=org.secretary_a, text="落实", responsible=org.grid_member, due=meeting.date
    )
    actions: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
        ("meeting_add_item", (meeting.pk,), {"source": "other", "title": "越权议题"}),
        ("meeting_remove_item", (meeting.pk, item.pk), {}),
        ("meeting_attendees", (meeting.pk,), {"attendees": [org.secretary_b.pk]}),
        (
            "meeting_decision",
            (meeting.pk, item.pk),
            {f"d{item.pk}-text": "越权", f"d{item.pk}-due": "2030-01-01"},
        ),
        ("meeting_hold", (meeting.pk,), {"minutes": "越权"}),
        ("meeting_close", (meeting.pk,), {}),
        ("decision_done", (meeting.pk, decision.pk), {}),
    ]
    for name, args, data in actions:
        assert page(org.secretary_a, name, *args).status_code == 405, name
        for outsider in (org.secretary_b, org.grid_member, org.employee):
            assert post(outsider, name, *args, **data).status_code == 404, name
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and meeting.items.count() == 1
    assert Decision.objects.count() == 1 and not meeting.attendees.exists()


def test_an_item_of_another_meeting_is_404(scene: Scene) -> None:
    meeting, item = with_item(scene)
    other = planned(scene, title="另一次会诊")
    data = {
        f"d{item.pk}-text": "x",
        f"d{item.pk}-responsible": scene.org.grid_member.pk,
        f"d{item.pk}-due": "2030-01-01",
    }
    assert post(scene.org.secretary_a, "meeting_decision", other.pk, item.pk, **data).status_code == 404
    assert post(scene.org.secretary_a, "meeting_remove_item", other.pk, item.pk).status_code == 404
    assert not Decision.objects.exists() and AgendaItem.objects.filter(pk=item.pk).exists()


def test_bad_input_through_the_pages_saves_nothing(scene: Scene) -> None:
    org = scene.org
    meeting, item = with_item(scene)
    p = f"d{item.pk}"
    no_who = post(
        org.secretary_a,
        "meeting_decision",
        meeting.pk,
        item.pk,
        **{f"{p}-text": "修热水器", f"{p}-due": meeting.date.isoformat()},
    )
    assert no_who.status_code == 400 and "请指定责任人" in no_who.content.decode()
    past = (meeting.date - dt.timedelta(days=1)).isoformat()
    too_early = post(
        org.secretary_a,
        "meeting_decision",
        meeting.pk,
        item.pk,
        **{f"{p}-text": "修热水器", f"{p}-responsible": org.grid_member.pk, f"{p}-due": past},
    )
    assert too_early.status_code == 400 and "不能早于会议日期" in too_early.content.decode()
    assert "修热水器" in too_early.content.decode()  # what was typed is kept
    assert not Decision.objects.exists()

    no_minutes = post(org.secretary_a, "meeting_hold", meeting.pk, minutes="")
    assert no_minutes.status_code == 400 and "请填写会议纪要" in no_minutes.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED

    outside = post(org.secretary_a, "meeting_add_item", meeting.pk, source="appeal", ref=scene.other_red.pk)
    assert outside.status_code == 400 and meeting.items.count() == 1
    stranger = post(org.secretary_a, "meeting_attendees", meeting.pk, attendees=[org.secretary_b.pk])
    assert stranger.status_code == 400 and not meeting.attendees.exists()
    assert post(org.secretary_a, "meeting_close", meeting.pk).status_code == 400  # not held yet


def test_remove_item_and_mark_a_decision_done(scene: Scene) -> None:
    org = scene.org
    meeting, item = with_item(scene)
    extra = cs.meeting_add_item(meeting=meeting, actor=org.secretary_a, source="other", title="临时议题")
    assert post(org.secretary_a, "meeting_remove_item", meeting.pk, extra.pk).status_code == 302
    assert list(meeting.items.values_list("pk", flat=True)) == [item.pk]
    decision = cs.meeting_record_decision(
        item=item, actor=org.secretary_a, text="修好热水器", responsible=org.grid_member, due=meeting.date
    )
    cs.meeting_hold(meeting=meeting, actor=org.secretary_a, minutes="纪要")
    assert post(org.secretary_a, "meeting_remove_item", meeting.pk, item.pk).status_code == 400
    assert post(org.secretary_a, "decision_done", meeting.pk, decision.pk).status_code == 302
    decision.refresh_from_db()
    assert decision.done_at is not None
    assert "已完成" in page(org.secretary_a, "meeting_detail", meeting.pk).content.decode()


def test_the_warning_page_shows_the_decision_with_a_link_to_the_meeting(scene: Scene) -> None:
    org = scene.org
    meeting = planned(scene)
    item = cs.meeting_add_item(
        meeting=meeting, actor=org.secretary_a, source="warning", warning_id=scene.warning.pk
    )
    cs.meeting_record_decision(
        item=item, actor=org.secretary_a, text="协调增开早班车", responsible=org.grid_member, due=meeting.date
    )
    cs.meeting_hold(meeting=meeting, actor=org.secretary_a, minutes="纪要")
    body = page(org.secretary_a, "warning_detail", scene.warning.pk).content.decode()
    assert "协调增开早班车" in body and reverse("meeting_detail", args=[meeting.pk]) in body
    # And the meeting's agenda links back to the warning.
    meeting_page = page(org.secretary_a, "meeting_detail", meeting.pk).content.decode()
    assert reverse("warning_detail", args=[scene.warning.pk]) in meeting_page


def test_detail_query_count_does_not_grow_with_the_agenda(
    scene: Scene, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    org = scene.org
    meeting, item = with_item(scene)
    cs.meeting_record_decision(
        item=item, actor=org.secretary_a, text="落实", responsible=org.grid_member, due=meeting.date
    )
    client = client_for(org.secretary_a)
    url = reverse("meeting_detail", args=[meeting.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    for n in range(5):
        more = cs.meeting_add_item(meeting=meeting, actor=org.secretary_a, source="other", title=f"议题{n}")
        cs.meeting_record_decision(
            item=more, actor=org.secretary_a, text="落实", responsible=org.grid_member, due=meeting.date
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(url)
    assert len(response.context["rows"]) == 6


def test_a_grid_member_charged_with_a_decision_sees_it_and_marks_it_done(scene: Scene) -> None:
    """The grid member cannot open the meeting, but finds the decision under 会诊任务 and marks it done;
    someone else's decision stays out of reach."""
    org = scene.org
    meeting, item = with_item(scene)
    mine = cs.meeting_record_decision(
        item=item, actor=org.secretary_a, text="周五前上门走访", responsible=org.grid_member, due=meeting.date
    )
    theirs = cs.meeting_record_decision(
        item=item, actor=org.secretary_a, text="协调车队加车", responsible=org.secretary_a, due=meeting.date
    )
    cs.meeting_hold(meeting=meeting, actor=org.secretary_a, minutes="纪要")
    assert page(org.grid_member, "meeting_detail", meeting.pk).status_code == 404
    listing = page(org.grid_member, "my_decisions").content.decode()
    assert "周五前上门走访" in listing and "协调车队加车" not in listing
    assert post(org.grid_member, "decision_done", meeting.pk, theirs.pk).status_code == 404
    done = post(org.grid_member, "decision_done", meeting.pk, mine.pk)
    assert done.status_code == 302 and done["Location"] == reverse("my_decisions")
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.done_at is not None and theirs.done_at is None
    assert "已完成" in page(org.grid_member, "my_decisions").content.decode()
    assert client_for(org.grid_member).post(reverse("my_decisions")).status_code == 405
