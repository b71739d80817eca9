"""Failed logins lock an account at one address, an address, and an account from anywhere, apart: an
attacker cannot lock a user out, and a guesser spread over many addresses is stopped all the same."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from lianxin.guard import counters
from tests.factories import PASSWORD, Org
from tests.services import require_redis

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
LOCKED_OUT = "登录失败次数过多"
PROXY = "10.0.0.5"
OWN_DESK = "198.51.100.10"


@pytest.fixture(params=["database", "redis"])
def store(request: pytest.FixtureRequest, settings: Any) -> Iterator[str]:
    """The counters in the database, or in Redis database 13 (only this test's keys are removed after)."""
    if request.param == "database":
        settings.GUARD_REDIS_URL = ""
        yield "database"
        return
    url = require_redis().rsplit("/", 1)[0] + "/13"
    settings.GUARD_REDIS_URL = url
    client = counters._redis(url)
    before = set(client.scan_iter(f"{counters.PREFIX}login-*"))
    yield "redis"
    for created in set(client.scan_iter(f"{counters.PREFIX}login-*")) - before:
        client.delete(created)


class Attempt(NamedTuple):
    status_code: int
    page: str
    logged_in: bool


def attempt(username: str, password: str, address: str) -> Attempt:
    """A login through the proxy (TRUSTED_PROXIES=1) from `address`."""
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)
    response = client.post(LOGIN, {"username": username, "password": password})
    return Attempt(response.status_code, response.content.decode(), "_auth_user_id" in client.session)


@pytest.fixture(autouse=True)
def _behind_the_proxy(settings: Any) -> None:
    settings.TRUSTED_PROXIES = 1
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 20
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 30
    settings.LOGIN_ACCOUNT_LOCK_MINUTES = 5


def test_failures_from_one_address_lock_only_that_address_for_that_account(org: Org, store: str) -> None:
    for n in range(5):
        attempt("employee", f"wrong-{n}", "203.0.113.9")
    refused = attempt("employee", PASSWORD, "203.0.113.9")
    assert refused.status_code == 429 and LOCKED_OUT in refused.page and not refused.logged_in
    # Before, every client behind nginx shared the proxy's address and this locked the user out.
    assert attempt("employee", PASSWORD, OWN_DESK).logged_in
    assert attempt("grid", PASSWORD, "203.0.113.9").logged_in


def test_forty_failures_from_ten_addresses_lock_the_account_but_not_its_owner(org: Org, store: str) -> None:
    assert attempt("employee", PASSWORD, OWN_DESK).logged_in  # the owner's usual address
    for n in range(40):
        page = attempt("employee", f"wrong-{n}", f"203.0.113.{n % 10}")
        assert not page.logged_in
    # Four failures per address lock no address pair; the account count does, from everywhere else.
    refused = attempt("employee", PASSWORD, "192.0.2.77")
    assert refused.status_code == 429 and not refused.logged_in
    assert "5 分钟" in refused.page
    assert attempt("employee", PASSWORD, OWN_DESK).logged_in


def test_the_account_lock_is_short_and_each_further_failure_renews_it(org: Org, settings: Any) -> None:
    settings.GUARD_REDIS_URL = ""
    with time_machine.travel(dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        for n in range(30):
            attempt("employee", f"wrong-{n}", f"203.0.113.{n}")
        assert not attempt("employee", PASSWORD, "192.0.2.77").logged_in
        clock.shift(dt.timedelta(minutes=6))
        attempt("employee", "wrong-again", "203.0.113.200")  # still in the window: locked again at once
        assert not attempt("employee", PASSWORD, "192.0.2.77").logged_in
        clock.shift(dt.timedelta(minutes=6))
        assert attempt("employee", PASSWORD, "192.0.2.77").logged_in


def test_an_address_trying_many_accounts_is_locked(org: Org, store: str) -> None:
    for n in range(20):
        attempt(f"someone-{n}", "wrong", "203.0.113.9")
    assert not attempt("grid", PASSWORD, "203.0.113.9").logged_in
    assert attempt("grid", PASSWORD, OWN_DESK).logged_in


def test_a_forged_header_does_not_spread_failures_over_addresses(org: Org, settings: Any) -> None:
    settings.TRUSTED_PROXIES = 0  # the app faces clients directly: X-Forwarded-For is theirs to write
    for n in range(5):
        Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").post(
            LOGIN, {"username": "employee", "password": "wrong"}
        )
    client = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert client.post(LOGIN, {"username": "employee", "password": PASSWORD}).status_code == 429


def test_the_security_administrator_can_lift_a_lock(org: Org) -> None:
    for n in range(30):
        attempt("employee", f"wrong-{n}", f"203.0.113.{n}")
    assert not attempt("employee", PASSWORD, "192.0.2.77").logged_in
    call_command("axes_reset_username", "employee")
    assert attempt("employee", PASSWORD, "192.0.2.77").logged_in
