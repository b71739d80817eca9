"""On a phone: a secretary opens the warning list, the warning, takes it up and closes it with its
outcome, the pages never wider than the screen."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.insight.codes import TargetKind, WarningLevel, WarningSource, WarningStatus
from lianxin.insight.models import Warning
from lianxin.insight.warnings import warning_raise
from tests.browser import log_in, no_horizontal_overflow, screenshot
from tests.factories import PASSWORD, build_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_secretary_handles_a_warning_on_a_phone(live_server: Any, phone: Any) -> None:
    org = build_org()
    warning, _new = warning_raise(
        level=WarningLevel.RED,
        source=WarningSource.RULE,
        rule="talk_red_phrase",
        target_kind=TargetKind.PERSON,
        unit=org.paired_person.unit,
        person=org.paired_person,
        title="王芳：谈心谈话记录出现红色信号",
        dedupe_key="phone-test",
        evidence={"record_id": 1, "words": ["活着没意思"]},
    )
    base = live_server.url
    log_in(phone, base, "secretary_a", PASSWORD)

    phone.goto(f"{base}/insight/warnings/")
    assert no_horizontal_overflow(phone)
    phone.get_by_role("link", name="王芳：谈心谈话记录出现红色信号").click()
    phone.wait_for_selector("#lx-outcome")
    assert no_horizontal_overflow(phone)
    phone.get_by_role("button", name="接手处置").click()
    phone.wait_for_selector("#lx-outcome")
    phone.fill("#lx-outcome", "已当面谈心并联系家属，本人情绪稳定，转入重点关注。")
    phone.get_by_role("button", name="关闭预警").click()
    phone.wait_for_selector("text=已当面谈心并联系家属")
    assert no_horizontal_overflow(phone)
    screenshot(phone, "warning-phone")
    warning.refresh_from_db()
    assert warning.status == WarningStatus.CLOSED
    assert Warning.objects.get().responsible == org.secretary_a
