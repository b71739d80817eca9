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
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.db.models import Q

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
    staff_group: str = ""


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
        "department", "党群工作部", "department", Role.DEPARTMENT, "root", "全厂人员、组织架构与联系覆盖情况"
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
        "后台配置：单位、单位类型、困难标签；不看档案",
        "系统管理员",
    ),
    Persona(
        "secadmin",
        "安全管理员",
        "secadmin",
        Role.SECURITY_ADMIN,
        "root",
        "后台账号、角色分配与接口令牌；不看档案",
        "安全管理员",
    ),
    Persona(
        "auditor",
        "审计管理员",
        "auditor",
        Role.AUDIT_ADMIN,
        "root",
        "档案访问记录（只读）；不看档案",
        "审计管理员",
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

# Model permissions of each administrator's group, as (app label, model, actions).
GROUP_PERMISSIONS: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    "系统管理员": [
        ("org", "unitkind", ("add", "change", "delete", "view")),
        ("org", "difficultytag", ("add", "change", "delete", "view")),
        ("org", "unit", ("add", "change", "view")),
        ("org", "calendarday", ("add", "change", "delete", "view")),
        ("appeals", "category", ("add", "change", "view")),
        ("appeals", "graderule", ("change", "view")),
    ],
    "安全管理员": [
        ("auth", "user", ("add", "change", "view")),
        ("auth", "group", ("view",)),
        ("org", "roleassignment", ("add", "change", "delete", "view")),
        ("api", "apitoken", ("add", "change", "delete", "view")),
        ("axes", "accessattempt", ("view", "delete")),
        ("axes", "accesslog", ("view",)),
    ],
    "审计管理员": [
        ("audit", "accesslog", ("view",)),
    ],
}


def admin_group(name: str) -> Group:
    """The administrators' group with exactly its permissions (created or brought up to date)."""
    group, _ = Group.objects.get_or_create(name=name)
    wanted = Q(pk__in=[])
    for app, model, actions in GROUP_PERMISSIONS[name]:
        wanted |= Q(
            content_type__app_label=app,
            content_type__model=model,
            codename__in=[f"{a}_{model}" for a in actions],
        )
    group.permissions.set(Permission.objects.filter(wanted))
    return group


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
            username=username,
            password=hashed,
            is_staff=bool(persona.staff_group),
            first_name=person.name if person else persona.label,
        )
        if persona.staff_group:
            user.groups.add(admin_group(persona.staff_group))
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
