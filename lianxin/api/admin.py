"""Admin for API tokens: a security administrator can see who holds which token and revoke it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.http import HttpRequest

from lianxin.api.models import ApiToken

# ModelAdmin is generic only for the type checker; at run time it cannot be subscripted.
if TYPE_CHECKING:
    _TokenAdminBase = admin.ModelAdmin[ApiToken]
else:
    _TokenAdminBase = admin.ModelAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(_TokenAdminBase):
    list_display = ("name", "user", "created_at", "last_used_at")
    list_filter = ("user__is_active",)
    search_fields = ("name", "user__username")
    readonly_fields = ("user", "key_digest", "created_at", "last_used_at")
    fields = ("name", "user", "key_digest", "created_at", "last_used_at")
    ordering = ("-created_at",)
    actions = ["delete_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A token is issued with `manage.py issue_token`, the only place its raw key is ever shown;
        # revoking a token is deleting it.
        return False
