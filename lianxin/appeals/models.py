"""Appeals (诉求): the original words, which never change, and the append-only events that follow them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.appeals.codes import Channel, EventKind, Grade, Level, Rating, State, Track
from lianxin.audit.models import AppendOnlyError, AppendOnlyQuerySet
from lianxin.org.models import InformantKind

MAX_TEXT = 5000


class Category(models.Model):
    """诉求类别 (TAXONOMY.md); administrators may rename or retire them, code refers to the code."""

    code = models.SlugField(_("代码"), max_length=20, primary_key=True)
    label = models.CharField(_("名称"), max_length=20)
    covers = models.TextField(_("涵盖"), blank=True)
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")

    def __str__(self) -> str:
        return self.label


class TimeUnit(models.TextChoices):
    HOURS = "hours", _("小时")
    DAYS = "days", _("自然日")
    WORKDAYS = "workdays", _("工作日")


class GradeRule(models.Model):
    """Time limits per grade (TAXONOMY.md): first response and closure."""

    grade = models.CharField(_("等级"), max_length=10, choices=Grade.choices, primary_key=True)
    response_amount = models.PositiveSmallIntegerField(_("首次响应时限"))
    response_unit = models.CharField(_("单位"), max_length=10, choices=TimeUnit.choices)
    closure_amount = models.PositiveSmallIntegerField(_("办结时限"))
    closure_unit = models.CharField(_("单位"), max_length=10, choices=TimeUnit.choices)
    alert_at_once = models.BooleanField(_("立即预警"), default=False)

    class Meta:
        verbose_name = _("等级时限")
        verbose_name_plural = _("等级时限")

    def __str__(self) -> str:
        return self.get_grade_display()


# The fields that make up what the submitter said and how it arrived: written once, never changed.
ORIGINAL_FIELDS = frozenset(
    {
        "number",
        "text",
        "channel",
        "received_at",
        "submitter_id",
        "is_anonymous",
        "entered_by_id",
        "informant_kind",
        "receipt_lookup",
        "receipt_hash",
        "wecom_msgid",
    }
)


class AppealQuerySet(models.QuerySet["Appeal"]):
    def update(self, **kwargs: Any) -> int:
        touched = ({*kwargs} | {f"{k}_id" for k in kwargs}) & ORIGINAL_FIELDS
        if touched:
            raise AppendOnlyError(f"the original of an appeal cannot be changed: {sorted(touched)}")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("appeals cannot be deleted")

    def open(self) -> AppealQuerySet:
        return self.filter(state__in=[State.RECEIVED, State.ACCEPTED, State.IN_PROGRESS])

    def overdue(self, now: Any = None) -> AppealQuerySet:
        """Open (or answered but not closed) appeals past their closure deadline; computed, never stored."""
        moment = now or timezone.now()
        return self.filter(
            state__in=[State.RECEIVED, State.ACCEPTED, State.IN_PROGRESS], closure_due__lt=moment
        )


class Appeal(models.Model):
    # --- the original: never edited ---------------------------------------------------------------
    number = models.CharField(_("编号"), max_length=20, unique=True)
    text = models.TextField(_("诉求内容"))
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    received_at = models.DateTimeField(_("受理日期"), default=timezone.now, db_index=True)
    submitter = models.ForeignKey(
        "org.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
        verbose_name=_("诉求人"),
    )
    is_anonymous = models.BooleanField(_("匿名"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("代录人"),
    )
    informant_kind = models.CharField(
        _("信息员类别"), max_length=12, choices=InformantKind.choices, blank=True
    )
    # The receipt is "<lookup>-<secret>": the lookup finds the row, only an Argon2 hash of the secret is kept.
    receipt_lookup = models.CharField(max_length=12, null=True, blank=True, unique=True)
    receipt_hash = models.CharField(max_length=128, blank=True)
    wecom_msgid = models.CharField(max_length=64, null=True, blank=True, unique=True)

    # --- the current state, derived from the events ----------------------------------------------
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="appeals", verbose_name=_("部门")
    )
    track = models.CharField(_("办理轨道"), max_length=10, choices=Track.choices, default=Track.BRANCH)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("类别")
    )
    grade = models.CharField(_("等级"), max_length=10, choices=Grade.choices, blank=True)
    suggested_category = models.CharField(max_length=20, blank=True)
    suggested_grade = models.CharField(max_length=10, blank=True)
    # The words that led to the suggestion; shown to the handler beside it, never applied without them.
    suggestion_evidence = models.JSONField(null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=State.choices, default=State.RECEIVED, db_index=True
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals_handled",
        verbose_name=_("责任人"),
    )
    co_handlers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="appeals_cohandled", verbose_name=_("协办人")
    )
    measure = models.TextField(_("措施"), blank=True)
    response_due = models.DateTimeField(_("首次响应时限"), null=True, blank=True)
    closure_due = models.DateTimeField(_("办结时限"), null=True, blank=True, db_index=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    level = models.PositiveSmallIntegerField(_("督办层级"), choices=Level.choices, default=Level.HANDLER)
    rating = models.CharField(_("回访满意度"), max_length=16, choices=Rating.choices, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_appeals"
    )

    objects = AppealQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        indexes = [
            models.Index(fields=["unit", "state", "received_at"]),
            models.Index(fields=["handler", "state"]),
            models.Index(fields=["state", "closure_due"]),
            models.Index(fields=["category", "received_at"]),
            # The ledger's grade + overdue filter and its capped count: an index range instead of a heap scan
            # over every open appeal (bench/RESULTS.md, Appeals).
            models.Index(fields=["grade", "state", "closure_due"], name="appeal_grade_state_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_anonymous=False) | Q(submitter__isnull=True),
                name="anonymous_has_no_submitter",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            update_fields = kwargs.get("update_fields")
            if update_fields is None:
                raise AppendOnlyError("save an existing appeal with update_fields")
            names = set(update_fields) | {f"{f}_id" for f in update_fields}
            if names & ORIGINAL_FIELDS:
                raise AppendOnlyError("the original of an appeal cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("appeals cannot be deleted")

    @property
    def is_overdue(self) -> bool:
        return (
            self.state in (State.RECEIVED, State.ACCEPTED, State.IN_PROGRESS)
            and self.closure_due is not None
            and self.closure_due < timezone.now()
        )


class IdempotencyKey(models.Model):
    """A submission's idempotency key, kept beside the appeal (never in its original) and only until a
    retry can no longer come (APPEAL_IDEMPOTENCY_HOURS). Only a keyed digest is stored; for an anonymous
    submission the digest is made from the key alone, never from who sent it."""

    digest = models.CharField(max_length=64, unique=True)
    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")

    def __str__(self) -> str:
        return self.digest[:12]


class AppealEvent(models.Model):
    """Everything after submission is an event: who did what, when. Append-only."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("类型"), max_length=16, choices=EventKind.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    text = models.TextField(_("内容"), blank=True)
    # Replies and progress the submitter may read; internal notes are never shown to them.
    public = models.BooleanField(_("诉求人可见"), default=False)
    data = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        indexes = [models.Index(fields=["appeal", "at"])]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("appeal events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("appeal events cannot be deleted")


class Attachment(models.Model):
    """An image or PDF, stored under MEDIA_ROOT (outside the web root), served only through access helpers."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="attachments")
    event = models.ForeignKey(AppealEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="appeals/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name


class ReceiptIndex(models.Model):
    """A keyed digest (HMAC under the secret key) of an anonymous appeal's whole receipt code, written beside
    its Argon2 hash: a wrong code finds no row here, so it costs a lookup and never an Argon2 run. Appeals
    from before the index have no row until their code is next used (only the hash of a code was kept)."""

    digest = models.CharField(max_length=64, primary_key=True)
    appeal = models.OneToOneField(Appeal, on_delete=models.PROTECT, related_name="receipt_index")

    class Meta:
        verbose_name = _("回执索引")
        verbose_name_plural = _("回执索引")

    def __str__(self) -> str:
        return str(self.appeal_id)


class Notification(models.Model):
    """An in-app alert to a user (red appeals, escalations); each one is recorded."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    appeal = models.ForeignKey(Appeal, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.message


class BoardStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已公示")


class Board(models.Model):
    """一月一公开: a month's public board for a branch or for the enterprise."""

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="boards")
    month = models.DateField(_("月份"), help_text=_("当月第一天"))
    status = models.CharField(max_length=10, choices=BoardStatus.choices, default=BoardStatus.DRAFT)
    stats = models.JSONField(default=dict)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("月度公示")
        verbose_name_plural = _("月度公示")
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="one_board_per_unit_month")]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%Y-%m}"


class BoardItem(models.Model):
    """A handled appeal summarised for publication, rewritten without personal details and approved."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="items")
    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="+")
    summary = models.TextField(_("公示摘要"))
    handling = models.TextField(_("办理结果"))
    approved = models.BooleanField(_("已审核"), default=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("公示条目")
        verbose_name_plural = _("公示条目")
        constraints = [models.UniqueConstraint(fields=["board", "appeal"], name="appeal_once_per_board")]

    def __str__(self) -> str:
        return self.summary[:30]
