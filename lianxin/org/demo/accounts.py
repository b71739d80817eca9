"""The demo's logins: one per persona, all with the published demo password.

The three administrators are kept apart (三权分立): the system administrator configures, the security
administrator manages accounts, roles and tokens, and the audit administrator only reads the access log.
None of them is a superuser, and none holds a role that shows people's files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password

from lianxin.org.admins import ADMIN_ROLES, admin_role_grant
from lianxin.org.demo import DEMO_PASSWORD
from lianxin.org.models import InformantKind, Person, Role, RoleAssignment


@dataclass(frozen=True)
class Persona:
    key: str
    label: str
    username: str  # "" means the person's employee number
    role: str
    at: str  # root, the branch code, or grid
    sees: str


PERSONAS: tuple[Persona, ...] = (
    Persona("employee", "职工", "", Role.EMPLOYEE, "grid", "本人档案，可申请更正；用工号登录"),
    Persona(
        "grid_member",
        "网格员（运行一值网格长）",
        "grid_member",
        Role.GRID_MEMBER,
        "grid",
        "本网格人员及本人结对联系的职工",
    ),
    Persona(
        "informant",
        "信息员（思想动态，运行部）",
        "informant",
        Role.INFORMANT,
        "yunxing",
        "报送思想动态信息；看不到他人档案",
    ),
    Persona(
        "secretary_yunxing",
        "支部书记（运行部）",
        "secretary_yunxing",
        Role.SECRETARY,
        "yunxing",
        "运行部全体人员，含敏感信息；处理更正申请",
    ),
    Persona(
        "secretary_jianxiu",
        "支部书记（检修部）",
        "secretary_jianxiu",
        Role.SECRETARY,
        "jianxiu",
        "检修部全体人员；看不到运行部",
    ),
    Persona(
        "department",
        "党群工作部",
        "department",
        Role.DEPARTMENT,
        "root",
        "全厂人员、组织架构与联系覆盖情况；审批单位调整",
    ),
    Persona("leader", "领导班子（党委书记）", "leader", Role.LEADERSHIP, "root", "全厂概况与人员档案"),
    Persona(
        "counsellor",
        "心理咨询协调员",
        "counsellor",
        Role.COUNSELLOR,
        "root",
        "经本人同意的心理咨询转介详情；看不到档案",
    ),
    Persona(
        "sysadmin",
        "系统管理员",
        "sysadmin",
        Role.SYSTEM_ADMIN,
        "root",
        "后台配置：单位、单位类型、困难标签；单位调整须党群工作部批准；不看档案",
    ),
    Persona(
        "secadmin",
        "安全管理员",
        "secadmin",
        Role.SECURITY_ADMIN,
        "root",
        "普通账号、数据角色与接口令牌；不能给自己或其他管理员授权；不看档案",
    ),
    Persona(
        "auditor",
        "审计管理员",
        "auditor",
        Role.AUDIT_ADMIN,
        "root",
        "审计记录与档案访问记录（只读，可导出）；不看档案",
    ),
)
PERSON_LINKED = frozenset(
    p.key
    for p in PERSONAS
    if p.role
    not in {
        Role.SYSTEM_ADMIN,
        Role.SECURITY_ADMIN,
        Role.AUDIT_ADMIN,
        Role.COUNSELLOR,  # a professional counsellor (EAP), not one of the plant's employees
    }
)


def create_personas(
    person_ids: dict[str, int], *, root_id: int, branch_ids: dict[str, int], grid_id: int
) -> None:
    User = get_user_model()
    validate_password(DEMO_PASSWORD)
    hashed = make_password(DEMO_PASSWORD)  # hashed once: every demo login shares the published password
    people = Person.objects.in_bulk(list(person_ids.values()))
    for persona in PERSONAS:
        person = people.get(person_ids[persona.key]) if persona.key in PERSON_LINKED else None
        username = persona.username or (person.employee_no if person else persona.key)
        user: Any = User.objects.create(
            username=username, password=hashed, first_name=person.name if person else persona.label
        )
        if persona.role in ADMIN_ROLES:  # the same path as `manage.py break_glass`, audited alike
            admin_role_grant(user=user, role=persona.role, reason="演示数据", operator="demo_seed")
            continue
        if person is not None:
            person.user = user
            person.save(update_fields=["user"])
        unit_id = {"root": root_id, "grid": grid_id}.get(persona.at) or branch_ids[persona.at]
        RoleAssignment.objects.create(
            user=user,
            role=persona.role,
            unit_id=unit_id,
            informant_kind=InformantKind.THOUGHT if persona.role == Role.INFORMANT else "",
        )
        if persona.role == Role.GRID_MEMBER:  # a grid member is an employee too: one user, two roles
            RoleAssignment.objects.create(user=user, role=Role.EMPLOYEE, unit_id=unit_id)


@dataclass(frozen=True)
class Login:
    persona: Persona
    username: str
    password: str  # the demo password, or a note that it was changed
    name: str


def demo_logins() -> list[Login]:
    """The persona logins that exist in this database, in persona order."""
    User = get_user_model()
    fixed = [p.username for p in PERSONAS if p.username]
    users = {u.username: u for u in User.objects.filter(username__in=fixed)}
    employee = (
        User.objects.filter(role_assignments__role=Role.EMPLOYEE, person__isnull=False)
        .exclude(username__in=fixed)
        .order_by("pk")
        .first()
    )
    checked: dict[str, bool] = {}
    out: list[Login] = []
    for persona in PERSONAS:
        user = employee if not persona.username else users.get(persona.username)
        if user is None:
            continue
        if user.password not in checked:  # one hash check per distinct hash: they are slow on purpose
            checked[user.password] = user.check_password(DEMO_PASSWORD)
        password = DEMO_PASSWORD if checked[user.password] else "（已修改）"
        out.append(Login(persona, user.username, password, user.first_name))
    return out
