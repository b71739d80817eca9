"""A branch secretary on a phone: log in, open a grid, then a person file — nothing overflows."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.audit.models import AccessLog
from tests.browser import no_horizontal_overflow, screenshot
from tests.factories import PASSWORD, Org, build_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_secretary_opens_grid_then_person_file_on_a_phone(live_server: Any, phone: Any) -> None:
    org: Org = build_org()
    page = phone
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "secretary_a")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(f"{live_server.url}/")
    assert no_horizontal_overflow(page)
    screenshot(page, "secretary-home-phone")

    page.goto(f"{live_server.url}/org/grids/{org.grid_a1.pk}/")
    assert page.get_by_text("运行一班").first.is_visible()
    assert no_horizontal_overflow(page)
    screenshot(page, "secretary-grid-phone")

    page.get_by_role("link", name="张伟").first.click()
    page.wait_for_url(f"{live_server.url}/people/{org.employee_person.pk}/")
    # The secretary of the branch sees the restricted part of the file.
    assert page.get_by_text("高血压").first.is_visible()
    assert no_horizontal_overflow(page)
    screenshot(page, "secretary-person-phone")
    assert AccessLog.objects.filter(actor=org.secretary_a, person=org.employee_person).count() == 1

    # Another branch's grid is not there at all for this secretary.
    response = page.goto(f"{live_server.url}/org/grids/{org.grid_b1.pk}/")
    assert response is not None and response.status == 404
