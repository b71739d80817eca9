"""On a phone, an appeal arrives with a suggestion and its evidence words; nothing is applied until the
branch secretary confirms it, and a red suggestion confirmed becomes a red warning on the leader's page."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.appeals.models import Appeal
from lianxin.appeals.services import appeal_submit
from lianxin.insight.models import Warning
from tests.browser import no_horizontal_overflow, screenshot
from tests.factories import PASSWORD, build_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(f"{base}/")


def test_the_secretary_confirms_a_red_suggestion_and_the_leader_sees_the_warning(
    live_server: Any, phone: Any
) -> None:
    org = build_org()
    text = "这日子真的撑不下去了，把存折密码告诉我媳妇了，以后就不麻烦大家了"
    appeal = appeal_submit(text=text, channel="web", submitter=org.employee_person).appeal
    assert appeal.suggested_grade == "red" and appeal.suggestion_evidence
    assert appeal.category_id is None and appeal.grade == ""  # a suggestion only
    assert not Warning.objects.exists()

    page = phone
    login(page, live_server.url, "secretary_a")
    page.goto(f"{live_server.url}/appeals/{appeal.pk}/")
    suggestion = page.locator(".lx-suggestion")
    assert "红 I" in suggestion.inner_text()
    assert page.locator(".lx-suggestion-evidence .badge").count() >= 1
    assert no_horizontal_overflow(page)
    screenshot(page, "suggestion-phone")

    # The triage form never starts from red: the secretary reads the suggestion beside it and chooses red.
    triage = page.locator("details.lx-action", has_text="分类定级")
    triage.locator("summary").click()
    assert "红 I" in triage.locator(".lx-suggestion-beside").inner_text()
    grade = triage.locator("select[name=triage-grade]")
    assert grade.input_value() != "red"
    assert not Warning.objects.exists()
    grade.select_option("red")
    triage.get_by_role("button").click()
    page.wait_for_selector(".lx-suggestion, dl")
    confirmed = Appeal.objects.get(pk=appeal.pk)
    assert confirmed.grade == "red" and confirmed.category_id == confirmed.suggested_category

    warning = Warning.objects.get(appeal=confirmed)
    assert warning.level == "red" and warning.person == org.employee_person
    login(page, live_server.url, "leader")
    panel = page.locator(".lx-leader")
    assert panel.locator(".lx-leader-warning").count() == 1
    assert no_horizontal_overflow(page)
    screenshot(page, "leader-home-phone")
