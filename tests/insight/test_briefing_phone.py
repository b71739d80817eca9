"""On a phone: the department opens a trend warning; the chart is drawn and styled under the site's
Content-Security-Policy, the page is never wider than the screen, and the statistical basis stays folded
until tapped."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import log_in, no_horizontal_overflow, screenshot
from tests.factories import PASSWORD, build_org
from tests.insight.test_briefing import trend_warning

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_department_reads_a_trend_warning_on_a_phone(live_server: Any, phone: Any) -> None:
    org = build_org()
    warning, _teams = trend_warning(org)
    refused: list[str] = []
    phone.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    base = live_server.url
    log_in(phone, base, "department", PASSWORD)

    phone.goto(f"{base}/insight/warnings/{warning.pk}/")
    phone.wait_for_selector("text=本周 12 件，此前 11 周平均 0.2 件，涉及 4 个班组")
    assert no_horizontal_overflow(phone)
    chart = phone.locator(".lx-trend-chart svg").bounding_box()
    assert chart is not None and 250 <= chart["width"] <= 375
    # The stylesheet reached the chart: this week's bar is in the accent colour, the others grey.
    fills = phone.eval_on_selector_all(".lx-trend-bar", "bars => bars.map(b => getComputedStyle(b).fill)")
    assert len(set(fills)) == 2 and fills[-1] != fills[0]
    statistics = phone.get_by_text("p_value")
    assert not statistics.is_visible()
    phone.get_by_text("统计依据", exact=True).click()
    assert statistics.is_visible()
    assert no_horizontal_overflow(phone)
    screenshot(phone, "trend-warning-phone")
    assert refused == []
