"""一月一公开: board statistics, rewritten and approved summaries, and who sees which board."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianxin.appeals import board as boards
from lianxin.appeals import services as s
from lianxin.appeals.codes import SATISFIED_RATINGS, Channel, EventKind, State
from lianxin.appeals.models import Appeal, AppealEvent, Board, BoardItem, BoardStatus
from lianxin.org.models import Person, Unit
from tests.factories import Org, make_person

TZ = ZoneInfo("Asia/Shanghai")
MONTH = dt.date(2026, 3, 1)


def at(day: int, month: int = 3, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=TZ)


def handled(
    org: Org,
    text: str,
    *,
    person: Person | None = None,
    category: str = "pay",
    received: dt.datetime | None = None,
    answered: dt.datetime | None = None,
    due: dt.datetime | None = None,
    anonymous: bool = False,
) -> Appeal:
    """An appeal answered through the services, with its times then set where the test wants them."""
    appeal = s.appeal_submit(
        text=text,
        channel=Channel.WEB,
        submitter=None if anonymous else person,
        anonymous=anonymous,
        received_at=received or at(2),
    ).appeal
    s.appeal_triage(appeal=appeal, actor=org.department, category=category, grade="yellow")
    # The department handles them all: it is a handler candidate of every branch's appeals.
    s.appeal_assign(appeal=appeal, actor=org.department, handler=org.department, measure="核实后协调")
    s.appeal_reply(appeal=appeal, actor=org.department, text="已协调解决")
    Appeal.objects.filter(pk=appeal.pk).update(answered_at=answered or at(5), closure_due=due or at(10))
    return Appeal.objects.select_related("unit").get(pk=appeal.pk)


def rate(appeal: Appeal, rating: str, when: dt.datetime) -> None:
    with time_machine.travel(when, tick=False):
        s.appeal_rate(appeal=appeal, rating=rating)


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_board_stats_equal_independent_counts(org: Org) -> None:
    person_b = org.stranger
    a1 = handled(org, "夜班补贴三个月未发", person=org.employee_person, answered=at(5), due=at(10))
    a2 = handled(
        org,
        "宿舍热水经常中断",
        person=org.employee_person,
        category="conditions",
        answered=at(20),
        due=at(15),
    )  # late
    handled(
        org,
        "班车时间不合理",
        person=org.grid_person,
        category="conditions",
        received=at(25, 2),
        answered=at(1),
        due=at(4),
    )  # received in February, due in March
    b1 = handled(org, "检修工具老化", person=person_b, category="safety", answered=at(6), due=at(12))
    anon = handled(org, "食堂价格上涨", anonymous=True, category="conditions", answered=at(7), due=at(9))
    s.appeal_submit(
        text="尚未处理的建议", channel=Channel.WEB, submitter=org.employee_person, received_at=at(28)
    )
    dup = s.appeal_submit(
        text="重复提交", channel=Channel.WEB, submitter=org.employee_person, received_at=at(3)
    ).appeal
    s.appeal_merge(appeal=dup, actor=org.secretary_a, into=a1)
    rate(a1, "satisfied", at(8))
    rate(a2, "dissatisfied", at(22))
    rate(b1, "very_satisfied", at(9))
    rate(anon, "basic", at(30, 4))  # April: not in March's numbers

    start, end = boards.month_bounds(MONTH)
    for unit in (org.branch_a, org.root):
        board = boards.board_draft_create(unit=unit, month=dt.date(2026, 3, 17), actor=org.department)
        assert board.month == MONTH and board.status == BoardStatus.DRAFT
        mine = [
            a
            for a in Appeal.objects.select_related("unit")
            if a.unit.path.startswith(unit.path) and a.state != State.MERGED
        ]
        received = [a for a in mine if start <= a.received_at < end]
        by_category: dict[str, int] = {}
        for a in received:
            by_category[a.category_id or ""] = by_category.get(a.category_id or "", 0) + 1
        due = [a for a in mine if a.closure_due and start <= a.closure_due < end]
        on_time = [a for a in due if a.answered_at and a.closure_due and a.answered_at <= a.closure_due]
        ratings = [
            e
            for e in AppealEvent.objects.select_related("appeal__unit")
            if e.kind in (EventKind.RATED, EventKind.RETURN_VISIT)
            and start <= e.at < end
            and e.appeal.unit.path.startswith(unit.path)
        ]
        satisfied = [e for e in ratings if e.data.get("rating") in SATISFIED_RATINGS]
        stats = board.stats
        assert stats["received"] == len(received)
        assert {row["code"]: row["count"] for row in stats["by_category"]} == by_category
        assert (stats["due"], stats["on_time"]) == (len(due), len(on_time))
        assert (stats["rated"], stats["satisfied"]) == (len(ratings), len(satisfied))
    branch = Board.objects.get(unit=org.branch_a)
    # Spelled out once so the independent count cannot share a mistake with the code.
    assert branch.stats["received"] == 3  # a1, a2 and the unhandled one; a3 is February's, dup is merged
    assert (branch.stats["due"], branch.stats["on_time"], branch.stats["on_time_rate"]) == (3, 2, 66.7)
    assert (branch.stats["rated"], branch.stats["satisfied"]) == (2, 1)
    assert Board.objects.get(unit=org.root).stats["received"] == 5  # plus b1 and the anonymous one


def test_only_approved_rewritten_summaries_are_published(org: Org) -> None:
    first = handled(org, "夜班补贴三个月未发，张伟反映", person=org.employee_person)
    second = handled(org, "宿舍热水经常中断", person=org.grid_person, category="conditions")
    board = boards.board_draft_create(unit=org.branch_a, month=MONTH, actor=org.secretary_a)
    approved = boards.board_item_add(
        board=board,
        appeal=first,
        actor=org.secretary_a,
        summary="有职工反映夜班补贴发放滞后",
        handling="已核对考勤并补发",
    )
    boards.board_item_add(
        board=board,
        appeal=second,
        actor=org.secretary_a,
        summary="宿舍热水供应不稳定",
        handling="已更换热水器",
    )
    boards.board_item_approve(item=approved, actor=org.secretary_a)
    boards.board_publish(board=board, actor=org.secretary_a)

    page = login(org.employee).get(reverse("board_detail", args=[board.pk])).content.decode()
    assert "有职工反映夜班补贴发放滞后" in page and "已核对考勤并补发" in page
    assert "宿舍热水供应不稳定" not in page  # never approved
    for secret in ("张伟", org.employee_person.employee_no, "夜班补贴三个月未发", "李娜", first.number):
        assert secret not in page
    with pytest.raises(ValidationError):
        boards.board_item_approve(item=approved, actor=org.secretary_a)  # published boards are final


def test_a_rewritten_item_must_be_approved_again(org: Org) -> None:
    appeal = handled(org, "夜班补贴三个月未发", person=org.employee_person)
    board = boards.board_draft_create(unit=org.branch_a, month=MONTH, actor=org.secretary_a)
    item = boards.board_item_add(
        board=board, appeal=appeal, actor=org.secretary_a, summary="补贴发放滞后", handling="已补发"
    )
    boards.board_item_approve(item=item, actor=org.secretary_a)
    item = boards.board_item_update(
        item=item, actor=org.secretary_a, summary="补贴发放延迟", handling="已补发"
    )
    assert not item.approved and item.approved_by is None


@pytest.mark.parametrize(
    "summary", ["张伟反映补贴问题", "工号 {no} 反映", "夜班补贴三个月未发", "   ", "字" * 501]
)
def test_summaries_with_personal_details_or_bad_length_are_refused(org: Org, summary: str) -> None:
    appeal = handled(org, "夜班补贴三个月未发", person=org.employee_person)
    board = boards.board_draft_create(unit=org.branch_a, month=MONTH, actor=org.secretary_a)
    with pytest.raises(ValidationError):
        boards.board_item_add(
            board=board,
            appeal=appeal,
            actor=org.secretary_a,
            summary=summary.format(no=org.employee_person.employee_no),
            handling="已补发",
        )
    assert not BoardItem.objects.exists()


def test_the_item_form_never_starts_from_the_original_words(org: Org) -> None:
    appeal = handled(org, "张伟：夜班补贴三个月未发", person=org.employee_person)
    board = boards.board_draft_create(unit=org.branch_a, month=MONTH, actor=org.secretary_a)
    client = login(org.secretary_a)
    url = reverse("board_item_new", args=[board.pk, appeal.pk])
    page = client.get(url).content.decode()
    summary_field = page.split('name="summary"')[1].split("</textarea>")[0]
    assert "张伟" not in summary_field and "夜班补贴" not in summary_field
    assert "薪酬福利" in summary_field  # the category label is the only head start
    response = client.post(url, {"summary": "张伟的补贴问题", "handling": "已补发"})
    assert response.status_code == 400 and "不得包含" in response.content.decode()
    assert not BoardItem.objects.exists()
    response = client.post(url, {"summary": "补贴发放滞后", "handling": "已补发"})
    assert response.status_code == 302 and BoardItem.objects.filter(approved=False).count() == 1


def _boards(org: Org) -> dict[str, Board]:
    made = {}
    for key, unit in (("a", org.branch_a), ("b", org.branch_b), ("root", org.root)):
        board = boards.board_draft_create(unit=unit, month=MONTH, actor=org.department)
        made[key] = boards.board_publish(board=board, actor=org.department)
    made["draft_a"] = boards.board_draft_create(
        unit=org.branch_a, month=dt.date(2026, 4, 1), actor=org.secretary_a
    )
    return made


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("employee", {"a", "root"}),
        ("grid_member", {"a", "root"}),
        ("secretary_a", {"a", "root", "draft_a"}),
        ("secretary_b", {"b", "root"}),
        ("department", {"a", "b", "root", "draft_a"}),
        ("leader", {"a", "b", "root"}),
    ],
)
@pytest.mark.django_db
def test_who_sees_which_board(org: Org, persona: str, visible: set[str]) -> None:
    made = _boards(org)
    client = login(getattr(org, persona))
    for key, board in made.items():
        status = client.get(reverse("board_detail", args=[board.pk])).status_code
        assert status == (200 if key in visible else 404), (persona, key)
    index = client.get(reverse("board_index")).content.decode()
    assert ("2026年4月" in index) == ("draft_a" in visible)


def test_an_employee_of_another_branch_gets_404(org: Org) -> None:
    made = _boards(org)
    outsider = make_person(org.grid_b1, "赵磊")
    from tests.factories import make_user

    user = make_user("employee_b", outsider, employee=org.grid_b1)
    client = login(user)
    assert client.get(reverse("board_detail", args=[made["a"].pk])).status_code == 404
    assert client.get(reverse("board_detail", args=[made["b"].pk])).status_code == 200
    assert client.get(reverse("board_detail", args=[made["root"].pk])).status_code == 200


def test_staff_create_drafts_only_for_their_units(org: Org) -> None:
    url = reverse("board_create")
    assert login(org.secretary_a).post(url, {"unit": org.branch_b.pk, "month": "2026-03"}).status_code == 404
    assert login(org.secretary_a).post(url, {"unit": org.root.pk, "month": "2026-03"}).status_code == 404
    assert login(org.employee).post(url, {"unit": org.branch_a.pk, "month": "2026-03"}).status_code == 404
    response = login(org.secretary_a).post(url, {"unit": org.branch_a.pk, "month": "三月"}, follow=True)
    assert "请选择月份" in response.content.decode() and not Board.objects.exists()
    response = login(org.department).post(url, {"unit": org.root.pk, "month": "2026-03"})
    board = Board.objects.get(unit=org.root)
    assert response.status_code == 302 and response["Location"] == reverse("board_detail", args=[board.pk])
    with pytest.raises(ValidationError):
        boards.board_draft_create(unit=org.grid_a1, month=MONTH, actor=org.department)  # not a board unit


def test_views_refuse_wrong_methods_and_other_units(org: Org) -> None:
    appeal = handled(org, "夜班补贴三个月未发", person=org.employee_person)
    board = boards.board_draft_create(unit=org.branch_a, month=MONTH, actor=org.secretary_a)
    item = boards.board_item_add(
        board=board, appeal=appeal, actor=org.secretary_a, summary="补贴滞后", handling="已补发"
    )
    owner, other = login(org.secretary_a), login(org.secretary_b)
    posts = [
        reverse("board_publish", args=[board.pk]),
        reverse("board_item_approve", args=[item.pk]),
        reverse("board_item_remove", args=[item.pk]),
        reverse("board_create"),
    ]
    for url in posts:
        assert owner.get(url).status_code == 405
    for url in posts[:3]:
        assert other.post(url).status_code == 404
    edit = reverse("board_item_edit", args=[item.pk])
    add = reverse("board_item_new", args=[board.pk, appeal.pk])
    for url in (edit, add):
        assert other.get(url).status_code == 404
    assert owner.post(reverse("board_index")).status_code == 405
    assert owner.delete(reverse("board_detail", args=[board.pk])).status_code == 405
    assert owner.get(reverse("board_item_edit", args=[item.pk])).status_code == 200
    # an appeal already on the board is no longer a candidate
    assert owner.get(reverse("board_item_new", args=[board.pk, appeal.pk])).status_code == 404
    assert owner.post(reverse("board_item_approve", args=[item.pk])).status_code == 302
    assert owner.post(reverse("board_publish", args=[board.pk])).status_code == 302
    board.refresh_from_db()
    assert board.status == BoardStatus.PUBLISHED
    # a published board cannot be edited any more
    assert owner.get(reverse("board_item_edit", args=[item.pk])).status_code == 404
    assert login(org.employee).get(reverse("board_detail", args=[board.pk])).status_code == 200
    assert Client().get(reverse("board_index")).status_code == 302  # login first


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_board_pages_use_a_constant_number_of_queries(org: Org) -> None:
    board = boards.board_draft_create(unit=org.branch_a, month=MONTH, actor=org.secretary_a)
    client = login(org.secretary_a)
    detail = reverse("board_detail", args=[board.pk])

    def grow(n: int) -> None:
        for i in range(n):
            appeal = handled(org, f"第{i}件诉求的原文内容", person=org.employee_person)
            item = boards.board_item_add(
                board=board, appeal=appeal, actor=org.secretary_a, summary=f"摘要{i}", handling="已办结"
            )
            boards.board_item_approve(item=item, actor=org.secretary_a)

    grow(1)
    few = (_queries(client, detail), _queries(client, reverse("board_index")))
    grow(6)
    assert (_queries(client, detail), _queries(client, reverse("board_index"))) == few
    boards.board_publish(board=board, actor=org.secretary_a)
    reader = login(org.employee)
    published = _queries(reader, detail)
    grow_board = Board.objects.create(unit=org.root, month=MONTH, status=BoardStatus.PUBLISHED)
    assert _queries(reader, reverse("board_detail", args=[grow_board.pk])) == published


def test_unit_path_helpers_cover_the_enterprise(org: Org) -> None:
    assert boards.is_board_unit(org.root) and boards.is_board_unit(org.branch_a)
    assert not boards.is_board_unit(Unit.objects.get(pk=org.grid_a1.pk))
    assert [u.pk for u in boards.manageable_units(org.department)] == [
        org.root.pk,
        org.branch_a.pk,
        org.branch_b.pk,
    ]
    assert [u.pk for u in boards.manageable_units(org.secretary_a)] == [org.branch_a.pk]
    assert boards.manageable_units(org.employee) == []
