"""The audit store in the admin: readable by the audit administrator (and a break-glass superuser), never
editable by anyone, with a CSV export for inspectors that is itself recorded."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponseBadRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.audit import export
from lianxin.audit.admin_site import AuditedModelAdmin
from lianxin.audit.models import AccessLog, AuditEvent, EventKind
from lianxin.audit.services import audit_event_record, client_ip


def can_read(user: Any, model: type[Model]) -> bool:
    """The audit administrator's group holds the view permissions; a break-glass superuser reads too."""
    codename = f"{model._meta.app_label}.view_{model._meta.model_name}"
    return bool(user.is_active and (user.is_superuser or user.has_perm(codename)))


class ReadOnlyAuditAdmin(AuditedModelAdmin):
    actions = None  # no bulk delete, not even for superusers

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return can_read(request.user, self.model)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAuditAdmin):
    list_display = ("at", "actor", "person", "ip_address", "channel", "sections")
    list_filter = ("channel",)
    search_fields = ("actor__username", "person__name", "person__employee_no", "ip_address")
    list_select_related = ("actor", "person")
    date_hierarchy = "at"


class ExportForm(forms.Form):
    log = forms.ChoiceField(
        choices=[("events", _("审计记录")), ("access", _("档案访问记录"))], required=False
    )
    since = forms.DateField(label=_("起始日期"), required=False)
    until = forms.DateField(label=_("截止日期"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        return data


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAuditAdmin):
    change_list_template = "admin/audit/auditevent/change_list.html"
    list_display = ("at", "kind", "refused", "username", "target", "ip_address")
    list_filter = ("kind", "refused")
    search_fields = ("username", "target", "ip_address")
    date_hierarchy = "at"

    def get_urls(self) -> list[URLPattern]:
        export_url = path(
            "export.csv", self.admin_site.admin_view(self.export_view), name="audit_auditevent_export"
        )
        return [export_url, *super().get_urls()]

    def export_view(self, request: HttpRequest) -> HttpResponseBase:
        """?log=events|access&since=YYYY-MM-DD&until=YYYY-MM-DD, both days included."""
        if not can_read(request.user, AuditEvent):
            raise PermissionDenied
        form = ExportForm(request.GET)
        if not form.is_valid():
            messages = "；".join(str(m) for errors in form.errors.values() for m in errors)
            return HttpResponseBadRequest(messages, content_type="text/plain; charset=utf-8")
        data = form.cleaned_data
        log = data["log"] or "events"
        model = AuditEvent if log == "events" else AccessLog
        if not can_read(request.user, model):
            raise PermissionDenied
        bounds = export.period(data["since"], data["until"])
        audit_event_record(
            kind=EventKind.EXPORT,
            actor=request.user,
            target=model._meta.label_lower,
            detail={"log": log, "since": str(data["since"] or ""), "until": str(data["until"] or "")},
            ip=client_ip(request.META),
        )
        if log == "events":
            lines = export.csv_lines(
                export.EVENT_HEADERS, export.event_rows(AuditEvent.objects.filter(**bounds))
            )
        else:
            lines = export.csv_lines(
                export.ACCESS_HEADERS, export.access_rows(AccessLog.objects.filter(**bounds))
            )
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="audit-{log}-{stamp}.csv"'
        return response
