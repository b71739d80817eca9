"""The board and the ledger on a 375 px phone: nothing overflows sideways, and the indicators arrive."""

from __future__ import annotations

import datetime as dt
from importlib import import_module
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from lianxin.appeals import board as boards
from lianxin.appeals import services as s
from lianxin.appeals.codes import Channel
from tests.browser import no_horizontal_overflow, screenshot
from tests.factories import PASSWORD, Org, build_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _login(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(f"{url}/")


def _answered(org: Org) -> Any:
    # A transactional test's flush empties the shipped categories and time limits: put them back.
    import_module("lianxin.appeals.migrations.0002_defaults").add_defaults(apps, None)
    appeal = s.appeal_submit(
        text="宿舍楼三层热水一直不热，已经两周了，请尽快维修。" * 3,
        channel=Channel.WEB,
        submitter=org.employee_person,
    ).appeal
    s.appeal_triage(appeal=appeal, actor=org.secretary_a, category="conditions", grade="yellow")
    s.appeal_assign(appeal=appeal, actor=org.secretary_a, handler=org.grid_member, measure="联系后勤维修")
    s.appeal_reply(appeal=appeal, actor=org.grid_member, text="热水器已更换")
    return appeal


def test_board_pages_on_a_phone(live_server: Any, phone: Any) -> None:
    org = build_org()
    appeal = _answered(org)
    month = timezone.localdate().replace(day=1)
    board = boards.board_draft_create(unit=org.branch_a, month=month, actor=org.secretary_a)
    page = phone
    _login(page, live_server.url, "secretary_a")
    page.goto(f"{live_server.url}/appeals/board/")
    assert no_horizontal_overflow(page)
    page.goto(f"{live_server.url}/appeals/board/{board.pk}/")
    assert no_horizontal_overflow(page)
    screenshot(page, "board-draft-phone")
    page.get_by_role("link", name="编写摘要").click()
    assert no_horizontal_overflow(page)
    page.fill("#i-summary", "职工宿舍热水供应不稳定")
    page.fill("#i-handling", "已更换热水器，恢复正常供应")
    page.get_by_role("button", name="保存（待审核）").click()
    page.get_by_role("button", name="审核通过").click()
    page.get_by_role("button", name="发布公示").click()
    page.wait_for_selector("text=职工宿舍热水供应不稳定")
    content = page.content()
    assert appeal.number not in content and "张伟" not in content
    assert no_horizontal_overflow(page)
    screenshot(page, "board-published-phone")


def test_ledger_on_a_phone(live_server: Any, phone: Any) -> None:
    org = build_org()
    _answered(org)
    page = phone
    _login(page, live_server.url, "department")
    page.goto(f"{live_server.url}/appeals/ledger/?start={timezone.localdate() - dt.timedelta(days=7)}")
    page.wait_for_selector("text=响应率")  # the indicators, fetched after the page
    assert no_horizontal_overflow(page)
    screenshot(page, "ledger-phone")
