"""Writing to the access log."""

from __future__ import annotations

from collections.abc import Iterable

from lianxin.audit.models import AccessLog
from lianxin.org.models import Person
from lianxin.org.scope import UserLike


def client_ip(meta: dict[str, str]) -> str | None:
    """REMOTE_ADDR; behind the reverse proxy it is set from X-Forwarded-For by the proxy itself."""
    return meta.get("REMOTE_ADDR") or None


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
