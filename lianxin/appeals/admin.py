"""Appeals in the Django admin: appeals, their events, notices and boards are read-only (appeals arrive
through the channels and change only through the services, which write an event for every step);
categories and grade time limits are configuration that system administrators edit."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from lianxin.appeals.models import (
    Appeal,
    AppealEvent,
    Board,
    BoardItem,
    Category,
    GradeRule,
    Notification,
)
from lianxin.org.models import Role
from lianxin.org.scope import has_role


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """View only, for everyone: no add, no change, no delete, no bulk actions."""

    actions = None

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields if field.name not in (self.exclude or ())]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AppealEventInline(admin.TabularInline):  # type: ignore[type-arg]
    model = AppealEvent
    fields = ("at", "kind", "actor", "public", "text")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("at", "pk")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ("number", "channel", "received_at", "unit", "category", "grade", "state", "level")
    list_filter = ("state", "grade", "channel", "track", "level")
    search_fields = ("number",)
    list_select_related = ("unit", "category")
    date_hierarchy = "received_at"
    # The receipt's lookup and hash serve the holder of the receipt only; staff have no use for them.
    exclude = ("receipt_lookup", "receipt_hash")
    inlines = (AppealEventInline,)


class ConfigAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Configuration edited by system administrators (and superusers); rows are retired, not deleted."""

    actions = None

    def _configures(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active and user.is_staff and (user.is_superuser or has_role(user, Role.SYSTEM_ADMIN))
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._configures(request) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._configures(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._configures(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._configures(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(ConfigAdmin):
    list_display = ("code", "label", "active", "order")
    list_editable = ("active", "order")
    search_fields = ("code", "label")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code",) if obj is not None else ()  # appeals and code refer to the code


@admin.register(GradeRule)
class GradeRuleAdmin(ConfigAdmin):
    list_display = (
        "grade",
        "response_amount",
        "response_unit",
        "closure_amount",
        "closure_unit",
        "alert_at_once",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("grade",) if obj is not None else ()


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "kind", "message", "read_at")
    list_filter = ("kind",)
    list_select_related = ("user",)


class BoardItemInline(admin.TabularInline):  # type: ignore[type-arg]
    model = BoardItem
    fields = ("appeal", "summary", "handling", "approved", "approved_by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Board)
class BoardAdmin(ReadOnlyAdmin):
    list_display = ("unit", "month", "status", "published_at")
    list_filter = ("status",)
    list_select_related = ("unit",)
    inlines = (BoardItemInline,)


@admin.register(BoardItem)
class BoardItemAdmin(ReadOnlyAdmin):
    list_display = ("board", "appeal", "approved")
    list_select_related = ("board", "board__unit", "appeal")
