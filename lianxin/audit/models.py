"""The audit store, append-only: the access log (who read whose file, when, from where, which sections) and
the audit events (logins, account, role and admin changes, exports, bulk reads)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an append-only row."""


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("append-only rows cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("append-only rows cannot be deleted")


class AppendOnlyModel(models.Model):
    """Rows written once: saving an existing row or deleting one raises, in the ORM as in the database."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError(f"{self._meta.db_table} rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self._meta.db_table} rows cannot be deleted")


class AccessLog(AppendOnlyModel):
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("访问者"),
    )
    person = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("被访问人员")
    )
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    channel = models.CharField(_("途径"), max_length=16, default="web")
    sections = models.JSONField(_("查看部分"), default=list)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("档案访问记录")
        verbose_name_plural = _("档案访问记录")
        indexes = [models.Index(fields=["person", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} → {self.person_id}"


class EventKind(models.TextChoices):
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGOUT = "logout", _("退出")
    PASSWORD_CHANGE = "password_change", _("修改密码")
    ACCOUNT_CHANGE = "account_change", _("账号变更")
    ROLE_CHANGE = "role_change", _("角色变更")
    ADMIN_CHANGE = "admin_change", _("后台变更")
    UNIT_MOVE = "unit_move", _("单位调整")
    EXPORT = "export", _("导出")
    LIST_READ = "list_read", _("批量查看")
    BREAK_GLASS = "break_glass", _("应急授权")


class AuditEvent(AppendOnlyModel):
    """One security-relevant act: logins, password, account and role changes, admin changes, unit moves,
    exports and bulk reads of personal data. Refused attempts are recorded too. Append-only: the database
    refuses UPDATE, and DELETE of anything younger than the retention floor (see triggers.py)."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    kind = models.CharField(_("类别"), max_length=20, choices=EventKind.choices, db_index=True)
    refused = models.BooleanField(_("已拒绝"), default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作者"),
    )
    # The name given at login (kept for failed logins, which may name no account) or the actor's name then.
    username = models.CharField(_("账号名"), max_length=150, blank=True)
    target = models.CharField(_("对象"), max_length=200, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        indexes = [models.Index(fields=["kind", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.username} {self.target}"
