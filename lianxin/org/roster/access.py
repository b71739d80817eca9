"""Who may import rosters, and the access helper for one import record."""

from __future__ import annotations

from django.http import Http404

from lianxin.org.models import Role, RosterImport
from lianxin.org.scope import UserLike, has_role

IMPORT_ROLES = (Role.DEPARTMENT, Role.SYSTEM_ADMIN)


def can_import(user: UserLike) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and has_role(user, *IMPORT_ROLES)


def roster_import_for(user: UserLike, pk: int) -> RosterImport:
    """The user's own import; anyone else's, a missing one, or a user who may not import: 404."""
    if not can_import(user):
        raise Http404("roster import")
    try:
        return RosterImport.objects.get(pk=pk, created_by=user)
    except (RosterImport.DoesNotExist, ValueError, TypeError):
        raise Http404("roster import") from None
