"""The sidebar follows the user's roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from lianxin.org.models import SCOPE_ROLES, SENSITIVE_ROLES, Role
from lianxin.org.scope import own_person_id, roles_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    roles = roles_of(user)
    return {
        "nav": {
            "roles": roles,
            "has_file": own_person_id(user) is not None,
            "staff": bool(roles & SCOPE_ROLES),
            "secretary_up": bool(roles & SENSITIVE_ROLES),
            "can_import": bool(roles & {Role.DEPARTMENT, Role.SYSTEM_ADMIN}),
            "admin": bool(roles & {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}) or user.is_staff,
            "auditor": Role.AUDIT_ADMIN in roles,
        }
    }
