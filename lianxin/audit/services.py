"""Writing to the audit store: the access log and the audit events."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model

from lianxin.audit.models import AccessLog, AuditEvent
from lianxin.guard.client import client_ip as client_ip  # the logged address honours TRUSTED_PROXIES
from lianxin.org.models import Person
from lianxin.org.scope import UserLike


def access_log_record(
    *, actor: UserLike, person: Person, sections: Iterable[str], ip: str | None, channel: str = "web"
) -> AccessLog:
    return AccessLog.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        person=person,
        sections=sorted(set(sections)),
        ip_address=ip,
        channel=channel,
    )


def access_log_record_many(
    *,
    actor: UserLike,
    people: Iterable[Person],
    sections: Iterable[str],
    ip: str | None,
    channel: str = "web",
) -> int:
    """One row per person shown on a list that reveals a restricted section (key status, for one), in a
    single INSERT. Returns how many were written."""
    who = actor if getattr(actor, "is_authenticated", False) else None
    shown = sorted(set(sections))
    rows = [
        AccessLog(actor=who, person=person, sections=shown, ip_address=ip, channel=channel)
        for person in people
    ]
    return len(AccessLog.objects.bulk_create(rows))


def target_label(obj: Model | None) -> str:
    """How an audit row names what was acted on: 'app.model:pk text'."""
    if obj is None:
        return ""
    return f"{obj._meta.label_lower}:{obj.pk} {obj}"[:200]


def audit_event_record(
    *,
    kind: str,
    actor: UserLike = None,
    target: Model | str | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
    refused: bool = False,
    username: str = "",
) -> AuditEvent:
    """Append one audit event. A refusal is recorded by the caller before it raises, outside the
    transaction that is rolled back, so the attempt stays on record."""
    who = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        kind=kind,
        actor=who,
        username=(username or (who.get_username() if who is not None else ""))[:150],
        target=target if isinstance(target, str) else target_label(target),
        detail=detail or {},
        ip_address=ip,
        refused=refused,
    )


def data_read_record(
    *,
    kind: str,
    actor: UserLike,
    what: str,
    rows: int,
    filters: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """An export (EventKind.EXPORT) or a page of a list of people (EventKind.LIST_READ): which data, how
    many rows and with which filters; never the content."""
    return audit_event_record(
        kind=kind, actor=actor, target=what, detail={"rows": rows, "filters": filters or {}}, ip=ip
    )


def query_filters(params: Any) -> dict[str, Any]:
    """A request's query parameters as recorded with a list read or export (the page number left out)."""
    return {key: values[0] if len(values) == 1 else values for key, values in params.lists() if key != "page"}
