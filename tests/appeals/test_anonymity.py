"""Anonymity: an anonymous appeal keeps no user, address, user agent, session or device link, and no
log line written while it is submitted or followed carries the submitter's address."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from lianxin.appeals.models import Appeal, AppealEvent
from lianxin.audit.models import AccessLog
from tests.appeals.test_intake_support import key, receipt_in
from tests.factories import Org

IP = "203.0.113.77"
AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4) DistinctiveDevice/4242"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def _row_values(appeal: Appeal) -> list[str]:
    row = Appeal.objects.filter(pk=appeal.pk).values().get()
    events = list(AppealEvent.objects.filter(appeal=appeal).values())
    return [str(v) for v in row.values()] + [str(v) for e in events for v in e.values()]


def test_public_anonymous_row_holds_no_user_address_agent_or_device(org: Org) -> None:
    client = Client(REMOTE_ADDR=IP, HTTP_USER_AGENT=AGENT, HTTP_X_FORWARDED_FOR=IP)
    client.post(reverse("appeal_public_new"), {"text": "反映班组长克扣加班费", "idempotency_key": key()})
    appeal = Appeal.objects.get()
    assert appeal.submitter_id is None and appeal.entered_by_id is None and appeal.is_anonymous
    assert appeal.events.get().actor_id is None
    values = " ".join(_row_values(appeal))
    assert IP not in values and "DistinctiveDevice" not in values and "iPhone" not in values
    assert not AccessLog.objects.exists()


def test_anonymous_from_a_logged_in_employee_keeps_no_link_to_them(org: Org) -> None:
    client = Client(REMOTE_ADDR=IP, HTTP_USER_AGENT=AGENT)
    client.force_login(org.employee)
    client.post(
        reverse("appeal_new"),
        {"text": "反映班组长克扣加班费", "identity": "anonymous", "idempotency_key": key()},
    )
    appeal = Appeal.objects.get()
    assert appeal.submitter_id is None and appeal.entered_by_id is None
    assert appeal.events.get().actor_id is None
    values = " ".join(_row_values(appeal))
    assert appeal.unit == org.root  # company level by default, not the employee's small team
    assert "employee" not in values and org.employee_person.employee_no not in values
    assert IP not in values and "DistinctiveDevice" not in values
    # It is not among "my appeals" either: nothing ties it to the account.
    page = client.get(reverse("my_appeals")).content.decode()
    assert appeal.number not in page


def test_no_session_is_created_for_an_anonymous_visitor(org: Org) -> None:
    client = Client(REMOTE_ADDR=IP)
    form_page = client.get(reverse("appeal_public_new"))
    result = client.post(reverse("appeal_public_new"), {"text": "建议增设夜班热餐", "idempotency_key": key()})
    code = receipt_in(result)
    assert code is not None
    follow = client.post(reverse("receipt_lookup"), {"code": code})
    info = client.post(reverse("receipt_add_info"), {"code": code, "text": "补充一下"})
    for response in (form_page, result, follow, info):
        assert "sessionid" not in response.cookies
        assert "sessionid" not in response.get("Set-Cookie", "")
    assert Session.objects.count() == 0
    # The only cookie is Django's CSRF token: random, not tied to the visitor, not stored with the appeal.
    assert set(client.cookies) <= {"csrftoken"}
    assert client.cookies["csrftoken"].value not in " ".join(_row_values(Appeal.objects.get()))


def test_csrf_still_protects_the_public_form(org: Org) -> None:
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=IP)
    response = client.post(reverse("appeal_public_new"), {"text": "没有令牌", "idempotency_key": key()})
    assert response.status_code == 403 and not Appeal.objects.exists()
    client.get(reverse("appeal_public_new"))
    token = client.cookies["csrftoken"].value
    ok = client.post(
        reverse("appeal_public_new"),
        {"text": "带上令牌", "idempotency_key": key(), "csrfmiddlewaretoken": token},
    )
    assert ok.status_code == 200 and Appeal.objects.count() == 1


def test_no_log_record_carries_the_address(org: Org, caplog: pytest.LogCaptureFixture) -> None:
    client = Client(REMOTE_ADDR=IP, HTTP_USER_AGENT=AGENT)
    with caplog.at_level(logging.DEBUG):
        client.get(reverse("appeal_public_new"))
        result = client.post(
            reverse("appeal_public_new"), {"text": "建议增设夜班热餐", "idempotency_key": key()}
        )
        code = receipt_in(result) or ""
        client.post(reverse("appeal_public_new"), {"text": "  ", "idempotency_key": key()})  # a 400
        client.post(reverse("receipt_lookup"), {"code": "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"})  # a 403
        client.post(reverse("receipt_lookup"), {"code": code})
        client.get("/appeals/no-such-page/")  # a 404
        csrf_client = Client(enforce_csrf_checks=True, REMOTE_ADDR=IP)
        csrf_client.post(reverse("appeal_public_new"), {"text": "x"})  # CSRF failure is logged too
    assert caplog.records, "the requests above should have logged their 4xx warnings"
    for record in caplog.records:
        text = record.getMessage() + " " + " ".join(str(v) for v in vars(record).values())
        assert IP not in text, record
        assert code not in text or not code, record
        assert "DistinctiveDevice" not in text, record
