"""The closed loop on phones: an employee submits anonymously, the branch secretary triages, assigns and
answers, then the employee follows it with the receipt code and rates the answer."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.appeals.codes import State
from lianxin.appeals.models import Appeal
from tests.browser import no_horizontal_overflow, screenshot
from tests.factories import PASSWORD, build_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(f"{base}/")


def _act(page: Any, label: str) -> Any:
    """Open the action panel with this label on the handling page and return it."""
    panel = page.locator("details.lx-action").filter(has=page.locator("summary", has_text=label)).first
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    return panel


def test_anonymous_appeal_answered_and_rated_through_the_receipt(live_server: Any, browser: Any) -> None:
    org = build_org()
    base = live_server.url
    employee = browser.new_context(**PHONE).new_page()
    secretary = browser.new_context(**PHONE).new_page()

    # The employee raises it anonymously, routed to their branch, and keeps the receipt.
    _login(employee, base, "employee")
    employee.goto(f"{base}/appeals/new/")
    employee.fill("#id_text", "运行一班夜班后没有热水洗澡，已经持续两周。")
    employee.get_by_label("匿名", exact=False).first.check()
    employee.locator("[data-field=route_to_branch] input[type=checkbox]").check()
    employee.locator("form.lx-intake-form button[type=submit]").click()
    employee.wait_for_selector("#lx-receipt")
    code = employee.locator("#lx-receipt").inner_text().strip()
    assert no_horizontal_overflow(employee)
    appeal = Appeal.objects.get()
    assert appeal.submitter is None and appeal.entered_by is None and appeal.unit == org.branch_a

    # The secretary of the branch triages, assigns and answers it.
    _login(secretary, base, "secretary_a")
    secretary.goto(f"{base}/appeals/work/")
    secretary.get_by_role("link", name=appeal.number).first.click()
    secretary.wait_for_url(f"{base}/appeals/{appeal.pk}/")
    assert no_horizontal_overflow(secretary)
    triage = _act(secretary, "分类定级")
    triage.locator("select[name$=category]").select_option("conditions")
    triage.locator("select[name$=grade]").select_option("yellow")
    triage.locator("select[name$=track]").select_option("branch")
    triage.locator("button[type=submit]").click()
    secretary.wait_for_load_state()
    assign = _act(secretary, "交办")
    assign.locator("select[name$=handler]").select_option(str(org.secretary_a.pk))
    assign.locator("textarea[name$=measure]").fill("联系后勤检修热水器，夜班结束前供应热水")
    assign.locator("button[type=submit]").click()
    secretary.wait_for_load_state()
    reply = _act(secretary, "答复")
    reply.locator("textarea[name$=text]").fill("热水器已检修，夜班 23 点后保证供应热水。")
    reply.locator("button[type=submit]").click()
    secretary.wait_for_load_state()
    screenshot(secretary, "appeal-handling-phone")
    appeal.refresh_from_db()
    assert appeal.state == State.ANSWERED and appeal.handler == org.secretary_a

    # The employee checks with the receipt, reads the answer and rates it.
    employee.goto(f"{base}/appeals/receipt/")
    employee.fill("#id_code", code)
    employee.get_by_role("button", name="查看").click()
    employee.wait_for_selector("text=热水器已检修")
    employee.get_by_label("满意", exact=True).check()
    employee.get_by_role("button", name="提交评价").click()
    employee.wait_for_load_state()
    assert no_horizontal_overflow(employee)
    screenshot(employee, "appeal-rated-phone")
    appeal.refresh_from_db()
    assert appeal.state == State.RATED and appeal.rating == "satisfied"
