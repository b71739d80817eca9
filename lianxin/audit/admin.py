"""The access log in the admin: readable by superusers and holders of the view permission, never editable."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from lianxin.audit.models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("at", "actor", "person", "ip_address", "channel", "sections")
    list_filter = ("channel",)
    search_fields = ("actor__username", "person__name", "person__employee_no", "ip_address")
    list_select_related = ("actor", "person")
    date_hierarchy = "at"
    actions = None  # no bulk delete, not even for superusers

    def get_readonly_fields(self, request: HttpRequest, obj: AccessLog | None = None) -> list[str]:
        return [field.name for field in AccessLog._meta.fields]

    def has_view_permission(self, request: HttpRequest, obj: AccessLog | None = None) -> bool:
        user = request.user
        return bool(user.is_active and (user.is_superuser or user.has_perm("audit.view_accesslog")))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AccessLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccessLog | None = None) -> bool:
        return False
