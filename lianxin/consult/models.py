"""Consultation meetings (会诊): a branch's or the enterprise's weekly, monthly or quarterly meeting that goes
through open warnings and overdue or red appeals, decides who acts on each by when, and records minutes.

Once a meeting is held its agenda and decisions are the record: nothing of it is deleted."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class MeetingKind(models.TextChoices):
    WEEKLY = "weekly", _("周例会")
    MONTHLY = "monthly", _("月度会")
    QUARTERLY = "quarterly", _("季度会")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("筹备中")
    HELD = "held", _("已召开")
    CLOSED = "closed", _("已归档")


class ItemSource(models.TextChoices):
    WARNING = "warning", _("预警")
    APPEAL = "appeal", _("诉求")
    OTHER = "other", _("其他议题")


def _refuse_after_held(status: str | None) -> None:
    if status is not None and status != MeetingStatus.PLANNED:
        raise ValidationError(gettext("会议已召开，议程和决定不能删除。"), code="held")


def _stored_status(meeting_id: int | None) -> str | None:
    """The meeting's status as stored now, not as an object loaded earlier remembers it."""
    if meeting_id is None:
        return None
    return Meeting.objects.filter(pk=meeting_id).values_list("status", flat=True).first()


class Meeting(models.Model):
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="consult_meetings", verbose_name=_("召开单位")
    )
    kind = models.CharField(_("会议类型"), max_length=10, choices=MeetingKind.choices)
    date = models.DateField(_("会议日期"), db_index=True)
    title = models.CharField(_("会议名称"), max_length=200)
    convener = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("召集人")
    )
    status = models.CharField(
        _("状态"), max_length=8, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED, db_index=True
    )
    minutes = models.TextField(_("会议纪要"), blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="consult_meetings", verbose_name=_("参会人员")
    )
    created_at = models.DateTimeField(default=timezone.now)
    held_at = models.DateTimeField(_("召开记录时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("归档时间"), null=True, blank=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("会诊会议")
        verbose_name_plural = _("会诊会议")
        indexes = [models.Index(fields=["unit", "date"], name="consult_meeting_unit_date")]

    def __str__(self) -> str:
        return self.title

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        _refuse_after_held(_stored_status(self.pk))
        return super().delete(*args, **kwargs)


class AgendaItemQuerySet(models.QuerySet["AgendaItem"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        if self.exclude(meeting__status=MeetingStatus.PLANNED).exists():
            _refuse_after_held(MeetingStatus.HELD)
        return super().delete()


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    source = models.CharField(_("来源"), max_length=8, choices=ItemSource.choices)
    warning = models.ForeignKey(
        "insight.Warning", on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    appeal = models.ForeignKey(
        "appeals.Appeal", on_delete=models.PROTECT, null=True, blank=True, related_name="agenda_items"
    )
    title = models.CharField(_("议题"), max_length=200)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("会诊议题")
        verbose_name_plural = _("会诊议题")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "warning"],
                condition=Q(warning__isnull=False),
                name="consult_item_warning_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "appeal"],
                condition=Q(appeal__isnull=False),
                name="consult_item_appeal_once",
            ),
            models.CheckConstraint(
                condition=(
                    Q(source="warning", warning__isnull=False, appeal__isnull=True)
                    | Q(source="appeal", appeal__isnull=False, warning__isnull=True)
                    | Q(source="other", appeal__isnull=True, warning__isnull=True)
                ),
                name="consult_item_source_matches",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        _refuse_after_held(_stored_status(self.meeting_id))
        return super().delete(*args, **kwargs)


class DecisionQuerySet(models.QuerySet["Decision"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        if self.exclude(item__meeting__status=MeetingStatus.PLANNED).exists():
            _refuse_after_held(MeetingStatus.HELD)
        return super().delete()


class Decision(models.Model):
    """A decision on one agenda item: what is done, who acts, by when."""

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="decisions")
    text = models.TextField(_("决定事项"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("责任人")
    )
    due = models.DateField(_("完成时限"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    # When the decision went back onto its appeal or warning and reached the person who acts.
    flowed_at = models.DateTimeField(null=True, blank=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("会诊决定")
        verbose_name_plural = _("会诊决定")

    def __str__(self) -> str:
        return self.text[:30]

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        _refuse_after_held(_stored_status(self.item.meeting_id))
        return super().delete(*args, **kwargs)
