"""Receipt guessing and the public form are limited per client behind the proxy, in counters every worker
shares: one guesser behind nginx cannot block everyone, and a forged header does not buy more guesses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from lianxin.appeals.models import Appeal
from lianxin.guard.models import Counter
from tests.appeals.test_intake_support import key, public_submit, receipt_in
from tests.factories import Org

pytestmark = pytest.mark.django_db
PROXY = "10.0.0.5"
WRONG = "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"


def via_proxy(client_address: str) -> dict[str, Any]:
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": client_address}


def follow(code: str, **meta: Any) -> Any:
    return Client().post(reverse("receipt_lookup"), {"code": code}, **meta)


def api_status(code: str, **meta: Any) -> Any:
    body = json.dumps({"code": code})
    return Client().post("/api/v1/receipts/status", body, content_type="application/json", **meta)


def submit(client: Client, text: str, **meta: Any) -> Any:
    return client.post(reverse("appeal_public_new"), {"text": text, "idempotency_key": key()}, **meta)


@pytest.fixture
def code(org: Org) -> str:
    found = receipt_in(public_submit(Client()))
    assert found is not None
    return found


def test_one_guesser_behind_the_proxy_blocks_only_himself(settings: Any, code: str) -> None:
    settings.TRUSTED_PROXIES = 1
    settings.APPEAL_RECEIPT_FAILURES_PER_CLIENT = 10
    for n in range(10):
        # Page and API draw on one budget; another worker (an empty local cache) sees the same count.
        guess = follow if n % 2 else api_status
        assert guess(WRONG, **via_proxy("203.0.113.9")).status_code in (403, 404)
        cache.clear()
    assert "尝试次数过多" in follow(code, **via_proxy("203.0.113.9")).content.decode()
    assert api_status(code, **via_proxy("203.0.113.9")).status_code == 429
    # Everyone else behind the same proxy still follows their appeal.
    assert follow(code, **via_proxy("198.51.100.20")).status_code == 200
    assert api_status(code, **via_proxy("198.51.100.21")).status_code == 200
    assert Counter.objects.exists()
    assert not Counter.objects.filter(key__contains="203.0.113").exists()


def test_a_forged_forwarded_header_buys_no_more_guesses(settings: Any, code: str) -> None:
    settings.TRUSTED_PROXIES = 0  # no proxy declared: the header is the client's own words
    settings.APPEAL_RECEIPT_FAILURES_PER_CLIENT = 5
    for n in range(5):
        follow(WRONG, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert follow(code, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 403


def test_the_public_form_is_limited_per_client_and_keeps_the_words(org: Org, settings: Any) -> None:
    settings.TRUSTED_PROXIES = 1
    settings.APPEAL_PUBLIC_PER_HOUR = 3
    client = Client()
    for n in range(3):
        assert receipt_in(submit(client, f"第{n}件", **via_proxy("203.0.113.9"))) is not None
    data = {"text": "班车太挤，早上挤不上", "idempotency_key": key()}
    refused = client.post(reverse("appeal_public_new"), data, **via_proxy("203.0.113.9"))
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "请一小时后再提交" in page and "班车太挤，早上挤不上" in page
    assert Appeal.objects.count() == 3
    assert receipt_in(submit(client, "另一位职工", **via_proxy("198.51.100.20"))) is not None
    assert Appeal.objects.count() == 4
