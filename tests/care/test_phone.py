"""On a phone: a grid member opens the due talks and visits, taps the button and records the visit that
fulfils the due item."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from lianxin.care import services
from lianxin.care.codes import EventSource
from lianxin.care.models import ContactRecord, DueItem
from tests.browser import no_horizontal_overflow, screenshot
from tests.factories import PASSWORD, build_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_grid_member_records_a_visit_that_fulfils_a_due_item(live_server: Any, phone: Any) -> None:
    org = build_org()
    event = services.life_event_raise(
        person=org.paired_person,
        kind="hospitalised",
        date=timezone.localdate(),
        source=EventSource.STAFF,
        actor=org.secretary_a,
    )
    base = live_server.url
    phone.goto(f"{base}/accounts/login/")
    phone.fill("#id_username", "grid")
    phone.fill("#id_password", PASSWORD)
    phone.get_by_role("button", name="登录", exact=True).click()
    phone.wait_for_url(f"{base}/")

    phone.goto(f"{base}/care/due/")
    assert no_horizontal_overflow(phone)
    phone.get_by_role("link", name="记录谈话/走访").first.click()
    phone.wait_for_selector("form.lx-care-contact")
    assert no_horizontal_overflow(phone)
    phone.select_option("#id_kind", "hospital_visit")
    phone.fill("#id_place", "市人民医院")
    phone.fill("#id_summary", "术后恢复良好，家属陪护")
    phone.locator("form.lx-care-contact button[type=submit]").click()
    phone.wait_for_selector("#lx-summary")
    assert no_horizontal_overflow(phone)
    screenshot(phone, "care-contact-phone")

    item = DueItem.objects.get(pk=event.due_item.pk)
    record = ContactRecord.objects.get()
    assert item.done_at is not None and item.fulfilled_by == record
    assert list(record.people.all()) == [org.paired_person]
