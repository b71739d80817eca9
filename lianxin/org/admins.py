"""The three administrators (三权分立), decided here once for the admin pages, the commands and the demo.

- The system administrator configures (units, kinds, categories, rules); a unit is moved only by a
  request the party-mass department approves (lianxin.org.unit_moves).
- The security administrator manages ordinary accounts and their data roles; never their own account,
  never another administrator's, never an administrator role, never superuser, staff, groups or
  permissions.
- The audit administrator reads the audit store and changes nothing.
- Duties apart: the security administrator never both knows an account's password and gives it a role that
  reads files. A role that reads files (branch secretary and above, the counselling coordinator) is granted
  only to an account whose current password its holder set; the password of an account holding such a
  role is changed only by its holder (or the audited break-glass command).

Administrator roles, staff status, groups, permissions and superuser are granted only by the break-glass
command (`manage.py break_glass`), and every grant is an audit event.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from lianxin.audit.models import AuditEvent, EventKind
from lianxin.audit.services import audit_event_record
from lianxin.org.models import SENSITIVE_ROLES, Role, RoleAssignment, Unit
from lianxin.org.scope import UserLike, has_role, roles_of

ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
# User fields that carry privilege: no form offers them, only the break-glass command sets them.
PRIVILEGE_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")
ACCOUNT_FIELDS = ("username", "first_name", "last_name", "email", "is_active")

ADMIN_GROUPS: dict[str, str] = {
    Role.SYSTEM_ADMIN: "系统管理员",
    Role.SECURITY_ADMIN: "安全管理员",
    Role.AUDIT_ADMIN: "审计管理员",
}
# Model permissions of each administrator's group, as (app label, model, actions).
GROUP_PERMISSIONS: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    Role.SYSTEM_ADMIN: [
        ("org", "unitkind", ("add", "change", "delete", "view")),
        ("org", "difficultytag", ("add", "change", "delete", "view")),
        ("org", "unit", ("add", "change", "view")),
        ("org", "calendarday", ("add", "change", "delete", "view")),
        ("appeals", "category", ("add", "change", "view")),
        ("appeals", "graderule", ("change", "view")),
    ],
    Role.SECURITY_ADMIN: [
        ("auth", "user", ("add", "change", "view")),
        ("auth", "group", ("view",)),
        ("org", "roleassignment", ("add", "delete", "view")),
        ("api", "apitoken", ("change", "delete", "view")),
        ("axes", "accessattempt", ("view", "delete")),
        ("axes", "accesslog", ("view",)),
    ],
    Role.AUDIT_ADMIN: [
        ("audit", "accesslog", ("view",)),
        ("audit", "auditevent", ("view",)),
    ],
}
BREAK_GLASS = _("管理员身份只能由应急授权命令（manage.py break_glass）授予。")


def is_administrator(user: UserLike) -> bool:
    """A superuser, a staff account or a holder of an administrator role."""
    return bool(user.is_superuser or user.is_staff or roles_of(user) & ADMIN_ROLES)


def account_refusal(actor: UserLike, target: UserLike | None) -> str | None:
    """Why `actor` may not create (target None) or change `target`'s account, password or roles; None
    when they may. The security administrator (or a break-glass superuser) manages ordinary accounts."""
    if not (actor.is_active and (actor.is_superuser or has_role(actor, Role.SECURITY_ADMIN))):
        return _("只有安全管理员可以管理账号和角色。")
    if target is None:
        return None
    if target.pk == actor.pk:
        return _("不能修改本人的账号、密码或角色。")
    if is_administrator(target):
        return _("管理员账号不能在这里修改。") + BREAK_GLASS
    return None


# Roles that read personal files or their restricted parts.
FILE_ROLES = frozenset({*SENSITIVE_ROLES, Role.COUNSELLOR})


def password_set_by_holder(user: Any) -> bool:
    """Whether the account's current password was set by the person who holds it (the latest recorded
    password change is their own). Passwords set by an administrator, at creation or later, are not."""
    latest = (
        AuditEvent.objects.filter(kind=EventKind.PASSWORD_CHANGE, refused=False, detail__user_id=user.pk)
        .order_by("-at", "-pk")
        .values_list("actor_id", flat=True)
        .first()
    )
    return latest is not None and latest == user.pk


def role_refusal(actor: UserLike, target: UserLike | None, role: str) -> str | None:
    if role in ADMIN_ROLES:
        return BREAK_GLASS
    return account_refusal(actor, target)


def grant_refusal(actor: UserLike, target: Any, role: str) -> str | None:
    """Why `actor` may not grant `role` to `target`: the rules of role_refusal, and duties apart for roles
    that read files."""
    reason = role_refusal(actor, target, role)
    if reason is None and target is not None and role in FILE_ROLES and not password_set_by_holder(target):
        return _("该账号的密码由管理员设置：本人登录并修改密码后，才能授予可查看档案的角色（职责分离）。")
    return reason


def password_refusal(actor: UserLike, target: Any) -> str | None:
    """Why `actor` may not set `target`'s password: the account rules, and duties apart when the account
    holds a role that reads files."""
    reason = account_refusal(actor, target)
    if reason is None and roles_of(target) & FILE_ROLES:
        return _("该账号可查看档案，密码只能由本人修改（职责分离）；忘记密码须经应急授权命令重置。")
    return reason


def refuse(
    *, actor: UserLike, kind: str, reason: str, target: Any = None, ip: str | None, detail: Any = None
) -> NoReturn:
    """Record the refused attempt, then refuse. Called outside any transaction that the refusal rolls
    back, so the record stays."""
    audit_event_record(
        kind=kind,
        actor=actor,
        target=target,
        detail={"reason": reason, **(detail or {})},
        ip=ip,
        refused=True,
    )
    raise PermissionDenied(reason)


def account_check(
    *, actor: UserLike, target: UserLike | None, posted: Any = (), ip: str | None, attempt: str = "account"
) -> None:
    """Refuse (and record) an account change the actor may not make, or a submission that tries to set a
    privilege field, whoever the actor is."""
    smuggled = sorted(set(posted) & set(PRIVILEGE_FIELDS))
    if smuggled:
        reason: str | None = BREAK_GLASS
    elif attempt == "password":
        reason = password_refusal(actor, target)
    else:
        reason = account_refusal(actor, target)
    if reason:
        refuse(
            actor=actor,
            kind=EventKind.PASSWORD_CHANGE if attempt == "password" else EventKind.ACCOUNT_CHANGE,
            reason=reason,
            target=target,
            ip=ip,
            detail={"attempt": attempt, "fields": smuggled},
        )


@transaction.atomic
def account_save(*, actor: UserLike, user: Any, created: bool, changed: list[str], ip: str | None) -> None:
    """Save an account created or edited by the security administrator; privileges never change here."""
    reason = account_refusal(actor, None if created else type(user).objects.get(pk=user.pk))
    if reason:
        raise PermissionDenied(reason)
    if created:
        user.is_staff = user.is_superuser = False
        user.save()
        # The first password was set by the administrator, not by its holder.
        audit_event_record(
            kind=EventKind.PASSWORD_CHANGE, actor=actor, target=user, detail={"user_id": user.pk}, ip=ip
        )
    else:
        fields = [f for f in changed if f in ACCOUNT_FIELDS]
        if fields:
            user.save(update_fields=fields)
    audit_event_record(
        kind=EventKind.ACCOUNT_CHANGE,
        actor=actor,
        target=user,
        detail={"action": "add" if created else "change", "fields": sorted(changed)},
        ip=ip,
    )


def account_password_set(*, actor: UserLike, user: Any, password: str, ip: str | None) -> None:
    """The security administrator sets an ordinary account's password (never their own here, never an
    administrator's)."""
    account_check(actor=actor, target=user, ip=ip, attempt="password")
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_event_record(
            kind=EventKind.PASSWORD_CHANGE, actor=actor, target=user, detail={"user_id": user.pk}, ip=ip
        )


def own_password_change(*, user: Any, password: str, ip: str | None) -> None:
    """A person sets their own password (the form has checked the old one and the rules)."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_event_record(
            kind=EventKind.PASSWORD_CHANGE,
            actor=user,
            target=user,
            detail={"user_id": user.pk, "self": True},
            ip=ip,
        )


def role_check(
    *, actor: UserLike, target: UserLike | None, role: str, ip: str | None, granting: bool = False
) -> None:
    reason = grant_refusal(actor, target, role) if granting else role_refusal(actor, target, role)
    if reason:
        refuse(
            actor=actor,
            kind=EventKind.ROLE_CHANGE,
            reason=reason,
            target=target,
            ip=ip,
            detail={"role": role},
        )


@transaction.atomic
def role_grant(
    *, actor: UserLike, user: Any, role: str, unit: Unit, informant_kind: str = "", ip: str | None
) -> RoleAssignment:
    reason = grant_refusal(actor, user, role)
    if reason:
        raise PermissionDenied(reason)
    if role == Role.INFORMANT and not informant_kind:
        raise ValidationError(_("信息员须选择类别。"))
    assignment = RoleAssignment.objects.create(
        user=user, role=role, unit=unit, informant_kind=informant_kind if role == Role.INFORMANT else ""
    )
    audit_event_record(
        kind=EventKind.ROLE_CHANGE,
        actor=actor,
        target=user,
        detail={"action": "grant", "role": role, "unit": unit.pk, "unit_name": unit.name},
        ip=ip,
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor: UserLike, assignment: RoleAssignment, ip: str | None) -> None:
    reason = role_refusal(actor, assignment.user, assignment.role)
    if reason:
        raise PermissionDenied(reason)
    audit_event_record(
        kind=EventKind.ROLE_CHANGE,
        actor=actor,
        target=assignment.user,
        detail={"action": "revoke", "role": assignment.role, "unit": assignment.unit_id},
        ip=ip,
    )
    assignment.delete()


# --- Break glass: only the management command (and the demo seed) call these ----------------------


def admin_group(role: str) -> Group:
    """The administrator's group with exactly its permissions (created or brought up to date)."""
    group, _created = Group.objects.get_or_create(name=ADMIN_GROUPS[role])
    wanted = Q(pk__in=[])
    for app, model, actions in GROUP_PERMISSIONS[role]:
        wanted |= Q(
            content_type__app_label=app,
            content_type__model=model,
            codename__in=[f"{a}_{model}" for a in actions],
        )
    group.permissions.set(Permission.objects.filter(wanted))
    return group


def refresh_admin_groups(**kwargs: Any) -> None:
    """Bring the administrators' groups that exist up to date with GROUP_PERMISSIONS (after migrate)."""
    for role, name in ADMIN_GROUPS.items():
        if Group.objects.filter(name=name).exists():
            admin_group(role)


def _break_glass_record(*, user: Any, reason: str, operator: str, **detail: Any) -> None:
    audit_event_record(
        kind=EventKind.BREAK_GLASS,
        target=user,
        username=operator,
        detail={"reason": reason, "operator": operator, **detail},
    )


@transaction.atomic
def admin_role_grant(*, user: Any, role: str, reason: str, operator: str) -> None:
    """Make `user` the system, security or audit administrator: staff, the role's group and the role at
    the top unit. An administrator holds one administrator role and no data role."""
    if role not in ADMIN_ROLES:
        raise ValidationError(_("只能授予系统、安全或审计管理员角色。"))
    if not reason.strip():
        raise ValidationError(_("请说明授权理由。"))
    others = sorted(set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True)) - {role})
    if others:
        raise ValidationError(
            _("该账号已有其他角色（%(roles)s），管理员须使用单独的账号。") % {"roles": ", ".join(others)}
        )
    root = Unit.objects.get_first_root_node()
    if root is None:
        raise ValidationError(_("尚未建立组织架构。"))
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.set([admin_group(role)])
    user.user_permissions.clear()
    RoleAssignment.objects.get_or_create(user=user, role=role, unit=root)
    _break_glass_record(user=user, reason=reason, operator=operator, action="grant", role=role)


@transaction.atomic
def admin_role_revoke(*, user: Any, reason: str, operator: str) -> None:
    """Take every administrator role, group, permission and staff status from `user`."""
    if not reason.strip():
        raise ValidationError(_("请说明授权理由。"))
    RoleAssignment.objects.filter(user=user, role__in=ADMIN_ROLES).delete()
    user.groups.clear()
    user.user_permissions.clear()
    user.is_staff = user.is_superuser = False
    user.save(update_fields=["is_staff", "is_superuser"])
    _break_glass_record(user=user, reason=reason, operator=operator, action="revoke")


@transaction.atomic
def superuser_set(*, user: Any, on: bool, reason: str, operator: str) -> None:
    """Emergency access: a superuser passes every permission check of the admin, but still cannot
    change administrators' accounts there, and the audit store refuses every edit."""
    if not reason.strip():
        raise ValidationError(_("请说明授权理由。"))
    user.is_superuser = on
    user.is_staff = on or user.is_staff
    user.save(update_fields=["is_superuser", "is_staff"])
    _break_glass_record(
        user=user, reason=reason, operator=operator, action="superuser" if on else "unsuperuser"
    )


@transaction.atomic
def admin_password_set(*, user: Any, password: str, reason: str, operator: str) -> None:
    """An administrator's password, set from the server's shell: the security administrator cannot."""
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_event_record(
        kind=EventKind.PASSWORD_CHANGE,
        target=user,
        username=operator,
        detail={"reason": reason, "operator": operator, "break_glass": True},
    )
