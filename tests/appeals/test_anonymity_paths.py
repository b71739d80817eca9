"""Anonymity on every intake path: the employee's form, the public form, the API, and staff entry of an
unsigned suggestion-box note (page and API). A WeCom message always comes from a known sender, so it
is never anonymous and is not among them.

For each path: the request writes only the appeal, its first event and its idempotency key (no session,
no token stamp, no access-log row); nothing stored with the appeal points to the account that sent it;
no log record carries the address, the device or the account.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lianxin.api.models import ApiToken
from lianxin.appeals.models import Appeal, AppealEvent, IdempotencyKey
from tests.appeals.test_intake_support import key
from tests.factories import Org

IP = "203.0.113.77"
AGENT = "Mozilla/5.0 (Linux; Android 14) DistinctiveDevice/4242"
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# What an anonymous submission may write: the appeal, its first event, its idempotency key, and its receipt's
# keyed digest (appeals_receiptindex, which a wrong receipt code is checked against without Argon2).
ALLOWED = {"appeals_appeal", "appeals_appealevent", "appeals_idempotencykey", "appeals_receiptindex"}
# The public form also counts the submission against its sender's address (APPEAL_PUBLIC_PER_HOUR): without
# Redis in the database, as an HMAC of the address under the secret key whose only time is the end of its
# fixed hour, deleted after it (lianxin.guard.counters).
ALSO_WRITTEN = {"public_form": {"guard_counter"}}
LAST_WEEK = timezone.now() - dt.timedelta(days=7)


@dataclass
class Observed:
    written: set[str]  # the tables the request wrote to
    logged: str  # every log record it made, with all their attributes
    sessions_kept: bool  # the stored sessions are as they were just before it


@dataclass
class Sent:
    appeal: Appeal
    account: Any  # who sent it: the submitter's own account, or the clerk who took down a note
    clerk: bool  # staff entering a note: kept, never shown (tests/test_page_api_parity.py)
    seen: Observed
    secrets: list[str]  # what must appear in no log record


def _session_client(user: Any) -> Client:
    client = Client(REMOTE_ADDR=IP, HTTP_USER_AGENT=AGENT, HTTP_X_FORWARDED_FOR=IP)
    client.force_login(user)
    return client


def _token(user: Any) -> tuple[ApiToken, dict[str, str]]:
    token, raw = ApiToken.issue(user=user, name="phone")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=LAST_WEEK)
    return token, {"Authorization": f"Bearer {raw}"}


def _sessions() -> list[tuple[str, str, dt.datetime]]:
    return list(
        Session.objects.order_by("session_key").values_list("session_key", "session_data", "expire_date")
    )


def _send(call: Callable[[], Any], caplog: pytest.LogCaptureFixture) -> tuple[Any, Observed]:
    before = _sessions()
    caplog.clear()
    with caplog.at_level(logging.DEBUG), CaptureQueriesContext(connection) as queries:
        response = call()
    written = {m.group(1).lower() for q in queries.captured_queries if (m := WRITE.match(q["sql"]))}
    logged = " ".join(
        r.getMessage() + " " + " ".join(str(v) for v in vars(r).values()) for r in caplog.records
    )
    return response, Observed(written, logged, _sessions() == before)


def employee_form(org: Org, caplog: pytest.LogCaptureFixture) -> Sent:
    client = _session_client(org.employee)
    data = {"text": "反映班组长克扣加班费", "identity": "anonymous", "idempotency_key": key()}
    response, seen = _send(lambda: client.post(reverse("appeal_new"), data), caplog)
    assert response.status_code == 200
    return Sent(Appeal.objects.get(), org.employee, False, seen, [IP, "DistinctiveDevice", "employee"])


def public_form(org: Org, caplog: pytest.LogCaptureFixture) -> Sent:
    client = Client(REMOTE_ADDR=IP, HTTP_USER_AGENT=AGENT, HTTP_X_FORWARDED_FOR=IP)
    data = {"text": "反映班组长克扣加班费", "idempotency_key": key()}
    response, seen = _send(lambda: client.post(reverse("appeal_public_new"), data), caplog)
    assert response.status_code == 200
    return Sent(Appeal.objects.get(), None, False, seen, [IP, "DistinctiveDevice"])


def _api_post(headers: dict[str, str], body: dict[str, Any]) -> Any:
    client = Client(REMOTE_ADDR=IP, HTTP_USER_AGENT=AGENT, HTTP_X_FORWARDED_FOR=IP)
    return client.post("/api/v1/appeals", json.dumps(body), content_type="application/json", headers=headers)


def api(org: Org, caplog: pytest.LogCaptureFixture) -> Sent:
    _, headers = _token(org.employee)
    body = {"text": "反映班组长克扣加班费", "anonymous": True, "idempotency_key": "retry-1"}
    response, seen = _send(lambda: _api_post(headers, body), caplog)
    assert response.status_code == 201, response.content
    secrets = [IP, "DistinctiveDevice", "employee", headers["Authorization"][7:]]
    return Sent(Appeal.objects.get(), org.employee, False, seen, secrets)


def staff_note_page(org: Org, caplog: pytest.LogCaptureFixture) -> Sent:
    client = _session_client(org.grid_member)
    data = {"text": "意见箱纸条：澡堂水温不稳", "channel": "box", "anonymous": "on", "idempotency_key": key()}
    response, seen = _send(lambda: client.post(reverse("appeal_staff_new"), data), caplog)
    assert response.status_code == 200
    return Sent(Appeal.objects.get(), org.grid_member, True, seen, [IP, "DistinctiveDevice", "grid"])


def staff_note_api(org: Org, caplog: pytest.LogCaptureFixture) -> Sent:
    _, headers = _token(org.secretary_a)
    body = {"text": "意见箱纸条：澡堂水温不稳", "anonymous": True, "channel": "box", "idempotency_key": "n-1"}
    response, seen = _send(lambda: _api_post(headers, body), caplog)
    assert response.status_code == 201, response.content
    secrets = [IP, "DistinctiveDevice", "secretary_a", headers["Authorization"][7:]]
    return Sent(Appeal.objects.get(), org.secretary_a, True, seen, secrets)


PATHS = {
    "employee_form": employee_form,
    "public_form": public_form,
    "api": api,
    "staff_note_page": staff_note_page,
    "staff_note_api": staff_note_api,
}


@pytest.mark.parametrize("path", PATHS)
def test_an_anonymous_submission_writes_nothing_else(
    org: Org, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    sent = PATHS[path](org, caplog)
    # No session saved, no token stamped, no access-log or audit row: nothing else written in the request
    # that a later reader could line up with the appeal's time.
    assert sent.seen.written == ALLOWED | ALSO_WRITTEN.get(path, set()), sent.seen.written
    assert sent.seen.sessions_kept
    assert set(ApiToken.objects.values_list("last_used_at", flat=True)) <= {LAST_WEEK}


@pytest.mark.parametrize("path", PATHS)
def test_nothing_stored_points_to_the_sender(org: Org, caplog: pytest.LogCaptureFixture, path: str) -> None:
    sent = PATHS[path](org, caplog)
    appeal = sent.appeal
    assert appeal.is_anonymous and appeal.submitter_id is None
    actors = set(AppealEvent.objects.filter(appeal=appeal).values_list("actor_id", flat=True))
    if sent.clerk:
        # The clerk who took down an unsigned note is kept (and never shown: tests/test_page_api_parity.py);
        # the note's writer is unknown to the system.
        assert appeal.entered_by == sent.account and actors == {sent.account.pk}
    else:
        assert appeal.entered_by_id is None and actors == {None}
    # The idempotency key is kept apart from the original, as a digest only, until it expires.
    stored = IdempotencyKey.objects.get(appeal=appeal)
    assert "retry-1" not in stored.digest and "n-1" not in stored.digest
    assert stored.expires_at - timezone.now() <= dt.timedelta(hours=24)
    values = " ".join(str(v) for v in Appeal.objects.filter(pk=appeal.pk).values().get().values())
    for secret in (IP, "DistinctiveDevice", "Android"):
        assert secret not in values
    if sent.account is not None and not sent.clerk:
        assert sent.account.get_username() not in values
        assert str(sent.account.person.employee_no) not in values


@pytest.mark.parametrize("path", PATHS)
def test_no_log_record_carries_the_sender(org: Org, caplog: pytest.LogCaptureFixture, path: str) -> None:
    sent = PATHS[path](org, caplog)
    for secret in sent.secrets:
        assert secret not in sent.seen.logged, secret


def test_an_anonymous_api_key_is_not_derived_from_the_account(org: Org) -> None:
    """The same key and words sent anonymously from another account find the same appeal: the stored key
    carries nothing of who sent it. (A named key is the sender's own: two callers never meet.)"""
    body = {"text": "反映班组长克扣加班费", "anonymous": True, "idempotency_key": "3f1c2a9e-retry"}
    first = _api_post(_token(org.employee)[1], body)
    again = _api_post(_token(org.grid_member)[1], body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and again.json()["receipt"] is None
    named = {"text": "建议增设班车", "idempotency_key": "3f1c2a9e-retry"}
    mine, theirs = _api_post(_token(org.employee)[1], named), _api_post(_token(org.grid_member)[1], named)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert Appeal.objects.count() == 3


def test_an_expired_key_no_longer_finds_its_appeal_and_is_purged(org: Org) -> None:
    from lianxin.appeals.services import idempotency_keys_purge

    headers = _token(org.employee)[1]
    body = {"text": "建议增设班车", "idempotency_key": "k-expiring"}
    first = _api_post(headers, body)
    assert _api_post(headers, body).json()["id"] == first.json()["id"]
    IdempotencyKey.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert idempotency_keys_purge() == 1 and not IdempotencyKey.objects.exists()
    later = _api_post(headers, body)
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]


def test_a_token_remembers_only_the_day_it_was_used(org: Org) -> None:
    token, headers = _token(org.employee)
    client = Client()
    assert client.get("/api/v1/appeals", headers=headers).status_code == 200
    token.refresh_from_db()
    used = timezone.localtime(token.last_used_at)
    assert used.date() == timezone.localdate() and (used.hour, used.minute, used.second) == (0, 0, 0)
    # A named submission is an ordinary use; an anonymous one leaves the stamp where it was.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=LAST_WEEK)
    assert _api_post(headers, {"text": "匿名：食堂卫生差", "anonymous": True}).status_code == 201
    token.refresh_from_db()
    assert token.last_used_at == LAST_WEEK
    assert _api_post(headers, {"text": "具名：食堂卫生差"}).status_code == 201
    token.refresh_from_db()
    assert (
        token.last_used_at is not None
        and timezone.localtime(token.last_used_at).date() == timezone.localdate()
    )
