"""三权分立: the system, security and audit administrators cannot cross their lines.

Every escalation path is tried through the admin pages, for each of the three; each attempt is refused,
changes nothing and leaves a refused audit event. What each one may do is tried too, and audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from lianxin.audit.models import AccessLog, AuditEvent, EventKind
from lianxin.audit.services import access_log_record, audit_event_record
from lianxin.org.admins import admin_role_grant
from lianxin.org.models import Role, RoleAssignment, Unit, UnitMove, UnitMoveStatus
from tests.factories import PASSWORD, Org

User = get_user_model()
NEW_PASSWORD = "Changed-secret-2026"


@dataclass
class Admins:
    org: Org
    system: Any
    security: Any
    audit: Any

    def of(self, key: str) -> Any:
        return {"system": self.system, "security": self.security, "audit": self.audit}[key]

    def others_than(self, me: Any) -> list[Any]:
        return [u for u in (self.system, self.security, self.audit) if u.pk != me.pk]


def make_admin(username: str, role: str) -> Any:
    user = User.objects.create_user(username, password=PASSWORD)
    admin_role_grant(user=user, role=role, reason="测试", operator="pytest")
    return User.objects.get(pk=user.pk)


@pytest.fixture
def admins(org: Org) -> Admins:
    return Admins(
        org=org,
        system=make_admin("sysadmin", Role.SYSTEM_ADMIN),
        security=make_admin("secadmin", Role.SECURITY_ADMIN),
        audit=make_admin("auditadmin", Role.AUDIT_ADMIN),
    )


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def refusals(actor: Any) -> int:
    return AuditEvent.objects.filter(actor=actor, refused=True).count()


def account_form(user: Any, **extra: Any) -> dict[str, Any]:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        **extra,
    }


def fresh(user: Any) -> Any:
    return User.objects.get(pk=user.pk)


ADMINS = ["system", "security", "audit"]


# --- The escalation matrix ------------------------------------------------------------------------


def _superuser_on_self(a: Admins, me: Any, client: Client) -> Any:
    url = reverse("admin:auth_user_change", args=[me.pk])
    response = client.post(url, account_form(me, is_superuser="on", is_staff="on"))
    assert not fresh(me).is_superuser
    return response


def _staff_for_employee(a: Admins, me: Any, client: Client) -> Any:
    employee = a.org.employee
    response = client.post(
        reverse("admin:auth_user_change", args=[employee.pk]), account_form(employee, is_staff="on")
    )
    assert not fresh(employee).is_staff
    return response


def _permission_for_employee(a: Admins, me: Any, client: Client) -> Any:
    employee = a.org.employee
    perm = Permission.objects.get(codename="view_person")
    data = account_form(employee, user_permissions=[perm.pk])
    response = client.post(reverse("admin:auth_user_change", args=[employee.pk]), data)
    assert not fresh(employee).user_permissions.exists()
    return response


def _group_for_self(a: Admins, me: Any, client: Client) -> Any:
    groups = list(Group.objects.values_list("pk", flat=True))
    before = set(me.groups.values_list("pk", flat=True))
    response = client.post(reverse("admin:auth_user_change", args=[me.pk]), account_form(me, groups=groups))
    assert set(fresh(me).groups.values_list("pk", flat=True)) == before
    return response


def _password_of_other_admins(a: Admins, me: Any, client: Client) -> list[Any]:
    responses = []
    for other in a.others_than(me):
        url = reverse("admin:auth_user_password_change", args=[other.pk])
        responses.append(client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}))
        assert fresh(other).check_password(PASSWORD)
    return responses


def _own_password_here(a: Admins, me: Any, client: Client) -> Any:
    url = reverse("admin:auth_user_password_change", args=[me.pk])
    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert fresh(me).check_password(PASSWORD)
    return response


def _leadership_for_self(a: Admins, me: Any, client: Client) -> Any:
    data = {"user": me.pk, "role": Role.LEADERSHIP, "unit": a.org.root.pk, "informant_kind": ""}
    response = client.post(reverse("admin:org_roleassignment_add"), data)
    assert not RoleAssignment.objects.filter(user=me, role=Role.LEADERSHIP).exists()
    return response


def _admin_role_for_employee(a: Admins, me: Any, client: Client) -> Any:
    employee = a.org.employee
    data = {"user": employee.pk, "role": Role.SECURITY_ADMIN, "unit": a.org.root.pk, "informant_kind": ""}
    response = client.post(reverse("admin:org_roleassignment_add"), data)
    assert not RoleAssignment.objects.filter(user=employee, role=Role.SECURITY_ADMIN).exists()
    return response


def _revoke_another_admins_role(a: Admins, me: Any, client: Client) -> list[Any]:
    responses = []
    for other in a.others_than(me):
        assignment = RoleAssignment.objects.get(user=other)
        url = reverse("admin:org_roleassignment_delete", args=[assignment.pk])
        responses.append(client.post(url, {"post": "yes"}))
        assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    return responses


def _edit_and_delete_audit_rows(a: Admins, me: Any, client: Client) -> list[Any]:
    event = audit_event_record(kind=EventKind.EXPORT, actor=a.org.leader, target="people.xlsx")
    log = access_log_record(actor=a.org.leader, person=a.org.stranger, sections=["basic"], ip="10.1.1.1")
    responses = [
        client.post(reverse("admin:audit_auditevent_change", args=[event.pk]), {"target": "forged"}),
        client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}),
        client.post(reverse("admin:audit_accesslog_change", args=[log.pk]), {"ip_address": "1.2.3.4"}),
        client.post(reverse("admin:audit_accesslog_delete", args=[log.pk]), {"post": "yes"}),
    ]
    assert AuditEvent.objects.get(pk=event.pk).target == "people.xlsx"
    assert AccessLog.objects.get(pk=log.pk).ip_address == "10.1.1.1"
    return responses


Attempt = Callable[[Admins, Any, Client], Any]
REFUSED_FOR_ALL: dict[str, Attempt] = {
    "superuser on self": _superuser_on_self,
    "staff for an employee": _staff_for_employee,
    "permission for an employee": _permission_for_employee,
    "group for self": _group_for_self,
    "password of the other administrators": _password_of_other_admins,
    "own password through the admin": _own_password_here,
    "leadership role for self": _leadership_for_self,
    "administrator role for an employee": _admin_role_for_employee,
    "revoke another administrator's role": _revoke_another_admins_role,
    "edit or delete audit rows": _edit_and_delete_audit_rows,
}


@pytest.mark.parametrize("who", ADMINS)
@pytest.mark.parametrize("attempt", list(REFUSED_FOR_ALL))
def test_escalation_is_refused_and_audited(admins: Admins, who: str, attempt: str) -> None:
    me = admins.of(who)
    client = client_for(me)
    before = refusals(me)
    result = REFUSED_FOR_ALL[attempt](admins, me, client)
    responses = result if isinstance(result, list) else [result]
    assert responses and all(r.status_code == 403 for r in responses), [r.status_code for r in responses]
    assert refusals(me) == before + len(responses)
    assert not fresh(me).is_superuser


def unit_form(unit: Unit, **extra: Any) -> dict[str, Any]:
    return {
        "name": unit.name,
        "party_name": unit.party_name,
        "kind": unit.kind_id,
        "is_grid": "on" if unit.is_grid else "",
        "grid_chief": "",
        **extra,
    }


@pytest.mark.parametrize("who", ["security", "audit"])
def test_only_the_system_administrator_may_even_ask_to_move_a_unit(admins: Admins, who: str) -> None:
    me, grid = admins.of(who), admins.org.grid_a2
    client = client_for(me)
    before = refusals(me)
    data = unit_form(grid, move_to=admins.org.branch_b.pk, move_reason="调整")
    assert client.post(reverse("admin:org_unit_change", args=[grid.pk]), data).status_code == 403
    moved = client.post(
        "/admin/org/unit/move/", {"node": grid.pk, "target": admins.org.branch_b.pk, "relation": "child"}
    )
    assert moved.status_code == 403
    assert refusals(me) == before + 2
    assert Unit.objects.get(pk=grid.pk).path.startswith(admins.org.branch_a.path)
    assert not UnitMove.objects.exists()


# --- The system administrator: a move waits for the department ------------------------------------


def test_editing_a_unit_asks_for_the_move_and_the_department_approves(admins: Admins) -> None:
    org, grid = admins.org, admins.org.grid_a2
    client = client_for(admins.system)
    data = unit_form(grid, name="运行二班（新）", move_to=org.branch_b.pk, move_reason="划归检修部管理")
    response = client.post(reverse("admin:org_unit_change", args=[grid.pk]), data)
    assert response.status_code == 302
    grid = Unit.objects.get(pk=grid.pk)
    assert grid.name == "运行二班（新）"  # the ordinary edit is saved at once
    assert grid.path.startswith(org.branch_a.path)  # the move is not
    move = UnitMove.objects.get(unit=grid)
    assert move.status == UnitMoveStatus.PENDING and move.requested_by == admins.system
    asked = AuditEvent.objects.get(kind=EventKind.UNIT_MOVE, actor=admins.system)
    assert asked.detail["action"] == "request" and not asked.refused

    # The secretary of branch A still sees the paired person in that grid; branch B's does not yet.
    department = client_for(org.department)
    page = department.get(reverse("unit_move_list"))
    assert page.status_code == 200 and "划归检修部管理" in page.content.decode()
    assert client_for(org.secretary_a).get(reverse("unit_move_list")).status_code == 404
    assert (
        client_for(admins.system)
        .post(reverse("unit_move_decide", args=[move.pk]), {"decision": "approve"})
        .status_code
        == 404
    )

    assert (
        department.post(reverse("unit_move_decide", args=[move.pk]), {"decision": "approve"}).status_code
        == 302
    )
    grid = Unit.objects.get(pk=grid.pk)
    assert grid.path.startswith(org.branch_b.path)
    org.paired_person.refresh_from_db()
    assert org.paired_person.unit.path.startswith(org.branch_b.path)
    approved = AuditEvent.objects.get(kind=EventKind.UNIT_MOVE, actor=org.department)
    assert approved.detail["action"] == "approve"


def test_dragging_a_unit_in_the_tree_files_a_request_instead(admins: Admins) -> None:
    org = admins.org
    client = client_for(admins.system)
    response = client.post(
        "/admin/org/unit/move/", {"node": org.grid_a2.pk, "target": org.branch_b.pk, "relation": "child"}
    )
    assert response.status_code == 200
    assert Unit.objects.get(pk=org.grid_a2.pk).path.startswith(org.branch_a.path)
    assert UnitMove.objects.get(unit=org.grid_a2).new_parent == org.branch_b


def test_a_declined_move_needs_a_reason_and_moves_nothing(admins: Admins) -> None:
    org = admins.org
    client_for(admins.system).post(
        reverse("admin:org_unit_change", args=[org.grid_a2.pk]),
        unit_form(org.grid_a2, move_to=org.branch_b.pk, move_reason="调整"),
    )
    move = UnitMove.objects.get()
    department = client_for(org.department)
    response = department.post(reverse("unit_move_decide", args=[move.pk]), {"decision": "decline"})
    assert response.status_code == 400 and "不予批准时请说明理由" in response.content.decode()
    department.post(
        reverse("unit_move_decide", args=[move.pk]), {"decision": "decline", "reason": "不符合规定"}
    )
    move.refresh_from_db()
    assert move.status == UnitMoveStatus.DECLINED
    assert Unit.objects.get(pk=org.grid_a2.pk).path.startswith(org.branch_a.path)


def test_a_move_under_its_own_subtree_is_refused_with_a_message(admins: Admins) -> None:
    org = admins.org
    data = unit_form(org.branch_a, move_to=org.grid_a1.pk, move_reason="调整")
    response = client_for(admins.system).post(reverse("admin:org_unit_change", args=[org.branch_a.pk]), data)
    assert (
        response.status_code == 200 and "不能把单位调整到它自己或其下级单位之下" in response.content.decode()
    )
    assert not UnitMove.objects.exists()


# --- The security administrator: ordinary accounts and data roles ---------------------------------


def test_user_pages_offer_no_privilege_fields(admins: Admins) -> None:
    client = client_for(admins.security)
    page = client.get(reverse("admin:auth_user_change", args=[admins.org.employee.pk])).content.decode()
    for field in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert f'name="{field}"' not in page
    add = client.get(reverse("admin:auth_user_add")).content.decode()
    assert 'name="is_superuser"' not in add and 'name="password1"' in add
    role_form = client.get(reverse("admin:org_roleassignment_add")).content.decode()
    assert 'value="leadership"' in role_form and 'value="security_admin"' not in role_form


def test_another_administrators_account_is_read_only(admins: Admins) -> None:
    client = client_for(admins.security)
    page = client.get(reverse("admin:auth_user_change", args=[admins.audit.pk])).content.decode()
    assert 'name="username"' not in page  # shown, not editable
    assert client.get(reverse("admin:auth_user_password_change", args=[admins.audit.pk])).status_code == 403


def test_security_administrator_creates_an_account_and_sets_its_password(admins: Admins) -> None:
    client = client_for(admins.security)
    data = {"username": "newcomer", "first_name": "新人", "password1": PASSWORD, "password2": PASSWORD}
    assert client.post(reverse("admin:auth_user_add"), data).status_code == 302
    newcomer = User.objects.get(username="newcomer")
    assert not newcomer.is_staff and not newcomer.is_superuser
    url = reverse("admin:auth_user_password_change", args=[newcomer.pk])
    assert client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code == 302
    assert fresh(newcomer).check_password(NEW_PASSWORD)
    kinds = list(
        AuditEvent.objects.filter(actor=admins.security, refused=False).values_list("kind", flat=True)
    )
    assert EventKind.ACCOUNT_CHANGE in kinds and EventKind.PASSWORD_CHANGE in kinds


def test_a_weak_password_is_refused_with_the_reason(admins: Admins) -> None:
    url = reverse("admin:auth_user_password_change", args=[admins.org.employee.pk])
    response = client_for(admins.security).post(url, {"password1": "12345678", "password2": "12345678"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert fresh(admins.org.employee).check_password(PASSWORD)


def test_security_administrator_grants_and_revokes_a_data_role(admins: Admins) -> None:
    org = admins.org
    client = client_for(admins.security)
    data = {"user": org.employee.pk, "role": Role.GRID_MEMBER, "unit": org.grid_a1.pk, "informant_kind": ""}
    assert client.post(reverse("admin:org_roleassignment_add"), data).status_code == 302
    assignment = RoleAssignment.objects.get(user=org.employee, role=Role.GRID_MEMBER)
    url = reverse("admin:org_roleassignment_delete", args=[assignment.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    changes = AuditEvent.objects.filter(kind=EventKind.ROLE_CHANGE, actor=admins.security, refused=False)
    assert [e.detail["action"] for e in changes.order_by("id")] == ["grant", "revoke"]


def test_bulk_revoke_touching_an_administrator_revokes_nothing(admins: Admins) -> None:
    org = admins.org
    ordinary = RoleAssignment.objects.get(user=org.leader)
    admin_role = RoleAssignment.objects.get(user=admins.audit)
    response = client_for(admins.security).post(
        reverse("admin:org_roleassignment_changelist"),
        {"action": "delete_selected", "_selected_action": [ordinary.pk, admin_role.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert RoleAssignment.objects.filter(pk__in=[ordinary.pk, admin_role.pk]).count() == 2
    assert refusals(admins.security) >= 1


def test_audit_administrator_reads_every_audit_record(admins: Admins) -> None:
    audit_event_record(kind=EventKind.EXPORT, actor=admins.org.leader, target="people.xlsx")
    client = client_for(admins.audit)
    page = client.get(reverse("admin:audit_auditevent_changelist"))
    assert page.status_code == 200 and "people.xlsx" in page.content.decode()
    assert client.get(reverse("admin:audit_accesslog_changelist")).status_code == 200
    for other in (admins.system, admins.security):
        assert client_for(other).get(reverse("admin:audit_auditevent_changelist")).status_code == 403


def test_no_administrator_reads_files(admins: Admins) -> None:
    person = admins.org.employee_person
    for who in ADMINS:
        assert client_for(admins.of(who)).get(reverse("person_detail", args=[person.pk])).status_code == 404


# --- The break-glass command ----------------------------------------------------------------------


def test_break_glass_grants_an_administrator_role_and_records_it(org: Org) -> None:
    newcomer = User.objects.create_user("ops2", password=PASSWORD)
    out = StringIO()
    call_command("break_glass", "ops2", "--role", "audit_admin", "--reason", "新任审计管理员", stdout=out)
    newcomer = fresh(newcomer)
    assert newcomer.is_staff and newcomer.has_perm("audit.view_auditevent")
    assert not newcomer.has_perm("auth.change_user")
    event = AuditEvent.objects.get(kind=EventKind.BREAK_GLASS)
    assert event.detail["role"] == "audit_admin" and event.detail["reason"] == "新任审计管理员"

    call_command("break_glass", "ops2", "--revoke", "--reason", "离任", stdout=out)
    newcomer = fresh(newcomer)
    assert not newcomer.is_staff and not RoleAssignment.objects.filter(user=newcomer).exists()


def test_break_glass_refuses_an_account_that_holds_data_roles(org: Org) -> None:
    with pytest.raises(CommandError, match="管理员须使用单独的账号"):
        call_command("break_glass", "leader", "--role", "security_admin", "--reason", "x", stdout=StringIO())
    assert not fresh(org.leader).is_staff


def test_migrate_brings_an_existing_administrators_group_up_to_date(db: None) -> None:
    stale = Group.objects.create(name="审计管理员")
    stale.permissions.set(Permission.objects.filter(codename__in=["view_accesslog", "change_user"]))
    call_command("migrate", verbosity=0)
    assert set(stale.permissions.values_list("codename", flat=True)) == {"view_accesslog", "view_auditevent"}


# --- duties apart: the security administrator never both knows a password and grants file access --------


def _grant(client: Client, user: Any, role: str, unit: Unit) -> int:
    data = {"user": user.pk, "role": role, "unit": unit.pk, "informant_kind": ""}
    return int(client.post(reverse("admin:org_roleassignment_add"), data).status_code)


def test_a_dummy_account_cannot_be_given_a_role_that_reads_files(admins: Admins) -> None:
    """The escalation path: create an account, set its password, give it leadership, log in as it."""
    org = admins.org
    client = client_for(admins.security)
    data = {"username": "dummy", "first_name": "替身", "password1": PASSWORD, "password2": PASSWORD}
    assert client.post(reverse("admin:auth_user_add"), data).status_code == 302
    dummy = User.objects.get(username="dummy")
    for role in (Role.LEADERSHIP, Role.DEPARTMENT, Role.SECRETARY, Role.COUNSELLOR):
        assert _grant(client, dummy, role, org.root) == 403
    assert not RoleAssignment.objects.filter(user=dummy).exists()
    refused = AuditEvent.objects.filter(kind=EventKind.ROLE_CHANGE, actor=admins.security, refused=True)
    assert refused.count() == 4 and "职责分离" in refused.first().detail["reason"]  # type: ignore[union-attr]
    # A role that reads no restricted section may still be granted.
    assert _grant(client, dummy, Role.GRID_MEMBER, org.grid_a1) == 302


def test_after_its_holder_changes_the_password_the_role_may_be_granted(admins: Admins) -> None:
    org = admins.org
    person = org.employee
    own = Client()
    own.force_login(person)
    page = own.get(reverse("password_change"))
    assert page.status_code == 200 and "修改密码" in page.content.decode()
    wrong = own.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 400 and fresh(person).check_password(PASSWORD)
    done = own.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302 and fresh(person).check_password(NEW_PASSWORD)
    assert own.get(reverse("home")).status_code == 200  # still signed in
    assert AuditEvent.objects.filter(kind=EventKind.PASSWORD_CHANGE, actor=person, refused=False).exists()
    assert _grant(client_for(admins.security), person, Role.LEADERSHIP, org.root) == 302
    assert RoleAssignment.objects.filter(user=person, role=Role.LEADERSHIP).exists()


def test_the_password_of_an_account_that_reads_files_is_not_set_by_the_security_administrator(
    admins: Admins,
) -> None:
    secretary = admins.org.secretary_a
    url = reverse("admin:auth_user_password_change", args=[secretary.pk])
    response = client_for(admins.security).post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 403
    assert fresh(secretary).check_password(PASSWORD)
    assert AuditEvent.objects.filter(
        kind=EventKind.PASSWORD_CHANGE, refused=True, actor=admins.security
    ).exists()
