"""The intake and receipt pages on a 375 px phone: nothing overflows, the buttons are big enough to tap,
and an anonymous visitor gets through submit → receipt → follow-up with no session cookie."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.appeals.models import Appeal
from tests.browser import no_horizontal_overflow, screenshot
from tests.factories import PASSWORD, build_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _tap_height(page: Any, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    return float(box["height"]) if box else 0.0


def test_public_anonymous_submit_and_follow_on_a_phone(live_server: Any, phone: Any) -> None:
    build_org()
    page = phone
    page.goto(f"{live_server.url}/appeals/anonymous/")
    assert no_horizontal_overflow(page)
    assert _tap_height(page, "form.lx-intake-form button[type=submit]") >= 44
    page.fill("#id_text", "宿舍楼三层的热水一直不热，已经两周了。")
    page.locator("form.lx-intake-form button[type=submit]").click()
    page.wait_for_selector("#lx-receipt")
    code = page.locator("#lx-receipt").inner_text().strip()
    assert len(code.replace("-", "")) == 24 and no_horizontal_overflow(page)
    screenshot(page, "appeal-receipt-phone")

    page.goto(f"{live_server.url}/appeals/receipt/")
    page.fill("#id_code", code)
    page.get_by_role("button", name="查看").click()
    page.wait_for_selector("text=办理进展")
    assert Appeal.objects.get().number in page.content()
    assert no_horizontal_overflow(page)
    screenshot(page, "appeal-follow-phone")
    assert all(c["name"] != "sessionid" for c in page.context.cookies())


def test_employee_form_on_a_phone(live_server: Any, phone: Any) -> None:
    build_org()
    page = phone
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "employee")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/appeals/new/")
    assert no_horizontal_overflow(page)
    # The branch choice appears only once "anonymous" is chosen.
    assert not page.locator("[data-field=route_to_branch]").is_visible()
    page.get_by_label("匿名", exact=False).first.check()
    assert page.locator("[data-field=route_to_branch]").is_visible()
    assert _tap_height(page, "label[for=id_identity_0]") >= 24
    screenshot(page, "appeal-new-phone")
