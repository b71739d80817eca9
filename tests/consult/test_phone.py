"""A secretary runs the weekly consultation from a 375 px phone: nothing overflows sideways, a candidate goes
on the agenda, a decision is recorded and the meeting is held."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from lianxin.appeals.codes import EventKind
from lianxin.appeals.models import AppealEvent
from lianxin.consult import services as cs
from tests.browser import no_horizontal_overflow, screenshot
from tests.consult.conftest import appeal, make_overdue
from tests.factories import PASSWORD, build_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_run_a_meeting_on_a_phone(live_server: Any, phone: Any) -> None:
    org = build_org()
    overdue = make_overdue(appeal(org, "宿舍热水器坏了一周了，夜班下来没法洗澡，希望尽快修好。" * 2))
    meeting = cs.meeting_plan(
        actor=org.secretary_a, unit=org.branch_a, kind="weekly", date=timezone.localdate()
    )
    page = phone
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "secretary_a")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/consult/")
    assert no_horizontal_overflow(page)
    page.goto(f"{live_server.url}/consult/{meeting.pk}/")
    assert no_horizontal_overflow(page)
    page.get_by_role("button", name="加入议程").first.click()
    page.wait_for_load_state()
    item = meeting.items.get()
    assert item.appeal_id == overdue.pk

    page.locator(f"#item-{item.pk} summary").click()
    page.fill(f"#id_d{item.pk}-text", "后勤三天内修好热水器")
    page.select_option(f"#id_d{item.pk}-responsible", str(org.grid_member.pk))
    page.fill(f"#id_d{item.pk}-due", (timezone.localdate() + dt.timedelta(days=3)).isoformat())
    page.locator(f"#item-{item.pk}").get_by_role("button", name="记录决定").click()
    page.wait_for_load_state()
    assert no_horizontal_overflow(page)
    page.fill("#id_minutes", "会诊了一项逾期诉求。")
    page.get_by_role("button", name="记录为已召开").click()
    page.wait_for_load_state()
    assert page.locator(".lx-meeting-status").inner_text() == "已召开"
    assert no_horizontal_overflow(page)
    screenshot(page, "consult-meeting-phone")
    event = AppealEvent.objects.get(appeal=overdue, kind=EventKind.CONSULTED)
    assert "后勤三天内修好热水器" in event.text
