"""One audit trail: logins, failed logins, password and role changes, exports and list reads of personal
data are recorded; the store refuses edits in the ORM and the database; it keeps at least 180 days; the
audit administrator exports it for inspectors."""

from __future__ import annotations

import csv
import datetime as dt
import io
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lianxin.api.models import ApiToken
from lianxin.audit.models import AppendOnlyError, AuditEvent, EventKind
from lianxin.audit.services import access_log_record, audit_event_record
from lianxin.org.admins import admin_role_grant
from lianxin.org.models import Role
from tests.factories import PASSWORD, Org

User = get_user_model()
LOGIN = "/accounts/login/"
TABLE = AuditEvent._meta.db_table


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def events(kind: str, **filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(kind=kind, **filters).order_by("id"))


@pytest.fixture
def auditor(org: Org) -> Any:
    user = User.objects.create_user("auditadmin", password=PASSWORD)
    admin_role_grant(user=user, role=Role.AUDIT_ADMIN, reason="测试", operator="pytest")
    return User.objects.get(pk=user.pk)


# --- What is recorded -----------------------------------------------------------------------------


def test_login_failed_login_and_logout_are_recorded(org: Org) -> None:
    client = Client(REMOTE_ADDR="10.9.8.7")
    assert client.post(LOGIN, {"username": "employee", "password": "not-it"}).status_code == 200
    assert client.post(LOGIN, {"username": "nobody-here", "password": "x"}).status_code == 200
    failed = events(EventKind.LOGIN_FAILED)
    assert [(e.username, e.refused, e.actor_id, e.ip_address) for e in failed] == [
        ("employee", True, None, "10.9.8.7"),
        ("nobody-here", True, None, "10.9.8.7"),
    ]
    assert all("not-it" not in str(e.detail) for e in failed)  # never the password tried

    assert client.post(LOGIN, {"username": "employee", "password": PASSWORD}).status_code == 302
    [login] = events(EventKind.LOGIN)
    assert (login.actor, login.username, login.ip_address) == (org.employee, "employee", "10.9.8.7")
    client.post("/accounts/logout/")
    assert [e.actor for e in events(EventKind.LOGOUT)] == [org.employee]


def test_password_and_role_changes_are_recorded(org: Org) -> None:
    secadmin = User.objects.create_user("secadmin", password=PASSWORD)
    admin_role_grant(user=secadmin, role=Role.SECURITY_ADMIN, reason="测试", operator="pytest")
    client = client_for(User.objects.get(pk=secadmin.pk))
    url = reverse("admin:auth_user_password_change", args=[org.grid_member.pk])
    client.post(url, {"password1": "Brand-new-secret-2026", "password2": "Brand-new-secret-2026"})
    [change] = events(EventKind.PASSWORD_CHANGE)
    assert change.actor == secadmin and change.target.startswith(f"auth.user:{org.grid_member.pk} ")
    assert "Brand-new" not in str(change.detail)

    data = {
        "user": org.grid_member.pk,
        "role": Role.INFORMANT,
        "unit": org.branch_a.pk,
        "informant_kind": "thought",
    }
    assert client.post(reverse("admin:org_roleassignment_add"), data).status_code == 302
    [grant] = events(EventKind.ROLE_CHANGE)
    assert grant.detail["role"] == Role.INFORMANT and grant.detail["action"] == "grant"


def test_break_glass_grants_are_recorded(org: Org) -> None:
    call_command("break_glass", "department", "--superuser", "--reason", "故障处理", stdout=StringIO())
    [event] = events(EventKind.BREAK_GLASS)
    assert event.detail["action"] == "superuser" and event.detail["reason"] == "故障处理"
    assert event.target.startswith(f"auth.user:{org.department.pk} ")


def test_other_admin_changes_are_recorded(org: Org) -> None:
    token, _raw = ApiToken.issue(user=org.leader, name="大屏")
    root = User.objects.create_superuser("root", password="Root-password-2026")
    client_for(root).post(reverse("admin:api_apitoken_delete", args=[token.pk]), {"post": "yes"})
    [revoked] = events(EventKind.ADMIN_CHANGE)
    assert revoked.actor == root and revoked.detail["action"] == "delete"
    assert revoked.target.startswith(f"api.apitoken:{token.pk} ")


def test_people_list_export_and_api_reads_are_recorded(org: Org) -> None:
    client = client_for(org.secretary_a)
    assert client.get(reverse("person_list"), {"q": "张"}).status_code == 200
    [listed] = events(EventKind.LIST_READ)
    assert listed.actor == org.secretary_a and listed.target == "people"
    assert listed.detail["rows"] == 1 and listed.detail["filters"]["q"] == "张"

    assert client.get(reverse("people_export")).status_code == 200
    [exported] = events(EventKind.EXPORT)
    assert (exported.target, exported.detail["rows"]) == ("people.xlsx", 4)

    _token, raw = ApiToken.issue(user=org.secretary_a, name="脚本")
    response = Client().get("/api/v1/people", {"limit": 2}, headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    api_read = events(EventKind.LIST_READ, target="api:people")
    assert [(e.actor, e.detail["rows"]) for e in api_read] == [(org.secretary_a, 2)]


def test_a_grid_page_of_people_is_recorded(org: Org) -> None:
    assert client_for(org.grid_member).get(reverse("grid_detail", args=[org.grid_a1.pk])).status_code == 200
    [listed] = events(EventKind.LIST_READ)
    assert (listed.actor, listed.target, listed.detail["rows"]) == (
        org.grid_member,
        f"grid:{org.grid_a1.pk}",
        2,
    )


def test_ledger_export_is_recorded(org: Org) -> None:
    assert client_for(org.secretary_a).get(reverse("appeal_ledger_export")).status_code == 200
    [exported] = events(EventKind.EXPORT)
    assert exported.actor == org.secretary_a and exported.target == "appeals-ledger.xlsx"


# --- Append-only ----------------------------------------------------------------------------------


def test_orm_refuses_update_and_delete(org: Org) -> None:
    event = audit_event_record(kind=EventKind.EXPORT, actor=org.leader, target="people.xlsx")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(target="forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.target = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).target == "people.xlsx"


def test_database_refuses_raw_update_and_delete(org: Org) -> None:
    event = audit_event_record(kind=EventKind.LOGIN, actor=org.leader, ip="10.0.0.1")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {TABLE} SET ip_address = %s WHERE id = %s", ["1.2.3.4", event.pk])  # noqa: S608
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [event.pk])  # noqa: S608
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608
    assert AuditEvent.objects.get(pk=event.pk).ip_address == "10.0.0.1"


def aged(days: int, target: str) -> AuditEvent:
    return AuditEvent.objects.create(
        kind=EventKind.LOGIN, target=target, at=timezone.now() - dt.timedelta(days=days)
    )


def test_rows_younger_than_180_days_cannot_be_deleted_even_old_enough_for_the_setting(org: Org) -> None:
    young = aged(179, "young")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [young.pk])  # noqa: S608
    with pytest.raises(CommandError, match="至少保留 180 天"):
        call_command("audit_purge", "--days", "30", stdout=StringIO())
    assert AuditEvent.objects.filter(pk=young.pk).exists()


def test_purge_removes_only_what_is_past_the_retention_period(org: Org, settings: Any) -> None:
    settings.AUDIT_RETENTION_DAYS = 365
    old, kept, recent = aged(400, "old"), aged(200, "kept"), aged(1, "recent")
    call_command("audit_purge", stdout=StringIO())
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk__in=[kept.pk, recent.pk]).count() == 2
    [purge] = events(EventKind.ADMIN_CHANGE)
    assert purge.detail["action"] == "purge" and purge.detail["deleted"] == 1


# --- The export for inspectors --------------------------------------------------------------------


def read_csv(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_auditor_exports_events_and_the_access_log_as_csv(org: Org, auditor: Any) -> None:
    audit_event_record(kind=EventKind.EXPORT, actor=org.leader, target="=cmd|' /C calc'!A0")
    access_log_record(actor=org.secretary_a, person=org.employee_person, sections=["health"], ip="10.0.0.7")
    client = client_for(auditor)
    url = reverse("admin:audit_auditevent_export")
    today = timezone.localdate().isoformat()
    rows = read_csv(client.get(url, {"log": "events", "since": today, "until": today}))
    assert rows[0][:3] == ["时间", "类别", "已拒绝"]
    exported = [r for r in rows[1:] if r[1] == "导出"]
    assert exported and exported[0][5] == "'=cmd|' /C calc'!A0"  # a formula is written as text
    access = read_csv(client.get(url, {"log": "access"}))
    assert access[1][1:] == [
        "secretary_a",
        org.employee_person.employee_no,
        "张伟",
        "web",
        "health",
        "10.0.0.7",
    ]
    recorded = events(EventKind.EXPORT, actor=auditor)
    assert [e.detail["log"] for e in recorded] == ["events", "access"]


def test_export_period_excludes_other_days_and_bad_dates_get_a_message(org: Org, auditor: Any) -> None:
    aged(3, "three days ago")
    client = client_for(auditor)
    url = reverse("admin:audit_auditevent_export")
    today = timezone.localdate().isoformat()
    rows = read_csv(client.get(url, {"since": today}))
    assert all(r[5] != "three days ago" for r in rows)
    bad = client.get(url, {"since": "2026-13-40"})
    assert bad.status_code == 400 and "日期" in bad.content.decode()
    reversed_period = client.get(url, {"since": "2026-06-02", "until": "2026-06-01"})
    assert (
        reversed_period.status_code == 400 and "起始日期不能晚于截止日期" in reversed_period.content.decode()
    )


def test_only_the_audit_administrator_exports(org: Org) -> None:
    url = reverse("admin:audit_auditevent_export")
    for user in (org.department, org.leader):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        assert client_for(user).get(url).status_code == 403
    assert not events(EventKind.EXPORT)
