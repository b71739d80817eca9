"""Scope is the security model: which units and people a user may see.

A user sees the union of the subtrees where they hold a scope role, a grid member also sees the people
paired with them, and everyone sees their own file. Every list goes through these queryset helpers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from lianxin.org.models import SCOPE_ROLES, SENSITIVE_ROLES, Pairing, Person, Role, RoleAssignment, Unit

UserLike = Any  # a User or AnonymousUser


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: int
    path: str
    informant_kind: str


def _minimal(paths: set[str]) -> list[str]:
    """Drop paths that lie inside another path of the set."""
    kept: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def grants_of(user: UserLike) -> list[Grant]:
    """The user's role assignments, loaded once per user object."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return []
    cached: list[Grant] | None = getattr(user, "_lianxin_grants", None)
    if cached is None:
        cached = [
            Grant(role, unit_id, path, kind)
            for role, unit_id, path, kind in RoleAssignment.objects.filter(user=user).values_list(
                "role", "unit_id", "unit__path", "informant_kind"
            )
        ]
        user._lianxin_grants = cached
    return cached


def roles_of(user: UserLike) -> set[str]:
    return {g.role for g in grants_of(user)}


def scope_paths(user: UserLike, roles: frozenset[str] = SCOPE_ROLES) -> list[str]:
    return _minimal({g.path for g in grants_of(user) if g.role in roles})


def own_person_id(user: UserLike) -> int | None:
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(user, "_lianxin_person_id"):
        user._lianxin_person_id = Person.objects.filter(user=user).values_list("pk", flat=True).first()
    pid: int | None = user._lianxin_person_id
    return pid


def _paths_q(paths: list[str], prefix: str) -> Q | None:
    q: Q | None = None
    for path in paths:
        part = Q(**{f"{prefix}path__startswith": path})
        q = part if q is None else q | part
    return q


def paths_q(paths: list[str], prefix: str = "") -> Q:
    """Rows whose unit (reached through `prefix`) lies in any of the subtrees; nothing when there are none."""
    return _paths_q(paths, prefix) or Q(pk__in=[])


def units_visible_to(user: UserLike) -> QuerySet[Unit]:
    q = _paths_q(scope_paths(user), "")
    return Unit.objects.filter(q) if q is not None else Unit.objects.none()


def people_visible_to(user: UserLike) -> QuerySet[Person]:
    q = _paths_q(scope_paths(user), "unit__")
    me = own_person_id(user)
    if me is not None:
        own = Q(pk=me)
        q = own if q is None else q | own
        if Role.GRID_MEMBER in roles_of(user):
            paired = Pairing.objects.active().filter(contact_id=me).values("person_id")
            q = q | Q(pk__in=paired)
    return Person.objects.filter(q) if q is not None else Person.objects.none()


def can_see_sensitive(user: UserLike, person: Person) -> bool:
    """The person themself, or the secretary of their branch and above."""
    if person.user_id is not None and person.user_id == getattr(user, "pk", None):
        return True
    unit_path = person.unit.path
    return any(unit_path.startswith(p) for p in scope_paths(user, SENSITIVE_ROLES))


def can_decide_corrections(user: UserLike, person: Person) -> bool:
    """Corrections are decided by the secretary of the person's branch or above, never by the person."""
    if person.user_id is not None and person.user_id == getattr(user, "pk", None):
        return False
    unit_path = person.unit.path
    return any(unit_path.startswith(p) for p in scope_paths(user, SENSITIVE_ROLES))


def has_role(user: UserLike, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))
