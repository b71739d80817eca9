"""Care in the Django admin: event kinds and their trigger rules are configuration that system
administrators edit (the appeals' ConfigAdmin rules apply); the records themselves change only through
the services and are not listed here, since the admin would show restricted text without the access log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from lianxin.appeals.admin import ConfigAdmin
from lianxin.care.models import EventKind, TriggerRule


@admin.register(EventKind)
class EventKindAdmin(ConfigAdmin):
    list_display = ["code", "label", "active", "order"]
    list_editable = ["active", "order"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Code refers to the code: it is fixed once made.
        return ("code",) if obj is not None else ()


@admin.register(TriggerRule)
class TriggerRuleAdmin(ConfigAdmin):
    list_display = ["kind", "action", "responsible", "amount", "unit"]
    list_editable = ["action", "responsible", "amount", "unit"]
