"""Who sees and runs consultation meetings: the secretary of a branch convenes for the branch, the party-mass
department and leadership for the enterprise, and each sees the meetings held in their subtree."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from lianxin.consult.models import Meeting
from lianxin.org.models import SCOPE_ROLES, SENSITIVE_ROLES, RoleAssignment, Unit
from lianxin.org.scope import UserLike, grants_of, scope_paths


def meetings_visible_to(user: UserLike) -> QuerySet[Meeting]:
    paths = scope_paths(user, SENSITIVE_ROLES)
    if not paths:
        return Meeting.objects.none()
    q = Q()
    for path in paths:
        q |= Q(unit__path__startswith=path)
    return Meeting.objects.filter(q)


def convening_units(user: UserLike) -> QuerySet[Unit]:
    """The units a user may convene for: those where they hold the secretary role or above."""
    ids = {g.unit_id for g in grants_of(user) if g.role in SENSITIVE_ROLES}
    return Unit.objects.filter(pk__in=ids).order_by("path")


def can_convene(user: UserLike, unit: Unit) -> bool:
    return any(g.unit_id == unit.pk and g.role in SENSITIVE_ROLES for g in grants_of(user))


def runs(user: UserLike, meeting: Meeting) -> bool:
    """Whoever supervises the meeting's unit may run it: add items, record decisions, hold and close it."""
    return any(meeting.unit.path.startswith(p) for p in scope_paths(user, SENSITIVE_ROLES))


def people_for(meeting: Meeting) -> QuerySet[Any]:
    """Who may attend or be charged with a decision: active users holding a working role in the meeting's
    unit, below it, or above it (the department and leadership)."""
    unit_path = meeting.unit.path
    holders = RoleAssignment.objects.filter(role__in=list(SCOPE_ROLES)).filter(
        Q(unit__path__startswith=unit_path) | Q(unit__path__in=Unit.ancestor_paths(unit_path))
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=holders.values("user_id"))
        .select_related("person")
        .order_by("username")
    )
