"""Every view of a person file leaves one append-only access-log row: who, whom, from where, what."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from lianxin.audit.models import AccessLog, AppendOnlyError
from tests.factories import Org

pytestmark = pytest.mark.django_db
IP = "10.2.3.4"


def view(user: Any, name: str, pk: int) -> Any:
    client = Client(REMOTE_ADDR=IP)
    client.force_login(user)
    return client.get(reverse(name, args=[pk]))


def only_new_row(before: int) -> AccessLog:
    assert AccessLog.objects.count() == before + 1
    return AccessLog.objects.order_by("-pk").first()  # type: ignore[return-value]


def test_secretary_view_logs_sensitive_section(org: Org) -> None:
    before = AccessLog.objects.count()
    assert view(org.secretary_a, "person_detail", org.employee_person.pk).status_code == 200
    row = only_new_row(before)
    assert row.actor == org.secretary_a
    assert row.person == org.employee_person
    assert row.ip_address == IP
    assert row.channel == "web"
    assert row.sections == sorted(["basic", "contacts", "corrections", "household", "sensitive", "tags"])


def test_grid_member_view_logs_what_was_shown_and_no_more(org: Org) -> None:
    before = AccessLog.objects.count()
    view(org.grid_member, "person_detail", org.employee_person.pk)
    row = only_new_row(before)
    assert row.actor == org.grid_member
    assert row.sections == ["basic", "contacts", "household", "tags"]


def test_own_file_view_is_logged_too(org: Org) -> None:
    before = AccessLog.objects.count()
    view(org.employee, "person_detail", org.employee_person.pk)
    row = only_new_row(before)
    assert row.actor == org.employee and row.person == org.employee_person
    assert "sensitive" in row.sections and "corrections" in row.sections


def test_timeline_view_logs_timeline_section(org: Org) -> None:
    before = AccessLog.objects.count()
    view(org.secretary_a, "person_timeline", org.paired_person.pk)
    row = only_new_row(before)
    assert row.sections == ["timeline"]
    assert row.actor == org.secretary_a and row.person == org.paired_person and row.ip_address == IP


def test_refused_views_and_lists_log_nothing(org: Org) -> None:
    before = AccessLog.objects.count()
    assert view(org.secretary_b, "person_detail", org.employee_person.pk).status_code == 404
    assert view(org.secretary_b, "person_timeline", org.employee_person.pk).status_code == 404
    client = Client()
    client.force_login(org.secretary_a)
    assert client.get(reverse("person_list")).status_code == 200
    assert client.post(reverse("person_detail", args=[org.employee_person.pk])).status_code == 405
    assert AccessLog.objects.count() == before


def test_each_view_is_one_row(org: Org) -> None:
    before = AccessLog.objects.count()
    for _ in range(3):
        view(org.leader, "person_detail", org.stranger.pk)
    assert AccessLog.objects.filter(person=org.stranger, actor=org.leader).count() == 3
    assert AccessLog.objects.count() == before + 3


def test_log_cannot_be_changed_or_deleted(org: Org) -> None:
    view(org.secretary_a, "person_detail", org.employee_person.pk)
    row = AccessLog.objects.get()
    row.sections = ["basic"]
    with pytest.raises(AppendOnlyError), transaction.atomic():
        row.save()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        row.delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AccessLog.objects.filter(pk=row.pk).update(sections=[])
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AccessLog.objects.all().delete()
    row.refresh_from_db()
    assert "sensitive" in row.sections
