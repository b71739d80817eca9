"""台账: filters, scope, the capped count, the .xlsx export (inline and in the background), query counts."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from lianxin.appeals import board as boards
from lianxin.appeals import ledger
from lianxin.appeals import services as s
from lianxin.appeals.codes import Channel
from lianxin.appeals.models import Appeal
from tests.factories import Org

TZ = ZoneInfo("Asia/Shanghai")
HEADERS = [
    "序号",
    "编号",
    "受理日期",
    "渠道",
    "诉求人",
    "部门",
    "类别",
    "等级",
    "诉求内容",
    "责任人",
    "措施",
    "时限",
    "办理过程",
    "答复内容及日期",
    "是否办结",
    "回访满意度",
    "是否公示",
]


def at(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, 9, tzinfo=TZ)


@dataclass
class Data:
    named: Appeal  # branch A, pay/yellow, answered, rated, closed, on a published board
    formula: Appeal  # branch A, safety/red, in progress and overdue, text that looks like a formula
    anonymous: Appeal  # company level (root), conditions/blue, received only
    other: Appeal  # branch B, pay/orange, accepted


def make_data(org: Org) -> Data:
    named = s.appeal_submit(
        text="夜班补贴三个月未发", channel=Channel.WEB, submitter=org.employee_person, received_at=at(3, 2)
    ).appeal
    s.appeal_triage(appeal=named, actor=org.secretary_a, category="pay", grade="yellow")
    s.appeal_assign(appeal=named, actor=org.secretary_a, handler=org.grid_member, measure="核对考勤并补发")
    s.appeal_note(appeal=named, actor=org.secretary_a, text="已与财务部沟通")
    s.appeal_reply(appeal=named, actor=org.grid_member, text="已补发三个月补贴")
    s.appeal_rate(appeal=named, rating="satisfied")
    s.appeal_close(appeal=named, actor=org.secretary_a)
    board = boards.board_draft_create(unit=org.branch_a, month=timezone_month(), actor=org.secretary_a)
    item = boards.board_item_add(
        board=board, appeal=named, actor=org.secretary_a, summary="补贴发放滞后", handling="已补发"
    )
    boards.board_item_approve(item=item, actor=org.secretary_a)
    boards.board_publish(board=board, actor=org.secretary_a)

    formula = s.appeal_submit(
        text='=HYPERLINK("http://x")设备漏油',
        channel=Channel.HOTLINE,
        submitter=org.grid_person,
        entered_by=org.secretary_a,
        received_at=at(4, 10),
    ).appeal
    s.appeal_triage(appeal=formula, actor=org.secretary_a, category="safety", grade="red")
    s.appeal_assign(appeal=formula, actor=org.secretary_a, handler=org.grid_member, measure="停机检查")
    Appeal.objects.filter(pk=formula.pk).update(closure_due=at(4, 11))  # long past: overdue

    anonymous = s.appeal_submit(
        text="食堂饭菜变差", channel=Channel.WEB, anonymous=True, received_at=at(5, 1)
    ).appeal
    Appeal.objects.filter(pk=anonymous.pk).update(category_id="conditions", grade="blue")

    other = s.appeal_submit(
        text="检修工具老化", channel=Channel.WEB, submitter=org.stranger, received_at=at(5, 20)
    ).appeal
    s.appeal_triage(appeal=other, actor=org.secretary_b, category="pay", grade="orange")
    return Data(*(Appeal.objects.get(pk=a.pk) for a in (named, formula, anonymous, other)))


def timezone_month() -> dt.date:
    from django.utils import timezone

    return timezone.localdate().replace(day=1)


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def numbers(client: Client, query: str = "") -> set[str]:
    response = client.get(reverse("appeal_ledger") + query)
    assert response.status_code == 200
    return {a.number for a in response.context["page"].rows}


@pytest.fixture
def data(org: Org) -> Data:
    return make_data(org)


def test_each_filter_narrows_the_ledger(org: Org, data: Data) -> None:
    client = login(org.department)
    everything = {data.named.number, data.formula.number, data.anonymous.number, data.other.number}
    assert numbers(client) == everything
    assert numbers(client, f"?unit={org.branch_a.pk}") == {data.named.number, data.formula.number}
    assert numbers(client, f"?unit={org.root.pk}") == everything  # the whole subtree
    assert numbers(client, "?start=2026-04-10") == {
        data.formula.number,
        data.anonymous.number,
        data.other.number,
    }
    assert numbers(client, "?end=2026-04-10") == {data.named.number, data.formula.number}  # end day included
    assert numbers(client, "?start=2026-04-11&end=2026-05-01") == {data.anonymous.number}
    assert numbers(client, "?category=pay") == {data.named.number, data.other.number}
    assert numbers(client, "?grade=red") == {data.formula.number}
    assert numbers(client, "?state=closed") == {data.named.number}
    assert numbers(client, "?overdue=1") == {data.formula.number, data.other.number}  # other: orange, May
    assert numbers(client, "?category=pay&grade=orange") == {data.other.number}


def test_bad_filters_are_reported_and_not_applied(org: Org, data: Data) -> None:
    client = login(org.department)
    for query, message in [
        ("?start=2026-13-01", "日期格式不正确"),
        ("?category=nope", "未知的类别"),
        ("?grade=purple", "未知的等级"),
        ("?state=lost", "未知的状态"),
        ("?start=2026-05-01&end=2026-04-01", "起始日期不能晚于截止日期"),
    ]:
        response = client.get(reverse("appeal_ledger") + query)
        assert response.status_code == 200 and message in response.content.decode()
        assert len(response.context["page"].rows) == 4


def test_scope_secretary_b_sees_nothing_of_branch_a(org: Org, data: Data) -> None:
    assert numbers(login(org.secretary_b)) == {data.other.number}
    assert numbers(login(org.secretary_a)) == {data.named.number, data.formula.number}
    client = login(org.secretary_b)
    assert client.get(reverse("appeal_ledger") + f"?unit={org.branch_a.pk}").status_code == 404
    assert client.get(reverse("appeal_ledger_export") + f"?unit={org.branch_a.pk}").status_code == 404
    content = client.get(reverse("appeal_ledger_export")).content
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [data.other.number]


@pytest.mark.parametrize("persona", ["employee", "grid_member", "auditor", "informant"])
def test_below_secretary_the_ledger_does_not_exist(org: Org, persona: str) -> None:
    client = login(getattr(org, persona))
    for name in ("appeal_ledger", "appeal_ledger_export"):
        assert client.get(reverse(name)).status_code == 404


def test_wrong_methods_are_refused(org: Org) -> None:
    client = login(org.department)
    assert client.post(reverse("appeal_ledger")).status_code == 405
    assert client.post(reverse("appeal_ledger_export")).status_code == 405
    token = "x" * 32
    assert client.get(reverse("appeal_ledger_job_delete", args=[token])).status_code == 405
    assert client.post(reverse("appeal_ledger_download", args=[token])).status_code == 405
    assert Client().get(reverse("appeal_ledger")).status_code == 302


def test_the_count_is_capped(org: Org, data: Data, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger, "PAGE_SIZE", 1)
    monkeypatch.setattr(ledger, "COUNT_CAP", 2)
    client = login(org.department)
    page = client.get(reverse("appeal_ledger")).context["page"]
    assert (len(page.rows), page.total, page.total_capped, page.has_next) == (1, 2, True, True)
    assert "共超过 2 件" in client.get(reverse("appeal_ledger")).content.decode()
    page = client.get(reverse("appeal_ledger") + f"?unit={org.branch_a.pk}").context["page"]
    assert (page.total, page.total_capped) == (2, False)
    last = client.get(reverse("appeal_ledger") + "?page=4").context["page"]
    assert (last.first, last.last, last.total, last.has_next) == (4, 4, 4, False)  # the last page knows


def _sheet(content: bytes) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def test_export_opens_with_the_columns_and_values(org: Org, data: Data) -> None:
    response = login(org.department).get(reverse("appeal_ledger_export"))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    rows = _sheet(response.content)
    assert list(rows[0]) == HEADERS
    by_number = {row[1]: dict(zip(HEADERS, row, strict=True)) for row in rows[1:]}
    assert [row[0] for row in rows[1:]] == [1, 2, 3, 4]
    named = by_number[data.named.number]
    assert named["诉求人"] == "张伟" and named["部门"] == "运维部" and named["类别"] == "薪酬福利"
    assert named["等级"] == "黄 III" and named["渠道"] == "网页/手机表单" and named["责任人"] == "李娜"
    assert named["措施"] == "核对考勤并补发" and named["是否办结"] == "是" and named["回访满意度"] == "满意"
    assert named["是否公示"] == "是" and named["受理日期"] == dt.datetime(2026, 3, 2)  # noqa: DTZ001 - Excel dates are naive
    assert "已补发三个月补贴（" in named["答复内容及日期"]
    process = named["办理过程"]
    assert "交办：核对考勤并补发" in process and "内部备注：已与财务部沟通" in process  # internal notes kept
    anonymous = by_number[data.anonymous.number]
    assert anonymous["诉求人"] == "匿名" and anonymous["部门"] == "示范电厂" and anonymous["是否公示"] == "否"
    assert anonymous["是否办结"] == "否" and anonymous["责任人"] in ("", None)
    formula = by_number[data.formula.number]
    assert formula["诉求内容"] == '\'=HYPERLINK("http://x")设备漏油'  # neutralised, not a live formula
    assert formula["渠道"] == "热线电话" and formula["时限"] == dt.datetime(2026, 4, 11)  # noqa: DTZ001


def test_export_follows_the_filters(org: Org, data: Data) -> None:
    rows = _sheet(login(org.department).get(reverse("appeal_ledger_export") + "?grade=red").content)
    assert [row[1] for row in rows[1:]] == [data.formula.number]


def test_large_export_runs_in_the_background_for_its_owner_only(
    org: Org, data: Data, settings: Any, tmp_path: Any
) -> None:
    settings.LEDGER_ASYNC_THRESHOLD = 2
    settings.MEDIA_ROOT = tmp_path
    client = login(org.department)
    response = client.get(reverse("appeal_ledger_export") + f"?unit={org.root.pk}")
    assert response.status_code == 302 and "/ledger/export/" in response["Location"]
    job_page = client.get(response["Location"])
    assert job_page.status_code == 200 and "下载 Excel" in job_page.content.decode()  # Huey ran at once
    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    download = client.get(reverse("appeal_ledger_download", args=[token]))
    assert download.status_code == 200
    rows = _sheet(b"".join(download.streaming_content))  # type: ignore[attr-defined]
    assert list(rows[0]) == HEADERS and len(rows) == 5
    assert list((tmp_path / "exports").glob("*.xlsx"))
    for other in (org.leader, org.secretary_a):
        stranger = login(other)
        assert stranger.get(reverse("appeal_ledger_job", args=[token])).status_code == 404
        assert stranger.get(reverse("appeal_ledger_download", args=[token])).status_code == 404
        assert stranger.post(reverse("appeal_ledger_job_delete", args=[token])).status_code == 404
    assert client.get("/appeals/ledger/export/..%2F..%2Fetc/").status_code == 404
    assert client.post(reverse("appeal_ledger_job_delete", args=[token])).status_code == 302
    assert not list((tmp_path / "exports").glob("*.xlsx"))
    assert client.get(reverse("appeal_ledger_download", args=[token])).status_code == 404


def test_progress_reports_through_htmx_until_done(org: Org, data: Data, settings: Any, tmp_path: Any) -> None:
    from lianxin.appeals import ledger_tasks as jobs

    settings.MEDIA_ROOT = tmp_path
    jobs.job_write("t" * 30, user_id=org.department.pk, state="running", done=1000, total=4000)
    client = login(org.department)
    partial = client.get(reverse("appeal_ledger_job", args=["t" * 30]), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "25%" in partial.content.decode()
    jobs.job_write("t" * 30, state="done")
    finished = client.get(reverse("appeal_ledger_job", args=["t" * 30]), HTTP_HX_REQUEST="true")
    assert finished.status_code == 204 and finished["HX-Redirect"].endswith(f"/{'t' * 30}/")


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_rows(org: Org, data: Data, monkeypatch: pytest.MonkeyPatch) -> None:
    client = login(org.department)
    page, export = _count(client, reverse("appeal_ledger")), _count(client, reverse("appeal_ledger_export"))
    for i in range(12):
        appeal = s.appeal_submit(text=f"诉求{i}", channel=Channel.WEB, submitter=org.employee_person).appeal
        s.appeal_triage(appeal=appeal, actor=org.secretary_a, category="pay", grade="blue")
        s.appeal_note(appeal=appeal, actor=org.secretary_a, text="备注")
    assert _count(client, reverse("appeal_ledger")) == page
    assert _count(client, reverse("appeal_ledger_export")) == export
    # One events query per chunk of appeals, never one per appeal: 16 appeals in chunks of 4.
    monkeypatch.setattr(ledger, "CHUNK", 4)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("appeal_ledger_export")).status_code == 200
    assert sum('"appeals_appealevent"' in q["sql"] for q in ctx.captured_queries) == 4


def test_export_files_are_purged_after_a_day(settings: Any, tmp_path: Any) -> None:
    import os

    from lianxin.appeals import ledger_tasks as jobs

    settings.MEDIA_ROOT = tmp_path
    old, new = "o" * 30, "n" * 30
    for token in (old, new):
        jobs.job_write(token, user_id=1, state="done")
        jobs.export_file(token).write_bytes(b"x")
    day_ago = (dt.datetime.now(tz=TZ) - dt.timedelta(hours=25)).timestamp()
    for path in (jobs.export_file(old), tmp_path / "exports" / f"{old}.json"):
        os.utime(path, (day_ago, day_ago))
    assert jobs.exports_purge() == 2
    assert jobs.job_read(old) is None and not jobs.export_file(old).exists()
    assert jobs.job_read(new) is not None and jobs.export_file(new).exists()


def test_each_export_is_logged_without_its_content(
    org: Org, data: Data, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="lianxin.appeals.ledger"):
        login(org.department).get(reverse("appeal_ledger_export") + "?grade=red")
    lines = [r.getMessage() for r in caplog.records if r.name == "lianxin.appeals.ledger"]
    assert len(lines) == 1 and f"user_id={org.department.pk}" in lines[0] and "rows=1" in lines[0]
    assert "red" in lines[0] and "设备漏油" not in lines[0] and data.formula.number not in lines[0]
