"""The admin site: every change made through any admin page, and every change it refuses, is written to
the audit events (django_admin_log alone can be deleted by anyone with database access).

The site wraps each registered ModelAdmin, its own and third-party ones (axes, auth), in AuditedModelAdmin,
so no page can be added that escapes the record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from lianxin.audit.models import EventKind
from lianxin.audit.services import audit_event_record, client_ip

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = admin.ModelAdmin

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class AuditedModelAdmin(_ModelAdmin):
    # Admins whose saves go through services that write their own, more specific audit rows (account
    # and role changes) set this so a change is not recorded twice.
    audited_by_service = False

    def audit_refusal(self, request: HttpRequest, reason: str, target: str = "") -> None:
        audit_event_record(
            kind=EventKind.ADMIN_CHANGE,
            actor=request.user,
            target=target or self.opts.label_lower,
            detail={"path": request.path, "method": request.method, "reason": reason},
            ip=client_ip(request.META),
            refused=True,
        )

    def guarded(
        self, request: HttpRequest, view: Callable[[], HttpResponse], object_id: str = ""
    ) -> HttpResponse:
        """Run an admin view; a change it refuses is recorded before the refusal goes out."""
        try:
            return view()
        except PermissionDenied as denied:
            if request.method not in SAFE_METHODS:
                target = f"{self.opts.label_lower}:{object_id}" if object_id else ""
                self.audit_refusal(request, str(denied) or "permission denied", target)
            raise

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        return self.guarded(
            request, lambda: super(AuditedModelAdmin, self).add_view(request, form_url, extra_context)
        )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        return self.guarded(
            request,
            lambda: super(AuditedModelAdmin, self).change_view(request, object_id, form_url, extra_context),
            object_id,
        )

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        return self.guarded(
            request,
            lambda: super(AuditedModelAdmin, self).delete_view(request, object_id, extra_context),
            object_id,
        )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return self.guarded(
            request, lambda: super(AuditedModelAdmin, self).changelist_view(request, extra_context)
        )

    def _record(self, request: HttpRequest, objects: Iterable[Model], action: str, message: Any) -> None:
        if self.audited_by_service:
            return
        for obj in objects:
            audit_event_record(
                kind=EventKind.ADMIN_CHANGE,
                actor=request.user,
                target=obj,
                detail={"action": action, "change": message},
                ip=client_ip(request.META),
            )

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._record(request, [obj], "add", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._record(request, [obj], "change", message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        self._record(request, list(queryset), "delete", "")
        return super().log_deletions(request, queryset)


class AuditedAdminSite(admin.AdminSite):
    site_header = "连心 · 系统管理"
    site_title = "连心"

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedModelAdmin):
            admin_class = type(
                admin_class.__name__,
                (AuditedModelAdmin, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)
