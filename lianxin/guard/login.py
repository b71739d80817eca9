"""Login lockouts for django-axes (AXES_HANDLER), on the shared counters, by account and by address apart.

Three counts of failed logins, each with its own limit:

- one account from one address: AXES_FAILURE_LIMIT failures lock that pair for AXES_COOLOFF_TIME; the same
  person at another desk, and everyone else at this address, are not affected;
- one address, whatever the accounts: LOGIN_ADDRESS_FAILURE_LIMIT failures lock the address as long;
- one account, from anywhere: LOGIN_ACCOUNT_FAILURE_LIMIT failures (far more) lock it for the shorter
  LOGIN_ACCOUNT_LOCK_MINUTES, and every further failure in the window locks it again: a guesser spread
  over many addresses is slowed to a guess every few minutes. The lock does not apply at an address the
  account has signed in from in the last LOGIN_KNOWN_ADDRESS_DAYS, so failures from elsewhere cannot keep
  its owner out.

Each lock is a counter with an expiry; no store keeps an address or an account name (lianxin.guard.counters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from axes.handlers.base import AbstractAxesHandler, AxesBaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.signals import user_locked_out
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lianxin.guard import counters
from lianxin.guard.client import client_ip


@dataclass(frozen=True)
class Rule:
    scope: str
    limit: int
    window: int  # seconds over which failures add up
    lock: int  # seconds a lock lasts


def _seconds(minutes: float) -> int:
    return int(minutes * 60)


def rules() -> dict[str, Rule]:
    cool_off = int(get_cool_off().total_seconds()) if get_cool_off() else 1800
    account_lock = _seconds(settings.LOGIN_ACCOUNT_LOCK_MINUTES)
    return {
        "pair": Rule("login-pair", settings.AXES_FAILURE_LIMIT, cool_off, cool_off),
        "address": Rule("login-address", settings.LOGIN_ADDRESS_FAILURE_LIMIT, cool_off, cool_off),
        "account": Rule("login-account", settings.LOGIN_ACCOUNT_FAILURE_LIMIT, cool_off, account_lock),
    }


def _subjects(username: str, address: str) -> dict[str, tuple[str, ...]]:
    return {"pair": (username, address), "address": (address,), "account": (username,)}


def _who(request: Any, credentials: dict[str, Any] | None) -> tuple[str, str]:
    username = get_client_username(request, credentials) or ""
    address = getattr(request, "axes_ip_address", None) or client_ip(request.META) or ""
    return str(username), str(address)


def _known(username: str, address: str) -> bool:
    return counters.peek(counters.key("login-known", username, address)) > 0


def active_lock(request: Any, credentials: dict[str, Any] | None) -> Rule | None:
    """The lock that refuses this login now, if any (the longest one when several apply)."""
    username, address = _who(request, credentials)
    found = []
    for name, rule in rules().items():
        if name == "account" and (not username or _known(username, address)):
            continue
        if name != "account" and not address:
            continue
        if counters.peek(counters.key(rule.scope + "-lock", *_subjects(username, address)[name])) > 0:
            found.append(rule)
    return max(found, key=lambda rule: rule.lock, default=None)


class LoginGuardHandler(AbstractAxesHandler, AxesBaseHandler):  # type: ignore[misc]
    """django-axes' storage and decisions, on lianxin.guard's counters."""

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        lock = active_lock(request, credentials)
        if lock is not None:
            request.lianxin_lock_seconds = lock.lock
        return lock is not None

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        username, address = _who(request, credentials)
        return counters.peek(counters.key("login-pair", username, address))

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        if request is None or self.is_whitelisted(request, credentials):
            return
        username, address = _who(request, credentials)
        if getattr(request, "axes_locked_out", False):
            # Refused while locked: not counted, so a lock is not stretched by the guesses it refuses.
            user_locked_out.send("axes", request=request, username=username, ip_address=address)
            return
        moment = counters.now()
        locked: list[int] = []
        for name, parts in _subjects(username, address).items():
            rule = rules()[name]
            if not all(parts):
                continue
            failures = counters.hit(counters.key(rule.scope, *parts), expires_at=moment + rule.window)
            if failures >= rule.limit:
                lock = counters.key(rule.scope + "-lock", *parts)
                counters.clear(lock)
                counters.hit(lock, expires_at=moment + rule.lock)
                if name != "account" or not _known(username, address):
                    locked.append(rule.lock)
        if locked:
            request.lianxin_lock_seconds = max(locked)
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send("axes", request=request, username=username, ip_address=address)

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        username, address = user.get_username(), _who(request, None)[1]
        if not address:
            return
        days = settings.LOGIN_KNOWN_ADDRESS_DAYS
        known = counters.key("login-known", username, address)
        counters.clear(known)
        counters.hit(known, expires_at=counters.now() + days * 86400)
        if settings.AXES_RESET_ON_SUCCESS:
            counters.clear(*(counters.key(s, username, address) for s in ("login-pair", "login-pair-lock")))

    def user_logged_out(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        return None

    def reset_attempts(
        self, *, ip_address: str | None = None, username: str | None = None, ip_or_username: bool = False
    ) -> int:
        """`axes_reset_ip` / `axes_reset_username`: lift the address's or the account's lock and count
        (a pair's needs both)."""
        names: list[str] = []
        for name, rule in rules().items():
            parts = _subjects(username or "", ip_address or "")[name]
            if all(parts):
                names += [counters.key(rule.scope, *parts), counters.key(rule.scope + "-lock", *parts)]
        if names:
            counters.clear(*names)
        return len(names) // 2


def lockout_response(request: HttpRequest, original_response: Any, credentials: Any) -> HttpResponse:
    """The locked-out page, saying how long the lock that applies lasts (AXES_LOCKOUT_CALLABLE)."""
    seconds = getattr(request, "lianxin_lock_seconds", None) or rules()["pair"].lock
    minutes = max(1, -(-seconds // 60))
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
