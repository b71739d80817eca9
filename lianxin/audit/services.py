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
