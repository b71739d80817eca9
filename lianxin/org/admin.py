"""Django admin for configuring the organisation: kinds, units, tags, people, roles, responsibility, pairing.

The admin is for configuration. Restricted parts of a file are left out of it, and every file opened
here is written to the access log like any other view.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from lianxin.audit.admin_site import AuditedModelAdmin
from lianxin.audit.services import access_log_record, client_ip
from lianxin.org import admin_accounts  # noqa: F401  (accounts and roles: registers their admins)
from lianxin.org.models import (
    CalendarDay,
    CorrectionRequest,
    DifficultyTag,
    Pairing,
    Person,
    Responsibility,
    RosterImport,
    Unit,
    UnitKind,
)
from lianxin.org.unit_moves import move_problem, unit_move_request

# Restricted parts (health, hardship, key-person reason) are seen only through the scoped file page.
RESTRICTED_FIELDS = ("health_notes", "hardship_details", "key_person_reason")


@admin.register(UnitKind)
class UnitKindAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "code", "level", "is_branch")
    ordering = ("level", "code")


class UnitChangeForm(forms.ModelForm):  # type: ignore[type-arg]
    """An existing unit's fields, and a request to move it: a move waits for the department's approval."""

    move_to = forms.ModelChoiceField(
        Unit.objects.all(),
        required=False,
        label=_("申请调整至"),
        help_text=_("调整上级单位会改变谁能查看其人员档案，须经党群工作部批准后生效。"),
    )
    move_reason = forms.CharField(
        label=_("调整理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = Unit
        fields = ("name", "party_name", "kind", "is_grid", "grid_chief")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        target = data.get("move_to")
        if target is not None:
            problem = move_problem(unit=self.instance, new_parent=target, reason=data.get("move_reason", ""))
            if problem:
                raise ValidationError(problem)
        return data


@admin.register(Unit)
class UnitAdmin(AuditedModelAdmin, TreeAdmin):
    """New units are placed with treebeard's form; an existing unit is never moved from here: editing or
    dragging it in the tree files a move request for the department (lianxin.org.unit_moves)."""

    form = movenodeform_factory(Unit)
    list_display = ("name", "party_name", "kind", "is_grid")
    list_filter = ("kind", "is_grid")
    search_fields = ("name", "party_name")
    autocomplete_fields = ("grid_chief",)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is not None:
            kwargs["form"] = UnitChangeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        target = form.cleaned_data.get("move_to") if change else None
        if target is not None:
            self._request_move(request, obj, target, form.cleaned_data["move_reason"])

    def _request_move(self, request: HttpRequest, unit: Unit, target: Unit, reason: str) -> None:
        unit_move_request(
            actor=request.user, unit=unit, new_parent=target, reason=reason, ip=client_ip(request.META)
        )
        messages.info(request, _("调整申请已提交，党群工作部批准后生效。"))

    def move_node(self, request: HttpRequest) -> HttpResponse:
        """Dragging a unit in the tree asks for the move instead of making it."""
        if not self.has_change_permission(request):
            return self.guarded(request, lambda: super(UnitAdmin, self).move_node(request))  # refused
        try:
            node = Unit.objects.get(pk=int(request.POST.get("node", "")))
            target = Unit.objects.get(pk=int(request.POST.get("target", "")))
        except (Unit.DoesNotExist, ValueError):
            return HttpResponseBadRequest("Invalid form data provided")
        parent = target if request.POST.get("relation") == "child" else target.get_parent()
        reason = str(_("在组织树中拖动调整"))
        problem = None if parent is None else move_problem(unit=node, new_parent=parent, reason=reason)
        if parent is None or problem:
            messages.error(request, problem or _("不能调整为顶层单位。"))
            return HttpResponseBadRequest("Move refused")
        self._request_move(request, node, parent, reason)
        return HttpResponse("OK")


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
