"""The configuration admin: every registered page opens, searches work, and read-only records stay so."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from lianxin.org.models import CorrectionRequest, RosterImport
from tests.factories import Org

User = get_user_model()


@pytest.fixture
def root_client(org: Org) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="Root-password-2026"))
    return client


def test_every_registered_list_and_add_page_opens(root_client: Client) -> None:
    read_only = {"audit.accesslog", "audit.auditevent", "org.correctionrequest", "org.rosterimport"}
    for model in admin.site._registry:
        if model._meta.app_label not in {"org", "audit"}:
            continue
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        assert root_client.get(reverse(f"{prefix}_changelist")).status_code == 200, label
        expected = 403 if label in read_only else 200
        assert root_client.get(reverse(f"{prefix}_add")).status_code == expected, label


def test_unit_tree_and_person_search(root_client: Client, org: Org) -> None:
    tree = root_client.get(reverse("admin:org_unit_changelist")).content.decode()
    assert "示范电厂" in tree  # the tree opens at its roots; children load on demand
    found = root_client.get(reverse("admin:org_unit_changelist"), {"q": "检修"}).content.decode()
    assert "检修部" in found and "检修一班" in found and "运维部" not in found
    page = root_client.get(reverse("admin:org_person_changelist"), {"q": org.stranger.employee_no})
    assert "刘洋" in page.content.decode() and "张伟" not in page.content.decode()
    by_status = root_client.get(reverse("admin:org_person_changelist"), {"political_status__exact": "cpc"})
    assert "李娜" in by_status.content.decode() and "刘洋" not in by_status.content.decode()


def test_role_assignments_list_by_role_with_autocomplete(root_client: Client, org: Org) -> None:
    listing = root_client.get(reverse("admin:org_roleassignment_changelist"), {"role__exact": "secretary"})
    rows = listing.content.decode().split("<tbody>")[1].split("</tbody>")[0]
    assert "secretary_a" in rows and "secretary_b" in rows and "department" not in rows
    units = root_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "运维",
            "app_label": "org",
            "model_name": "roleassignment",
            "field_name": "unit",
        },
    )
    assert [row["text"] for row in units.json()["results"]] == ["运维部"]
    users = root_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "secretary",
            "app_label": "org",
            "model_name": "roleassignment",
            "field_name": "user",
        },
    )
    assert {row["text"] for row in users.json()["results"]} == {"secretary_a", "secretary_b"}


def test_correction_decisions_are_not_edited_in_the_admin(root_client: Client, org: Org) -> None:
    request = CorrectionRequest.objects.create(
        person=org.employee_person, field="phone", proposed_value="139", requested_by=org.employee
    )
    url = reverse("admin:org_correctionrequest_change", args=[request.pk])
    page = root_client.get(url).content.decode()
    assert 'name="status"' not in page and 'name="decision_reason"' not in page
    root_client.post(url, {"status": "accepted", "decision_reason": "forged", "proposed_value": "1"})
    request.refresh_from_db()
    assert (request.status, request.decision_reason, request.proposed_value) == ("pending", "", "139")


def test_roster_imports_are_read_only(root_client: Client, org: Org) -> None:
    record = RosterImport.objects.create(
        original_name="roster.xlsx", file="roster/x.xlsx", created_by=org.department
    )
    change = reverse("admin:org_rosterimport_change", args=[record.pk])
    assert root_client.get(change).status_code == 200
    assert root_client.post(change, {"original_name": "forged.xlsx"}).status_code == 403
    delete = reverse("admin:org_rosterimport_delete", args=[record.pk])
    assert root_client.post(delete, {"post": "yes"}).status_code == 403
    assert RosterImport.objects.get(pk=record.pk).original_name == "roster.xlsx"
