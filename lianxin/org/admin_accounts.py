"""Accounts and data roles in the admin, for the security administrator.

Replaces Django's stock user admin: no page offers superuser, staff status, groups or permissions, and
who may change which account or role is decided in lianxin.org.admins, which records every refusal.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserCreationForm
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lianxin.audit.admin_site import AuditedModelAdmin
from lianxin.audit.services import client_ip
from lianxin.org import admins
from lianxin.org.models import Role, RoleAssignment

User = get_user_model()

admin.site.unregister(User)
admin.site.unregister(Group)


class AccountCreationForm(UserCreationForm):  # type: ignore[type-arg]
    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined,misc]
        model = User
        fields = ("username", "first_name")


class AccountPasswordForm(AdminPasswordChangeForm):  # type: ignore[type-arg]
    """A new password, always: disabling password login is not offered."""

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields.pop("usable_password", None)
        self.fields["password1"].required = self.fields["password2"].required = True


@admin.register(User)
class AccountAdmin(AuditedModelAdmin, UserAdmin):  # type: ignore[type-arg]
    audited_by_service = True
    actions = None  # accounts are deactivated, never deleted: the audit store names them
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email")}),
        (_("状态"), {"fields": ("is_active",)}),
        (
            _("管理员身份（只读：仅应急授权命令 break_glass 可以变更）"),
            {"fields": ("is_staff", "is_superuser", "group_names", "role_names")},
        ),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "first_name", "password1", "password2")}),
    )
    readonly_fields = ("is_staff", "is_superuser", "group_names", "role_names", "last_login", "date_joined")
    add_form = AccountCreationForm
    change_password_form = AccountPasswordForm
    list_display = ("username", "first_name", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff")
    filter_horizontal = ()

    @admin.display(description=_("组"))
    def group_names(self, obj: Any) -> str:
        return "、".join(g.name for g in obj.groups.all()) or "—"

    @admin.display(description=_("角色"))
    def role_names(self, obj: Any) -> str:
        assignments = RoleAssignment.objects.filter(user=obj).select_related("unit")
        return "；".join(f"{a.get_role_display()} @ {a.unit.name}" for a in assignments) or "—"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or admins.account_refusal(request.user, obj) is None)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        if request.method == "POST":
            admins.account_check(
                actor=request.user, target=None, posted=request.POST, ip=client_ip(request.META)
            )
        return super().add_view(request, form_url, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if request.method == "POST":
            target = self.get_object(request, unquote(object_id))
            if target is not None:
                admins.account_check(
                    actor=request.user, target=target, posted=request.POST, ip=client_ip(request.META)
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        admins.account_save(
            actor=request.user,
            user=obj,
            created=not change,
            changed=list(form.changed_data),
            ip=client_ip(request.META),
        )

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        user = self.get_object(request, unquote(id))
        if user is None:
            raise Http404("account")
        ip = client_ip(request.META)
        if request.method != "POST":
            admins.account_check(actor=request.user, target=user, ip=ip, attempt="password")
            return super().user_change_password(request, id, form_url)
        admins.account_check(actor=request.user, target=user, ip=ip, attempt="password")
        form = AccountPasswordForm(user, request.POST)
        if not form.is_valid():
            return super().user_change_password(request, id, form_url)  # shows the form's errors
        admins.account_password_set(
            actor=request.user, user=user, password=form.cleaned_data["password1"], ip=ip
        )
        messages.success(request, _("密码已修改。"))
        return HttpResponseRedirect(reverse("admin:auth_user_change", args=[user.pk]))


@admin.register(Group)
class GroupAdmin(AuditedModelAdmin):
    """The administrators' groups, read-only: they are kept by the break-glass command."""

    list_display = ("name",)
    readonly_fields = ("name", "permissions")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RoleAssignmentForm(forms.ModelForm):  # type: ignore[type-arg]
    """Data roles only: the administrator roles are not offered."""

    role = forms.ChoiceField(
        label=_("角色"), choices=[(v, label) for v, label in Role.choices if v not in admins.ADMIN_ROLES]
    )

    class Meta:
        model = RoleAssignment
        fields = ("user", "role", "unit", "informant_kind")


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedModelAdmin):
    """Granting is adding a row, revoking is deleting it; a role is never edited in place."""

    audited_by_service = True
    form = RoleAssignmentForm
    list_display = ("user", "role", "unit", "informant_kind")
    list_filter = ("role", "informant_kind")
    search_fields = ("user__username", "unit__name", "unit__party_name")
    list_select_related = ("user", "unit")
    autocomplete_fields = ("user", "unit")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or admins.role_refusal(request.user, obj.user, obj.role) is None)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        if request.method == "POST":
            user_id = _int(request.POST.get("user"))
            target = User.objects.filter(pk=user_id).first() if user_id is not None else None
            admins.role_check(
                actor=request.user,
                target=target,
                role=str(request.POST.get("role", "")),
                ip=client_ip(request.META),
                granting=True,
            )
        return super().add_view(request, form_url, extra_context)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        if request.method == "POST":
            assignment = self.get_object(request, unquote(object_id))
            if assignment is not None:
                admins.role_check(
                    actor=request.user,
                    target=assignment.user,
                    role=assignment.role,
                    ip=client_ip(request.META),
                )
        return super().delete_view(request, object_id, extra_context)

    def save_model(self, request: HttpRequest, obj: RoleAssignment, form: Any, change: bool) -> None:
        saved = admins.role_grant(
            actor=request.user,
            user=obj.user,
            role=obj.role,
            unit=obj.unit,
            informant_kind=obj.informant_kind,
            ip=client_ip(request.META),
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: RoleAssignment) -> None:
        admins.role_revoke(actor=request.user, assignment=obj, ip=client_ip(request.META))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleAssignment]) -> None:
        ip = client_ip(request.META)
        assignments = list(queryset.select_related("user", "unit"))
        for assignment in assignments:  # all checked before any is revoked
            admins.role_check(actor=request.user, target=assignment.user, role=assignment.role, ip=ip)
        for assignment in assignments:
            admins.role_revoke(actor=request.user, assignment=assignment, ip=ip)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
