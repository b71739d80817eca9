"""Django admin for configuring the organisation: kinds, units, tags, people, roles, responsibility, pairing.

The admin is for configuration. Restricted parts of a file are left out of it, and every file opened
here is written to the access log like any other view.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from lianxin.audit.services import access_log_record, client_ip
from lianxin.org.models import (
    CalendarDay,
    CorrectionRequest,
    DifficultyTag,
    Pairing,
    Person,
    Responsibility,
    RoleAssignment,
    RosterImport,
    Unit,
    UnitKind,
)

# Restricted parts (health, hardship, key-person reason) are seen only through the scoped file page.
RESTRICTED_FIELDS = ("health_notes", "hardship_details", "key_person_reason")


@admin.register(UnitKind)
class UnitKindAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "code", "level", "is_branch")
    ordering = ("level", "code")


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    form = movenodeform_factory(Unit)
    list_display = ("name", "party_name", "kind", "is_grid")
    list_filter = ("kind", "is_grid")
    search_fields = ("name", "party_name")
    autocomplete_fields = ("grid_chief",)


@admin.register(DifficultyTag)
class DifficultyTagAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    search_fields = ("name",)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("employee_no", "name", "unit", "political_status", "status")
    list_filter = ("political_status", "status")
    search_fields = ("name", "employee_no", "name_initials")
    list_select_related = ("unit",)
    autocomplete_fields = ("unit", "user")
    filter_horizontal = ("difficulty_tags",)
    exclude = RESTRICTED_FIELDS
    readonly_fields = ("created_at", "updated_at")

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            person = self.get_object(request, object_id)
            if person is not None:
                access_log_record(
                    actor=request.user,
                    person=person,
                    sections=["basic"],
                    ip=client_ip(request.META),
                    channel="admin",
                )
        return response


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "role", "unit", "informant_kind")
    list_filter = ("role", "informant_kind")
    search_fields = ("user__username", "unit__name", "unit__party_name")
    list_select_related = ("user", "unit")
    autocomplete_fields = ("user", "unit")


@admin.register(Responsibility)
class ResponsibilityAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("unit", "level", "responsible_unit", "responsible_person", "start_date", "end_date")
    list_filter = ("level",)
    search_fields = ("unit__name", "responsible_unit__name", "responsible_person__name")
    list_select_related = ("unit", "responsible_unit", "responsible_person")
    autocomplete_fields = ("unit", "responsible_unit", "responsible_person")


@admin.register(Pairing)
class PairingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("contact", "person", "start_date", "end_date")
    search_fields = ("contact__name", "contact__employee_no", "person__name", "person__employee_no")
    list_select_related = ("contact", "person")
    autocomplete_fields = ("contact", "person")
    date_hierarchy = "start_date"


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Decisions are taken by the branch secretary in the app (correction_decide), not here."""

    list_display = ("person", "field", "status", "requested_at", "decided_at")
    list_filter = ("status", "field")
    search_fields = ("person__name", "person__employee_no")
    list_select_related = ("person",)
    readonly_fields = (
        "person",
        "field",
        "current_value",
        "proposed_value",
        "reason",
        "requested_by",
        "requested_at",
        "status",
        "decided_by",
        "decided_at",
        "decision_reason",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A record of what was imported, by whom and with which result; it is never edited."""

    list_display = ("original_name", "status", "total_rows", "created_by", "created_at", "finished_at")
    list_filter = ("status",)
    list_select_related = ("created_by",)

    def get_readonly_fields(self, request: HttpRequest, obj: RosterImport | None = None) -> list[str]:
        return [field.name for field in RosterImport._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: RosterImport | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: RosterImport | None = None) -> bool:
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The State Council's holiday and working-weekend table, entered each autumn for the next year."""

    list_display = ("date", "is_workday", "note")
    list_filter = ("is_workday",)
    date_hierarchy = "date"
    search_fields = ("note",)
