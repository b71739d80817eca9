"""In-app notices for appeals: a red grade alerts the branch secretary, the party-mass department and
leadership at once; an escalation alerts the level it reaches. Each notice is a recorded row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals.codes import Level
from lianxin.appeals.models import Appeal, Notification
from lianxin.org.models import Role, RoleAssignment, Unit

LEVEL_ROLES = {
    Level.SECRETARY: Role.SECRETARY,
    Level.DEPARTMENT: Role.DEPARTMENT,
    Level.LEADERSHIP: Role.LEADERSHIP,
}


def users_at_level(appeal: Appeal, level: int) -> list[int]:
    """The users who supervise the appeal at `level`: that role held at the appeal's unit or above."""
    if level == Level.HANDLER:
        return [appeal.handler_id] if appeal.handler_id else []
    role = LEVEL_ROLES[Level(level)]
    return sorted(
        set(
            RoleAssignment.objects.filter(
                role=role, unit__path__in=Unit.ancestor_paths(appeal.unit.path)
            ).values_list("user_id", flat=True)
        )
    )


class LevelDirectory:
    """Every supervising role assignment, loaded once, for sweeps that notify many appeals at a time."""

    def __init__(self) -> None:
        self._by_role: dict[str, dict[str, set[int]]] = {role: {} for role in LEVEL_ROLES.values()}
        rows = RoleAssignment.objects.filter(role__in=list(LEVEL_ROLES.values())).values_list(
            "role", "unit__path", "user_id"
        )
        for role, path, user_id in rows:
            self._by_role[role].setdefault(path, set()).add(user_id)

    def users(self, appeal: Appeal, level: int) -> list[int]:
        if level == Level.HANDLER:
            return [appeal.handler_id] if appeal.handler_id else []
        return self.users_at_path(appeal.unit.path, level)

    def users_at_path(self, unit_path: str, level: int) -> list[int]:
        """The users holding the supervising role of `level` (secretary and above) at the unit with this
        path or above; other apps with their own escalation chains (care due items) use this."""
        paths = self._by_role[LEVEL_ROLES[Level(level)]]
        return sorted({uid for prefix in Unit.ancestor_paths(unit_path) for uid in paths.get(prefix, ())})


def level_message(appeal: Appeal, level: int, *, kind: str) -> str:
    if kind == "escalated":
        message = _("诉求 %(n)s 已逾期，升级至%(level)s督办。")
    else:
        message = _("诉求 %(n)s 重新办理，由%(level)s督办。")
    return (message % {"n": appeal.number, "level": Level(level).label})[:300]


def _send(appeal: Appeal, user_ids: list[int], kind: str, message: str) -> list[int]:
    Notification.objects.bulk_create(
        [Notification(user_id=uid, appeal=appeal, kind=kind, message=message[:300]) for uid in user_ids]
    )
    return user_ids


def notify_red(appeal: Appeal) -> list[int]:
    recipients = sorted(
        {
            uid
            for level in (Level.SECRETARY, Level.DEPARTMENT, Level.LEADERSHIP)
            for uid in users_at_level(appeal, level)
        }
    )
    message = _("红色诉求 %(n)s：请在 2 小时内响应。") % {"n": appeal.number}
    return _send(appeal, recipients, "red", message)


def notify_level(appeal: Appeal, level: int, *, kind: str) -> list[int]:
    return _send(appeal, users_at_level(appeal, level), kind, level_message(appeal, level, kind=kind))


def notifications_mark_read(*, user: Any, ids: Sequence[int] | None = None) -> int:
    """Mark the user's unread notices read (all of them, or only `ids`); returns how many changed."""
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())


def unread_count(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
