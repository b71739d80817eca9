"""Which appeals a user sees, and who may supervise or handle one.

The supervising levels (the secretary of the appeal's branch and above) always see an appeal, so a
handler can never intercept it (不截留). Anonymous appeals are seen by staff; they carry no person.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from lianxin.appeals.models import Appeal
from lianxin.org.models import SCOPE_ROLES, SENSITIVE_ROLES, Role, RoleAssignment, Unit
from lianxin.org.scope import UserLike, grants_of, own_person_id, scope_paths


def appeals_visible_to(user: UserLike) -> QuerySet[Appeal]:
    if user is None or not user.is_authenticated:
        return Appeal.objects.none()
    co_handled = Appeal.co_handlers.through.objects.filter(user=user).values("appeal_id")
    q = Q(handler=user) | Q(pk__in=co_handled) | Q(entered_by=user)
    for path in scope_paths(user, SENSITIVE_ROLES):
        q |= Q(unit__path__startswith=path)
    me = own_person_id(user)
    if me is not None:
        q |= Q(submitter_id=me)
    return Appeal.objects.filter(q)


def supervising_roles(user: UserLike, appeal: Appeal) -> set[str]:
    """The roles the user holds at the appeal's unit or above."""
    path = appeal.unit.path
    return {g.role for g in grants_of(user) if g.role in SENSITIVE_ROLES and path.startswith(g.path)}


def can_supervise(user: UserLike, appeal: Appeal) -> bool:
    return bool(supervising_roles(user, appeal))


# 三权分立: an administrator configures, manages accounts or audits; none of them handles an appeal.
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


def handler_candidates(appeal: Appeal) -> QuerySet[Any]:
    """Who may be made handler or co-handler of the appeal: active users holding a staff role at its unit,
    above it (who supervise it anyway) or below it (the branch's grid members). Nobody else: not another
    branch's secretary, not the informant or the counsellor, never an administrator or a superuser.

    The handling form offers these and appeal_assign / appeal_transfer refuse anyone else, so the page
    and the API cannot disagree about who may read an appeal by being made its handler."""
    path = appeal.unit.path
    staff = RoleAssignment.objects.filter(role__in=SCOPE_ROLES).filter(
        Q(unit__path__in=Unit.ancestor_paths(path)) | Q(unit__path__startswith=path)
    )
    admins = RoleAssignment.objects.filter(role__in=ADMIN_ROLES)
    return (
        get_user_model()
        .objects.filter(is_active=True, is_superuser=False, pk__in=staff.values("user_id"))
        .exclude(pk__in=admins.values("user_id"))
    )


def can_handle(user: UserLike, appeal: Appeal) -> bool:
    if can_supervise(user, appeal):
        return True
    if appeal.handler_id is not None and appeal.handler_id == getattr(user, "pk", None):
        return True
    return appeal.co_handlers.filter(pk=user.pk).exists()


def is_submitter(user: UserLike, appeal: Appeal) -> bool:
    me = own_person_id(user)
    return me is not None and appeal.submitter_id == me


def can_enter_on_behalf(user: UserLike) -> bool:
    """Staff who take suggestion-box notes, talks, hotline calls and surveys."""
    roles = {g.role for g in grants_of(user)}
    return bool(roles & {Role.GRID_MEMBER, Role.SECRETARY, Role.DEPARTMENT, Role.LEADERSHIP})
