"""The monthly thought-dynamics analysis report (员工思想动态分析报告) of a branch or of the enterprise: its
drafted sections (figures, tables and text, built from the month's data), the secretary's edited text per
section, and the review workflow draft → submitted → returned/accepted, each step an appended event."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.audit.models import AppendOnlyError, AppendOnlyQuerySet


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已报送")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已采纳")


# The states in which the author may still change the text.
EDITABLE_STATES = (ReportStatus.DRAFT, ReportStatus.RETURNED)


class ReportEventKind(models.TextChoices):
    DRAFTED = "drafted", _("起草")
    EDITED = "edited", _("修改")
    SUBMITTED = "submitted", _("报送")
    RETURNED = "returned", _("退回")
    ACCEPTED = "accepted", _("采纳")


class Report(models.Model):
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="thought_reports", verbose_name=_("单位")
    )
    month = models.DateField(_("月份"), help_text=_("当月第一天"))
    status = models.CharField(
        _("状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT, db_index=True
    )
    # [{"key", "title", "figures": {...}, "tables": [{"title", "columns", "rows"}], "text"}], as drafted.
    sections = models.JSONField(_("报告内容"), default=list)
    # {section key: text}: the drafted text, as the author has edited it.
    texts = models.JSONField(_("正文"), default=dict)
    drafted_at = models.DateTimeField(_("起草时间"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)

    class Meta:
        ordering = ["-month", "unit__path"]
        verbose_name = _("思想动态分析报告")
        verbose_name_plural = _("思想动态分析报告")
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="reports_one_per_unit_month")]
        indexes = [models.Index(fields=["month", "status"])]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATES


class ReportEvent(models.Model):
    """What happened to a report: written once, never changed or deleted."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=10, choices=ReportEventKind.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("说明"), blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("报告记录")
        verbose_name_plural = _("报告记录")

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("report events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("report events cannot be deleted")
