"""The access helper for warnings: the warning within the user's reach, or 404.

Secretaries and above read and act on the warnings of their subtree; a grid member reads and works on
only the warnings they answer for; employees never see one. Missing and forbidden are the same 404."""

from __future__ import annotations

from django.http import Http404

from lianxin.insight.models import Warning
from lianxin.insight.warnings import (
    RESPONSIBLE_ROLES,
    can_handle_warning,
    can_supervise_warning,
    warnings_visible_to,
)
from lianxin.org.models import Role
from lianxin.org.scope import UserLike, roles_of, scope_paths

DEPARTMENT = frozenset({Role.DEPARTMENT})


def may_see_warnings(user: UserLike) -> bool:
    """Staff only: an employee never reaches a warning page, even one naming them."""
    return bool(roles_of(user) & RESPONSIBLE_ROLES)


def warning_for(user: UserLike, pk: int, *, write: bool = False, supervise: bool = False) -> Warning:
    """write: the user may take it up and record disposal (supervisor or responsible staff);
    supervise: the secretary of the warning's unit and above (assign, close)."""
    if not may_see_warnings(user):
        raise Http404("warning")
    try:
        warning = (
            warnings_visible_to(user)
            .select_related("unit", "person", "person__unit", "appeal", "responsible", "closed_by")
            .get(pk=pk)
        )
    except (Warning.DoesNotExist, ValueError, TypeError):
        raise Http404("warning") from None
    if supervise and not can_supervise_warning(user, warning):
        raise Http404("warning")
    if write and not can_handle_warning(user, warning):
        raise Http404("warning")
    return warning


def may_see_statistics(user: UserLike, warning: Warning) -> bool:
    """The statistical basis of a warning (p-values, codes, ISO weeks and spans) is the working material of
    the party-mass department over the warning's unit; secretaries and leaders read the briefing. The page
    and the API both ask here."""
    path = warning.unit.path
    return any(path.startswith(p) for p in scope_paths(user, DEPARTMENT))
