"""The access log is append-only: in the admin, in the ORM and in the database itself."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse

from lianxin.audit.models import AccessLog, AppendOnlyError
from lianxin.audit.services import access_log_record
from lianxin.org.models import Person, UnitKind
from tests.factories import Org, build_org

User = get_user_model()


@pytest.fixture
def log(org: Org) -> AccessLog:
    return access_log_record(
        actor=org.secretary_a, person=org.employee_person, sections=["basic", "health"], ip="10.0.0.7"
    )


@pytest.fixture
def superuser_client(db: None) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="Root-password-2026"))
    return client


def test_superuser_reads_the_log_in_the_admin(superuser_client: Client, log: AccessLog) -> None:
    listing = superuser_client.get(reverse("admin:audit_accesslog_changelist"))
    assert listing.status_code == 200
    assert "10.0.0.7" in listing.content.decode()
    detail = superuser_client.get(reverse("admin:audit_accesslog_change", args=[log.pk]))
    assert detail.status_code == 200
    assert 'name="ip_address"' not in detail.content.decode()  # shown read-only, no input to edit


def test_superuser_cannot_change_add_or_delete_through_the_admin(
    superuser_client: Client, log: AccessLog, org: Org
) -> None:
    change = superuser_client.post(
        reverse("admin:audit_accesslog_change", args=[log.pk]),
        {"ip_address": "1.2.3.4", "channel": "forged", "sections": "[]", "person": org.stranger.pk},
    )
    assert change.status_code == 403
    delete = superuser_client.post(reverse("admin:audit_accesslog_delete", args=[log.pk]), {"post": "yes"})
    assert delete.status_code == 403
    add = superuser_client.post(
        reverse("admin:audit_accesslog_add"), {"person": org.stranger.pk, "channel": "web", "sections": "[]"}
    )
    assert add.status_code == 403
    bulk = superuser_client.post(
        reverse("admin:audit_accesslog_changelist"),
        {"action": "delete_selected", "_selected_action": [log.pk], "post": "yes"},
    )
    assert bulk.status_code in {200, 302}
    assert AccessLog.objects.count() == 1
    log.refresh_from_db()
    assert (log.ip_address, log.channel, log.person_id) == ("10.0.0.7", "web", org.employee_person.pk)


def test_view_permission_is_needed_to_read_the_log(log: AccessLog) -> None:
    staff = User.objects.create_user("staff", password="Staff-password-2026", is_staff=True)
    client = Client()
    client.force_login(staff)
    url = reverse("admin:audit_accesslog_changelist")
    assert client.get(url).status_code == 403
    view = Permission.objects.get(codename="view_accesslog", content_type__app_label="audit")
    staff.user_permissions.add(view)
    staff = User.objects.get(pk=staff.pk)  # drop the permission cache
    client.force_login(staff)
    assert client.get(url).status_code == 200
    assert client.post(reverse("admin:audit_accesslog_change", args=[log.pk]), {}).status_code == 403


def test_orm_refuses_update_and_delete(log: AccessLog) -> None:
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=log.pk).update(ip_address="1.2.3.4")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=log.pk).delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    log.channel = "forged"
    with pytest.raises(AppendOnlyError):
        log.save()
    with pytest.raises(AppendOnlyError):
        log.delete()
    assert AccessLog.objects.get(pk=log.pk).channel == "web"


def test_database_refuses_raw_update_and_delete(log: AccessLog) -> None:
    table = AccessLog._meta.db_table
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET channel = %s WHERE id = %s", ["forged", log.pk])  # noqa: S608
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [log.pk])  # noqa: S608
    assert AccessLog.objects.get(pk=log.pk).channel == "web"


def test_a_person_with_access_logs_cannot_be_deleted(log: AccessLog, org: Org) -> None:
    # Intended: the log must keep naming whose file was read, so the file outlives its deletion request.
    with pytest.raises(ProtectedError):
        org.employee_person.delete()
    assert Person.objects.filter(pk=org.employee_person.pk).exists()


def test_opening_a_file_in_the_admin_is_logged_and_hides_restricted_parts(
    superuser_client: Client, org: Org
) -> None:
    person = org.employee_person
    response = superuser_client.get(reverse("admin:org_person_change", args=[person.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "高血压" not in page and "家庭变故" not in page
    entry = AccessLog.objects.get(person=person)
    assert entry.channel == "admin" and entry.actor is not None and entry.actor.username == "root"


def test_flush_empties_the_log_and_keeps_the_guard(log: AccessLog) -> None:
    # Transactional tests (the browser test) end with a flush; on SQLite it must get past the trigger.
    # Run here inside the test's transaction, so the wiped database comes back for the tests after it.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # TRUNCATE refuses while deferred foreign-key checks wait
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    assert AccessLog.objects.count() == 0
    for level, code in enumerate(["enterprise", "branch", "team"]):  # the flush took the shipped kinds too
        UnitKind.objects.get_or_create(code=code, defaults={"name": code, "level": level})
    org = build_org()
    again = access_log_record(actor=org.leader, person=org.stranger, sections=["basic"], ip=None)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_accesslog WHERE id = %s", [again.pk])
