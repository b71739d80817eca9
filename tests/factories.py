"""Test data: a small organisation with one user per persona, and factories for bulk people."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model

from lianxin.org.models import (
    InformantKind,
    Pairing,
    Person,
    PoliticalStatus,
    Role,
    RoleAssignment,
    Unit,
    UnitKind,
)

User = get_user_model()
PASSWORD = "Lianxin-test-2026"
_numbers = itertools.count(1)


_KIND_DEFAULTS = {
    "enterprise": ("企业/党委", 0, False),
    "department": ("部门", 1, False),
    "district": ("区队", 1, False),
    "branch": ("党支部", 1, True),
    "team": ("班组", 2, False),
    "party_group": ("党小组", 2, False),
}


def kind(code: str) -> UnitKind:
    # get_or_create: a transactional test's flush removes the kinds the data migration shipped.
    name, level, is_branch = _KIND_DEFAULTS[code]
    found, _ = UnitKind.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "is_branch": is_branch}
    )
    return found


def make_unit(name: str, kind_code: str, parent: Unit | None = None, **extra: Any) -> Unit:
    fields = {"name": name, "kind": kind(kind_code), **extra}
    if parent is None:
        unit: Unit = Unit.objects.add_root(instance=Unit(**fields))
    else:
        unit = Unit.objects.add_child(parent, instance=Unit(**fields))
    return unit


def make_person(unit: Unit, name: str = "", **extra: Any) -> Person:
    number = next(_numbers)
    fields: dict[str, Any] = {
        "employee_no": f"T{number:06d}",
        "name": name or f"测试{number}",
        "unit": unit,
        "political_status": PoliticalStatus.MASSES,
        **extra,
    }
    return Person.objects.create(**fields)


def make_user(username: str, person: Person | None = None, **roles: Unit) -> Any:
    user = User.objects.create_user(username=username, password=PASSWORD)
    if person is not None:
        person.user = user
        person.save(update_fields=["user"])
    for role, unit in roles.items():
        RoleAssignment.objects.create(
            user=user,
            role=role,
            unit=unit,
            informant_kind=InformantKind.THOUGHT if role == Role.INFORMANT else "",
        )
    return user


@dataclass
class Org:
    root: Unit
    branch_a: Unit
    grid_a1: Unit
    grid_a2: Unit
    branch_b: Unit
    grid_b1: Unit
    employee_person: Person
    grid_person: Person
    paired_person: Person  # in branch A's other grid, paired with the grid member
    stranger: Person  # in branch B
    secretary_a_person: Person
    employee: Any
    grid_member: Any
    secretary_a: Any
    secretary_b: Any
    department: Any
    leader: Any
    auditor: Any
    informant: Any


def build_org() -> Org:
    """电厂党委 → 运维部党支部 (运行一班, 运行二班), 检修部党支部 (检修一班), with seven personas."""
    root = make_unit("示范电厂", "enterprise", party_name="示范电厂党委")
    branch_a = make_unit("运维部", "branch", root, party_name="运维部党支部")
    grid_a1 = make_unit("运行一班", "team", branch_a, is_grid=True)
    grid_a2 = make_unit("运行二班", "team", branch_a, is_grid=True)
    branch_b = make_unit("检修部", "branch", root, party_name="检修部党支部")
    grid_b1 = make_unit("检修一班", "team", branch_b, is_grid=True)
    employee_person = make_person(
        grid_a1, "张伟", health_notes="高血压", is_key_person=True, key_person_reason="家庭变故"
    )
    grid_person = make_person(grid_a1, "李娜", political_status=PoliticalStatus.CPC_MEMBER)
    paired_person = make_person(grid_a2, "王芳")
    stranger = make_person(grid_b1, "刘洋", hardship_details="子女大病")
    secretary_a_person = make_person(branch_a, "陈静", political_status=PoliticalStatus.CPC_MEMBER)
    Pairing.objects.create(contact=grid_person, person=paired_person)
    return Org(
        root=root,
        branch_a=branch_a,
        grid_a1=grid_a1,
        grid_a2=grid_a2,
        branch_b=branch_b,
        grid_b1=grid_b1,
        employee_person=employee_person,
        grid_person=grid_person,
        paired_person=paired_person,
        stranger=stranger,
        secretary_a_person=secretary_a_person,
        employee=make_user("employee", employee_person, employee=grid_a1),
        grid_member=make_user("grid", grid_person, grid_member=grid_a1),
        secretary_a=make_user("secretary_a", secretary_a_person, secretary=branch_a),
        secretary_b=make_user("secretary_b", secretary=branch_b),
        department=make_user("department", department=root),
        leader=make_user("leader", leadership=root),
        auditor=make_user("auditor", audit_admin=root),
        informant=make_user("informant", informant=branch_a),
    )
