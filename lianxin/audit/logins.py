"""Logins, failed logins and logouts go to the audit events, from Django's own authentication signals
(sent by every login path: the login page, the admin's login and any other call to authenticate)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from lianxin.audit.models import EventKind
from lianxin.audit.services import audit_event_record, client_ip


def _ip(request: HttpRequest | None) -> str | None:
    return client_ip(request.META) if request is not None else None


def on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_event_record(kind=EventKind.LOGIN, actor=user, target=user, ip=_ip(request))


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked the password in `credentials`; only the name given is kept.
    username = str(credentials.get("username") or "")
    audit_event_record(kind=EventKind.LOGIN_FAILED, username=username, ip=_ip(request), refused=True)


def on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_event_record(kind=EventKind.LOGOUT, actor=user, target=user, ip=_ip(request))


def connect() -> None:
    user_logged_in.connect(on_login, dispatch_uid="lianxin.audit.login")
    user_login_failed.connect(on_login_failed, dispatch_uid="lianxin.audit.login_failed")
    user_logged_out.connect(on_logout, dispatch_uid="lianxin.audit.logout")
