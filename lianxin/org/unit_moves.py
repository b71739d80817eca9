"""Moving a unit in the tree: the system administrator asks, the party-mass department approves.

A move changes who reads the files under the unit (a branch secretary's subtree), so it never happens
silently: the request, the decision and the move itself are audit events, and a pending request shows on
the department's pages until it is decided.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.audit.models import EventKind
from lianxin.audit.services import audit_event_record
from lianxin.org.admins import refuse
from lianxin.org.models import Role, Unit, UnitMove, UnitMoveStatus
from lianxin.org.scope import UserLike, has_role, scope_paths

DECIDING_ROLES = frozenset({Role.DEPARTMENT})


def can_request_move(user: UserLike) -> bool:
    return bool(user.is_active and (user.is_superuser or has_role(user, Role.SYSTEM_ADMIN)))


def _covers(paths: list[str], unit_path: str) -> bool:
    return any(unit_path.startswith(p) for p in paths)


def can_decide(user: UserLike, move: UnitMove) -> bool:
    """The department, where its scope holds both the unit and its new parent."""
    paths = scope_paths(user, DECIDING_ROLES)
    return _covers(paths, move.unit.path) and _covers(paths, move.new_parent.path)


def moves_visible_to(user: UserLike) -> QuerySet[UnitMove]:
    """The requests the user may decide (and the decided ones in the same scope)."""
    q = Q(pk__in=[])
    for path in scope_paths(user, DECIDING_ROLES):
        q |= Q(unit__path__startswith=path)
    return UnitMove.objects.filter(q).select_related("unit", "new_parent", "requested_by", "decided_by")


def pending_count(user: UserLike) -> int:
    if not has_role(user, *DECIDING_ROLES):
        return 0
    return moves_visible_to(user).filter(status=UnitMoveStatus.PENDING).count()


def unit_move_for(user: UserLike, pk: int) -> UnitMove:
    try:
        move = moves_visible_to(user).get(pk=pk)
    except (UnitMove.DoesNotExist, ValueError, TypeError):
        raise Http404("unit move") from None
    if not can_decide(user, move):
        raise Http404("unit move")
    return move


def _parent_label(unit: Unit) -> str:
    parent = unit.get_parent()
    return parent.path_label() if parent is not None else "—"


def move_problem(*, unit: Unit, new_parent: Unit, reason: str) -> str | None:
    """Why this move cannot be asked for, or None; the admin form shows the same message."""
    if new_parent.pk == unit.pk or new_parent.path.startswith(unit.path):
        return _("不能把单位调整到它自己或其下级单位之下。")
    parent = unit.get_parent()
    if parent is not None and parent.pk == new_parent.pk:
        return _("该单位已在所选上级之下。")
    if UnitMove.objects.filter(unit=unit, status=UnitMoveStatus.PENDING).exists():
        return _("该单位已有待审批的调整申请。")
    if not reason.strip():
        return _("请说明调整理由。")
    return None


def unit_move_request(
    *, actor: UserLike, unit: Unit, new_parent: Unit, reason: str, ip: str | None
) -> UnitMove:
    """Ask to move `unit` under `new_parent`; nothing moves until the department approves."""
    if not can_request_move(actor):
        refuse(
            actor=actor,
            kind=EventKind.UNIT_MOVE,
            reason=_("只有系统管理员可以申请调整单位。"),
            target=unit,
            ip=ip,
        )
    problem = move_problem(unit=unit, new_parent=new_parent, reason=reason)
    if problem:
        raise ValidationError(problem)
    with transaction.atomic():
        move = UnitMove.objects.create(
            unit=unit,
            from_label=_parent_label(unit),
            new_parent=new_parent,
            reason=reason.strip(),
            requested_by=actor,
        )
        audit_event_record(
            kind=EventKind.UNIT_MOVE,
            actor=actor,
            target=unit,
            detail={
                "action": "request",
                "move": move.pk,
                "from": move.from_label,
                "to": new_parent.path_label(),
            },
            ip=ip,
        )
    return move


def unit_move_decide(
    *, actor: UserLike, move: UnitMove, approve: bool, reason: str = "", ip: str | None
) -> UnitMove:
    """The department approves (the unit moves now) or declines (with a reason)."""
    if not can_decide(actor, move):
        refuse(
            actor=actor,
            kind=EventKind.UNIT_MOVE,
            reason=_("只有党群工作部可以审批单位调整。"),
            target=move.unit,
            ip=ip,
        )
    if not approve and not reason.strip():
        raise ValidationError(_("不予批准时请说明理由。"))
    with transaction.atomic():
        move = UnitMove.objects.select_for_update().select_related("unit", "new_parent").get(pk=move.pk)
        if move.status != UnitMoveStatus.PENDING:
            raise ValidationError(_("该申请已处理。"))
        if approve:
            new_parent = Unit.objects.get(pk=move.new_parent_id)
            if new_parent.path.startswith(move.unit.path):
                raise ValidationError(_("不能把单位调整到它自己或其下级单位之下。"))
            Unit.objects.move(move.unit, new_parent, pos="last-child")
        move.status = UnitMoveStatus.APPROVED if approve else UnitMoveStatus.DECLINED
        move.decided_by = actor
        move.decided_at = timezone.now()
        move.decision_reason = reason.strip()
        move.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit_event_record(
            kind=EventKind.UNIT_MOVE,
            actor=actor,
            target=move.unit,
            detail={
                "action": "approve" if approve else "decline",
                "move": move.pk,
                "from": move.from_label,
                "to": move.new_parent.path_label(),
            },
            ip=ip,
        )
    return move
