"""The handling pages: the worklist tabs, the handling page, every action, and the notifications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lianxin.appeals import services as s
from lianxin.appeals import triage
from lianxin.appeals.codes import Channel, EventKind, Level, State
from lianxin.appeals.models import Appeal, Notification
from tests.factories import Org, make_person

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def submit(org: Org, text: str = "班车太挤，早上经常没有座位", **extra: Any) -> Appeal:
    fields: dict[str, Any] = {"channel": Channel.WEB, "submitter": org.employee_person, **extra}
    return s.appeal_submit(text=text, **fields).appeal


def accepted(org: Org, grade: str = "yellow", **extra: Any) -> Appeal:
    appeal = submit(org, **extra)
    return s.appeal_triage(appeal=appeal, actor=org.secretary_a, category="conditions", grade=grade)


def assigned(org: Org, grade: str = "yellow", **extra: Any) -> Appeal:
    appeal = accepted(org, grade, **extra)
    return s.appeal_assign(
        appeal=appeal, actor=org.secretary_a, handler=org.grid_member, measure="协调增开班车"
    )


def worklist(user: Any, tab: str, **params: str) -> Any:
    response = client_for(user).get(reverse("appeal_worklist"), {"tab": tab, **params})
    assert response.status_code == 200
    return response


def numbers(response: Any) -> set[str]:
    return {a.number for a in response.context["appeals"]}


def detail(user: Any, appeal: Appeal) -> Any:
    return client_for(user).get(reverse("appeal_detail", args=[appeal.pk]))


def act(user: Any, appeal: Appeal, action: str, **data: Any) -> Any:
    url = reverse(f"appeal_{action}", args=[appeal.pk])
    return client_for(user).post(url, {f"{action}-{k}": v for k, v in data.items()})


def action_keys(response: Any) -> set[str]:
    return {item["action"].key for item in response.context["actions"]}


# --- The worklist ---------------------------------------------------------------------------------


def test_received_tab_shows_new_appeals_to_their_supervisors_only(org: Org) -> None:
    appeal = submit(org)
    for user in (org.secretary_a, org.department, org.leader):
        assert numbers(worklist(user, "received")) == {appeal.number}
    assert numbers(worklist(org.secretary_b, "received")) == set()


def test_worklist_is_staff_only_get_only_and_needs_login(org: Org) -> None:
    submit(org)
    url = reverse("appeal_worklist")
    assert client_for(org.employee).get(url).status_code == 404
    assert client_for(org.secretary_a).post(url).status_code == 405
    assert Client().get(url).status_code == 302


def test_mine_tab_lists_handler_and_co_handler_appeals(org: Org) -> None:
    appeal = accepted(org)
    s.appeal_assign(
        appeal=appeal,
        actor=org.secretary_a,
        handler=org.grid_member,
        measure="协调",
        co_handlers=[org.department],
    )
    assert numbers(worklist(org.grid_member, "mine")) == {appeal.number}
    assert numbers(worklist(org.department, "mine")) == {appeal.number}
    assert numbers(worklist(org.secretary_a, "mine")) == set()


def test_supervise_tab_shows_open_appeals_with_their_level(org: Org) -> None:
    appeal = assigned(org)
    other_branch = submit(org, submitter=org.stranger)
    response = worklist(org.secretary_a, "supervise")
    assert numbers(response) == {appeal.number}
    assert "督办层级" in response.content.decode()
    assert numbers(worklist(org.leader, "supervise")) == {appeal.number, other_branch.number}


def test_overdue_tab(org: Org) -> None:
    appeal = assigned(org, grade="red")
    assert numbers(worklist(org.secretary_a, "overdue")) == set()
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        response = worklist(org.secretary_a, "overdue")
        assert numbers(response) == {appeal.number}
        assert "逾期" in response.content.decode()
        assert numbers(worklist(org.grid_member, "overdue")) == {appeal.number}
        assert numbers(worklist(org.secretary_b, "overdue")) == set()


def test_followup_tab_shows_idle_appeals_to_handler_and_supervisor(org: Org) -> None:
    appeal = assigned(org)
    assert numbers(worklist(org.grid_member, "followup")) == set()
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        assert numbers(worklist(org.grid_member, "followup")) == {appeal.number}
        assert numbers(worklist(org.secretary_a, "followup")) == {appeal.number}
        assert numbers(worklist(org.secretary_b, "followup")) == set()
        s.appeal_progress(appeal=appeal, actor=org.grid_member, text="已与车队沟通")
        assert numbers(worklist(org.grid_member, "followup")) == set()


def test_return_visit_tab_after_five_unrated_days(org: Org) -> None:
    appeal = assigned(org)
    s.appeal_reply(appeal=appeal, actor=org.grid_member, text="已增开一班")
    assert numbers(worklist(org.secretary_a, "return_visit")) == set()
    with time_machine.travel(timezone.now() + dt.timedelta(days=6)):
        assert numbers(worklist(org.secretary_a, "return_visit")) == {appeal.number}


def test_filters_by_state_grade_and_category(org: Org) -> None:
    red = accepted(org, grade="red")
    blue = accepted(org, grade="blue")
    new = submit(org)
    assert numbers(worklist(org.secretary_a, "supervise", grade="red")) == {red.number}
    assert numbers(worklist(org.secretary_a, "supervise", state="received")) == {new.number}
    assert numbers(worklist(org.secretary_a, "supervise", category="conditions")) == {red.number, blue.number}
    assert numbers(worklist(org.secretary_a, "supervise", category="pay")) == set()
    # Unknown values are ignored, not an error.
    assert len(numbers(worklist(org.secretary_a, "supervise", grade="purple"))) == 3


def test_red_appeals_are_highlighted_in_table_and_cards(org: Org) -> None:
    accepted(org, grade="red")
    html = worklist(org.secretary_a, "supervise").content.decode()
    assert "table-danger" in html and "list-group-item-danger" in html
    assert "d-sm-none" in html  # cards for phones under 576 px


def test_worklist_paginates(org: Org) -> None:
    for i in range(25):
        submit(org, text=f"诉求{i}")
    first = worklist(org.secretary_a, "received")
    assert len(first.context["appeals"]) == 20 and first.context["has_next"]
    second = worklist(org.secretary_a, "received", page="2")
    assert len(second.context["appeals"]) == 5 and not second.context["has_next"]


def _queries(user: Any, tab: str) -> int:
    client = client_for(user)
    url = reverse("appeal_worklist") + f"?tab={tab}"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _grow(org: Org, count: int) -> None:
    for i in range(count):
        appeal = submit(org, text=f"批量诉求{i}", submitter=make_person(org.grid_a2))
        s.appeal_triage(
            appeal=appeal, actor=org.secretary_a, category="pay", grade="red" if i % 2 else "blue"
        )
        s.appeal_assign(
            appeal=appeal,
            actor=org.secretary_a,
            handler=org.grid_member,
            measure="核实",
            co_handlers=[org.leader],
        )


@pytest.mark.parametrize("tab", ["received", "mine", "supervise", "overdue", "followup", "return_visit"])
def test_worklist_query_count_does_not_grow(org: Org, tab: str) -> None:
    _grow(org, 3)
    small_secretary, small_handler = _queries(org.secretary_a, tab), _queries(org.grid_member, tab)
    _grow(org, 12)
    assert _queries(org.secretary_a, tab) == small_secretary
    assert _queries(org.grid_member, tab) == small_handler


# --- The handling page ----------------------------------------------------------------------------


def test_detail_allowed_out_of_scope_and_method(org: Org) -> None:
    appeal = assigned(org)
    for user in (org.secretary_a, org.department, org.leader, org.grid_member):
        assert detail(user, appeal).status_code == 200
    assert detail(org.secretary_b, appeal).status_code == 404
    # The submitter follows it on their own page, with the rating and withdrawal that belong to them.
    own = detail(org.employee, appeal)
    assert own.status_code == 302 and own["Location"] == reverse("my_appeal_detail", args=[appeal.pk])
    assert detail(org.auditor, appeal).status_code == 404
    assert client_for(org.secretary_a).post(reverse("appeal_detail", args=[appeal.pk])).status_code == 405
    assert client_for(org.secretary_a).get(reverse("appeal_detail", args=[999999])).status_code == 404


def test_detail_shows_the_escaped_original_and_the_current_handling(org: Org) -> None:
    appeal = assigned(org, text="<script>alert(1)</script> 食堂涨价")
    html = detail(org.secretary_a, appeal).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "诉求原文" in html and "原文不可更改" in html
    assert appeal.number in html and "网页/手机表单" in html and "张伟" in html
    assert "协调增开班车" in html and "李娜" in html  # measure and handler


def test_anonymous_appeal_shows_no_identity(org: Org) -> None:
    appeal = s.appeal_submit(
        text="领导作风粗暴", channel=Channel.BOX, anonymous=True, entered_by=org.grid_member
    )
    html = detail(org.department, appeal.appeal).content.decode()
    assert "匿名" in html
    assert "李娜" not in html and "grid" not in html.split("lx-original-text")[0].split("诉求原文")[1]


def test_detail_shows_suggestion_for_the_handler_to_confirm(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    def suggester(text: str) -> triage.Suggestion:
        return triage.Suggestion(category="pay", grade="orange")

    # Whatever suggester the installed apps registered, this one answers here.
    monkeypatch.setattr(triage, "_suggesters", [suggester])
    appeal = submit(org, text="加班费没有发")
    response = detail(org.secretary_a, appeal)
    html = response.content.decode()
    assert "系统建议" in html and "薪酬福利" in html and "橙 II" in html
    form = next(i["form"] for i in response.context["actions"] if i["action"].key == "triage")
    assert form.initial["category"] == "pay" and form.initial["grade"] == "orange"
    assert Appeal.objects.get(pk=appeal.pk).category is None  # only a suggestion until someone confirms


def test_history_marks_internal_events(org: Org) -> None:
    appeal = assigned(org)
    s.appeal_note(appeal=appeal, actor=org.grid_member, text="内部：车队人手不足")
    s.appeal_progress(appeal=appeal, actor=org.grid_member, text="已联系车队")
    html = detail(org.secretary_a, appeal).content.decode()
    assert html.count("lx-event-internal") == 3  # triage, assignment and note; not submission or progress
    assert html.count("lx-event-public") == 2
    assert "内部：车队人手不足" in html and "已联系车队" in html


def test_actions_offered_follow_role_and_state(org: Org) -> None:
    appeal = submit(org)
    assert action_keys(detail(org.secretary_a, appeal)) == {"triage", "note", "merge"}
    appeal = assigned(org)
    assert action_keys(detail(org.secretary_a, appeal)) >= {
        "transfer",
        "progress",
        "reply",
        "merge",
        "assign",
    }
    assert action_keys(detail(org.grid_member, appeal)) == {"progress", "reply", "note"}


# --- Each action ----------------------------------------------------------------------------------


def test_triage_sets_category_grade_and_accepts(org: Org) -> None:
    appeal = submit(org)
    response = act(org.secretary_a, appeal, "triage", category="pay", grade="orange", track="branch")
    assert response.status_code == 302 and response["Location"] == reverse("appeal_detail", args=[appeal.pk])
    appeal.refresh_from_db()
    assert (appeal.state, appeal.category_id, appeal.grade) == (State.ACCEPTED, "pay", "orange")
    assert appeal.closure_due is not None


def test_triage_errors_save_nothing(org: Org) -> None:
    appeal = submit(org)
    response = act(org.secretary_a, appeal, "triage", category="nonsense", grade="orange", track="branch")
    assert response.status_code == 400
    assert Appeal.objects.get(pk=appeal.pk).state == State.RECEIVED
    assert list(appeal.events.values_list("kind", flat=True)) == [EventKind.SUBMITTED]


def test_triage_scope_and_method(org: Org) -> None:
    appeal = submit(org)
    data = {"category": "pay", "grade": "blue", "track": "branch"}
    assert act(org.secretary_b, appeal, "triage", **data).status_code == 404
    assert act(org.employee, appeal, "triage", **data).status_code == 404
    url = reverse("appeal_triage", args=[appeal.pk])
    assert client_for(org.secretary_a).get(url).status_code == 405
    assert Appeal.objects.get(pk=appeal.pk).state == State.RECEIVED


def test_assign_names_handler_measure_default_deadline_and_co_handlers(org: Org) -> None:
    appeal = accepted(org)
    due = appeal.closure_due
    response = act(
        org.secretary_a,
        appeal,
        "assign",
        handler=org.grid_member.pk,
        measure="增开班车",
        co_handlers=[org.leader.pk],
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.handler == org.grid_member and appeal.measure == "增开班车" and appeal.closure_due == due
    assert list(appeal.co_handlers.all()) == [org.leader]
    assert appeal.state == State.IN_PROGRESS


def test_assign_refuses_past_deadline_and_outsiders(org: Org) -> None:
    appeal = accepted(org)
    past = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = act(
        org.secretary_a, appeal, "assign", handler=org.grid_member.pk, measure="增开", deadline=past
    )
    assert response.status_code == 400
    assert "办结时限不能早于当前时间" in response.content.decode()
    # secretary_b holds no role in branch A's chain: not a choice.
    response = act(org.secretary_a, appeal, "assign", handler=org.secretary_b.pk, measure="增开")
    assert response.status_code == 400
    appeal.refresh_from_db()
    assert appeal.handler is None and appeal.state == State.ACCEPTED
    assert act(org.grid_member, appeal, "assign", handler=org.grid_member.pk, measure="x").status_code == 404
    assert act(org.secretary_b, appeal, "assign", handler=org.grid_member.pk, measure="x").status_code == 404


def test_assign_with_explicit_deadline(org: Org) -> None:
    appeal = accepted(org)
    later = timezone.localtime() + dt.timedelta(days=20)
    response = act(
        org.secretary_a,
        appeal,
        "assign",
        handler=org.grid_member.pk,
        measure="增开",
        deadline=later.strftime("%Y-%m-%dT%H:%M"),
    )
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.closure_due is not None
    assert abs((appeal.closure_due - later).total_seconds()) < 60


def test_transfer_needs_a_reason(org: Org) -> None:
    appeal = assigned(org)
    assert act(org.secretary_a, appeal, "transfer", handler=org.department.pk, reason="  ").status_code == 400
    assert Appeal.objects.get(pk=appeal.pk).handler == org.grid_member
    assert (
        act(org.secretary_a, appeal, "transfer", handler=org.department.pk, reason="涉及全公司").status_code
        == 302
    )
    assert Appeal.objects.get(pk=appeal.pk).handler == org.department
    assert appeal.events.filter(kind=EventKind.TRANSFERRED, text="涉及全公司").exists()
    assert act(org.grid_member, appeal, "transfer", handler=org.grid_member.pk, reason="x").status_code == 404


def test_handler_progress_public_and_internal(org: Org) -> None:
    appeal = assigned(org)
    assert act(org.grid_member, appeal, "progress", text="已联系车队", public="on").status_code == 302
    assert act(org.grid_member, appeal, "progress", text="车队说下月调整").status_code == 302
    events = list(appeal.events.filter(kind=EventKind.FOLLOWED_UP).values_list("text", "public"))
    assert events == [("已联系车队", True), ("车队说下月调整", False)]
    assert act(org.secretary_b, appeal, "progress", text="x").status_code == 404
    assert act(org.employee, appeal, "progress", text="x").status_code == 404


def test_note_by_handler_stays_internal(org: Org) -> None:
    appeal = assigned(org)
    assert act(org.grid_member, appeal, "note", text="备注").status_code == 302
    assert appeal.events.get(kind=EventKind.NOTE).public is False
    assert act(org.grid_member, appeal, "note", text="").status_code == 400


def test_reply_answers_the_appeal(org: Org) -> None:
    appeal = assigned(org)
    assert act(org.grid_member, appeal, "reply", text="下月起增开一班").status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == State.ANSWERED and appeal.answered_at is not None
    assert appeal.events.get(kind=EventKind.REPLIED).public is True


def test_state_machine_error_is_a_message_and_saves_nothing(org: Org) -> None:
    appeal = submit(org)  # received: not yet accepted, cannot be answered
    response = act(org.secretary_a, appeal, "reply", text="答复")
    assert response.status_code == 400
    assert "当前状态“已接收”下不能执行此操作。" in [str(m) for m in response.context["messages"]]
    assert not appeal.events.filter(kind=EventKind.REPLIED).exists()
    assert Appeal.objects.get(pk=appeal.pk).state == State.RECEIVED


def test_return_visit_after_five_days_closes(org: Org) -> None:
    appeal = assigned(org)
    s.appeal_reply(appeal=appeal, actor=org.grid_member, text="已增开")
    assert "return_visit" not in action_keys(detail(org.secretary_a, appeal))
    early = act(org.secretary_a, appeal, "return_visit", rating="satisfied", text="电话回访")
    assert early.status_code == 400 and "5 天内" in early.content.decode()
    with time_machine.travel(timezone.now() + dt.timedelta(days=6)):
        assert "return_visit" in action_keys(detail(org.secretary_a, appeal))
        assert act(org.grid_member, appeal, "return_visit", rating="satisfied", text="x").status_code == 404
        assert (
            act(org.secretary_a, appeal, "return_visit", rating="satisfied", text="电话回访").status_code
            == 302
        )
    appeal.refresh_from_db()
    assert (appeal.state, appeal.rating) == (State.CLOSED, "satisfied")


def test_close_after_rating_and_reopen(org: Org) -> None:
    appeal = assigned(org)
    s.appeal_reply(appeal=appeal, actor=org.grid_member, text="已增开")
    unrated = act(org.secretary_a, appeal, "close")
    assert unrated.status_code == 400  # an unrated answer needs the return visit
    s.appeal_rate(appeal=appeal, rating="satisfied")
    assert act(org.grid_member, appeal, "close").status_code == 404
    assert act(org.secretary_a, appeal, "close").status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).state == State.CLOSED
    assert act(org.secretary_a, appeal, "reopen", reason="").status_code == 400
    assert act(org.secretary_a, appeal, "reopen", reason="问题复发").status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == State.IN_PROGRESS and appeal.level == Level.SECRETARY


def test_merge_into_an_appeal_in_scope_only(org: Org) -> None:
    original = submit(org, text="班车太挤")
    duplicate = submit(org, text="班车太挤了")
    elsewhere = submit(org, text="检修部班车", submitter=org.stranger)
    response = act(org.secretary_a, duplicate, "merge", into=elsewhere.number)
    assert response.status_code == 400 and "找不到" in response.content.decode()
    assert act(org.secretary_a, duplicate, "merge", into=duplicate.number).status_code == 400
    assert Appeal.objects.get(pk=duplicate.pk).state == State.RECEIVED
    assert act(org.secretary_a, duplicate, "merge", into=original.number.lower()).status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.state == State.MERGED and duplicate.merged_into == original
    assert act(org.grid_member, original, "merge", into=duplicate.number).status_code == 404


@pytest.mark.parametrize(
    "action",
    ["triage", "assign", "transfer", "progress", "reply", "note", "return_visit", "close", "reopen", "merge"],
)
def test_every_action_is_post_only_and_out_of_scope_is_404(org: Org, action: str) -> None:
    appeal = assigned(org)
    url = reverse(f"appeal_{action}", args=[appeal.pk])
    assert client_for(org.secretary_a).get(url).status_code == 405
    assert client_for(org.secretary_b).post(url, {}).status_code == 404
    assert client_for(org.employee).post(url, {}).status_code == 404
    assert Client().post(url, {}).status_code == 302  # to the login page
    assert appeal.events.count() == 3


# --- Notifications --------------------------------------------------------------------------------


@pytest.fixture
def red_alert(org: Org) -> Iterator[Appeal]:
    yield accepted(org, grade="red")


def test_notifications_list_badge_and_mark_read(org: Org, red_alert: Appeal) -> None:
    client = client_for(org.secretary_a)
    response = client.get(reverse("notifications"))
    assert response.status_code == 200
    html = response.content.decode()
    assert red_alert.number in html and reverse("appeal_detail", args=[red_alert.pk]) in html
    assert response.context["nav"]["unread"] == 1 and "lx-nav-badge" in html
    assert client.post(reverse("notifications")).status_code == 302
    assert not Notification.objects.filter(user=org.secretary_a, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=org.department, read_at__isnull=True).count() == 1
    assert "lx-nav-badge" not in client.get(reverse("notifications")).content.decode()


def test_notifications_mark_one_read_and_only_ones_own(org: Org, red_alert: Appeal) -> None:
    mine = Notification.objects.get(user=org.secretary_a)
    theirs = Notification.objects.get(user=org.leader)
    client_for(org.secretary_a).post(reverse("notifications"), {"id": [theirs.pk]})
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    client_for(org.secretary_a).post(reverse("notifications"), {"id": [mine.pk]})
    assert Notification.objects.get(pk=mine.pk).read_at is not None


def test_notifications_are_personal_and_method_checked(org: Org, red_alert: Appeal) -> None:
    response = client_for(org.secretary_b).get(reverse("notifications"))
    assert response.status_code == 200 and red_alert.number not in response.content.decode()
    assert client_for(org.employee).get(reverse("notifications")).status_code == 200
    assert client_for(org.secretary_a).put(reverse("notifications")).status_code == 405
    assert Client().get(reverse("notifications")).status_code == 302


def test_detail_works_at_phone_width_markup(org: Org) -> None:
    html = detail(org.secretary_a, assigned(org)).content.decode()
    assert 'style="' not in html and "<script>" not in html.split("</head>")[1]
