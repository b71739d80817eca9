"""Care work (谈心谈话与关爱): talks and visits, the life events that require them and their due items,
key people and care plans, safety-violation help-education (三违帮教), consent and counselling referrals."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.care.codes import (
    Action,
    ConsentPurpose,
    ContactKind,
    DayUnit,
    DueEventKind,
    DueLevel,
    EventSource,
    KeyLevel,
    KeyReason,
    ReferralStatus,
    Responsible,
    Severity,
    ViolationKind,
    ViolationStepKind,
)

MAX_SUMMARY = 5000


class EventKind(models.Model):
    """A kind of life or work event (TAXONOMY.md: 必谈, 必访); code is what code refers to."""

    code = models.SlugField(_("代码"), max_length=32, primary_key=True)
    label = models.CharField(_("名称"), max_length=40)
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("事件类型")
        verbose_name_plural = _("事件类型")

    def __str__(self) -> str:
        return self.label


class TriggerRule(models.Model):
    """What an event kind requires, who must do it and by when; administrators edit these."""

    kind = models.OneToOneField(
        EventKind, on_delete=models.CASCADE, primary_key=True, related_name="rule", verbose_name=_("事件类型")
    )
    action = models.CharField(_("要求"), max_length=8, choices=Action.choices)
    responsible = models.CharField(_("责任人"), max_length=12, choices=Responsible.choices)
    amount = models.PositiveSmallIntegerField(_("时限"))
    unit = models.CharField(_("单位"), max_length=10, choices=DayUnit.choices, default=DayUnit.DAYS)

    class Meta:
        verbose_name = _("触发规则")
        verbose_name_plural = _("触发规则")

    def __str__(self) -> str:
        return f"{self.kind_id} → {self.action} {self.amount} {self.unit}"


class CarePlanStep(models.Model):
    """One step of a care plan: an action due on a date, done when recorded."""

    plan = models.ForeignKey("CarePlan", on_delete=models.CASCADE, related_name="steps")
    due_date = models.DateField(_("计划日期"))
    action = models.CharField(_("措施"), max_length=200)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("帮扶步骤")
        verbose_name_plural = _("帮扶步骤")

    def __str__(self) -> str:
        return f"{self.due_date} {self.action}"


class ContactRecord(models.Model):
    """A talk or a visit (谈心谈话, 入户走访 …) with one or more people."""

    kind = models.CharField(_("方式"), max_length=16, choices=ContactKind.choices)
    date = models.DateField(_("日期"), db_index=True)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    people: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "org.Person", through="ContactPerson", related_name="contact_records", verbose_name=_("谈话对象")
    )
    conducted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("谈话人")
    )
    # Restricted: the secretary of the people's branch and above, and the recorder; every read is logged.
    topic = models.CharField(_("主题"), max_length=200, blank=True)
    summary = models.TextField(_("内容摘要"), blank=True)
    purged_at = models.DateTimeField(_("摘要清除时间"), null=True, blank=True)
    follow_up_appeal = models.ForeignKey(
        "appeals.Appeal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("后续诉求"),
    )
    care_step = models.ForeignKey(
        CarePlanStep,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        verbose_name=_("帮扶步骤"),
    )
    next_due = models.DateField(_("下次联系日期"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("谈心谈话/走访记录")
        verbose_name_plural = _("谈心谈话/走访记录")
        indexes = [models.Index(fields=["conducted_by", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class ContactPerson(models.Model):
    """The through table of a record's people; the record's date is copied here so "last contact of a
    person" is one index probe on (person, date) instead of a join to the records.

    `unit` is the person's unit when the link was made, as on DueItem: a unit's talks and visits of a month
    are read on (unit, date) without joining the person table, and a person who later moves or leaves
    keeps their past contacts under the unit they were in at the time (a branch's monthly report counts the
    work its own people did). Every path that creates links sets it (contact_record; bulk loads copy the
    person's unit_id)."""

    record = models.ForeignKey(ContactRecord, on_delete=models.CASCADE, related_name="links")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="contact_links")
    # No index of its own: (unit, date) below leads with it.
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("单位")
    )
    date = models.DateField()

    class Meta:
        verbose_name = _("谈话对象")
        verbose_name_plural = _("谈话对象")
        indexes = [
            models.Index(fields=["person", "date"], name="care_contact_person_date"),
            # The links of one unit (or a few) by date; also serves the unit's foreign key.
            models.Index(fields=["unit", "date"], name="care_contact_unit_date"),
            # The links of a month under a unit path (a branch's monthly report): the month's range with
            # each link's unit, hash-joined to the units of the path range. With years of links the plan
            # over (unit, date) read every link instead (a sequential scan, 0.25 s against 0.08 s).
            models.Index(fields=["date", "unit"], name="care_contact_date_unit"),
        ]
        constraints = [models.UniqueConstraint(fields=["record", "person"], name="care_contact_person_once")]

    def __str__(self) -> str:
        return f"{self.record_id} · {self.person_id}"


class LifeEvent(models.Model):
    """An event in a person's life or work that requires a talk or a visit."""

    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="life_events")
    kind = models.ForeignKey(EventKind, on_delete=models.PROTECT, verbose_name=_("事件类型"))
    date = models.DateField(_("日期"))
    source = models.CharField(_("来源"), max_length=10, choices=EventSource.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("触发事件")
        verbose_name_plural = _("触发事件")
        indexes = [models.Index(fields=["person", "date"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind_id} {self.date}"


class DueItem(models.Model):
    """A required talk or visit (必谈/必访) with its responsible user and deadline; a record fulfils it."""

    event = models.OneToOneField(LifeEvent, on_delete=models.PROTECT, related_name="due_item")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="due_items")
    # The person's unit when the item was made: the escalation chain starts there.
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("要求"), max_length=8, choices=Action.choices)
    responsible_kind = models.CharField(_("责任类型"), max_length=12, choices=Responsible.choices)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_due_items",
        verbose_name=_("责任人"),
    )
    due_date = models.DateField(_("截止日期"))
    due_at = models.DateTimeField(_("截止时间"))
    level = models.PositiveSmallIntegerField(_("督办层级"), choices=DueLevel.choices, default=0)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        ContactRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="fulfilled_items"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("待办谈访")
        verbose_name_plural = _("待办谈访")
        indexes = [
            # The sweep reads only open items past a deadline: a partial index keeps it off the done
            # ones. The level is left out of every index so that raising it rewrites the row in place
            # (a HOT update, with the free space migration 0005 leaves on PostgreSQL pages) instead of
            # adding an entry to each of the table's indexes: 300,000 items raised at once took 20 s so.
            models.Index(fields=["due_at"], condition=Q(done_at__isnull=True), name="care_due_open_due"),
            models.Index(fields=["person", "action", "done_at"]),
            models.Index(fields=["responsible", "done_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.action} ≤ {self.due_date}"

    @property
    def is_open(self) -> bool:
        return self.done_at is None

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_at < timezone.now()


class DueItemEvent(models.Model):
    """What happened to a due item after it was made: fulfilled, escalated. Written, never changed."""

    due_item = models.ForeignKey(DueItem, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=DueEventKind.choices)
    # The level the item stood at after the event; an escalation also keeps the level it climbed from,
    # so one event records a sweep that lifted an item several levels at once.
    level = models.PositiveSmallIntegerField(default=0)
    from_level = models.PositiveSmallIntegerField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("待办记录")
        verbose_name_plural = _("待办记录")

    def __str__(self) -> str:
        return f"{self.due_item_id} {self.kind}"


class KeyPersonFlag(models.Model):
    """重点人员: seen only by the secretary of the person's branch and above, and the person themself."""

    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="key_flags")
    reason = models.CharField(_("原因类别"), max_length=12, choices=KeyReason.choices)
    level = models.PositiveSmallIntegerField(_("关注等级"), choices=KeyLevel.choices, default=KeyLevel.WATCH)
    note = models.TextField(_("说明"), blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("重点人员标记")
        verbose_name_plural = _("重点人员标记")
        indexes = [models.Index(fields=["person", "closed_at"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.reason}"


class CarePlan(models.Model):
    """A care plan for a key person: a responsible user, a contact cadence, steps, an outcome."""

    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="care_plans")
    flag = models.ForeignKey(
        KeyPersonFlag, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="care_plans",
        verbose_name=_("责任人"),
    )
    cadence_days = models.PositiveSmallIntegerField(_("谈访周期（天）"))
    goal = models.TextField(_("帮扶目标"), blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    review = models.TextField(_("评估"), blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(_("结果"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("帮扶计划")
        verbose_name_plural = _("帮扶计划")
        indexes = [
            models.Index(fields=["person", "closed_at"]),
            models.Index(fields=["responsible", "closed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} / {self.cadence_days}d"


class ViolationCase(models.Model):
    """三违帮教: a safety violation reported by the safety department, and the help-education that follows."""

    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="violation_cases")
    date = models.DateField(_("违章日期"))
    kind = models.CharField(_("类型"), max_length=12, choices=ViolationKind.choices)
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices)
    description = models.CharField(_("情况"), max_length=500, blank=True)
    reported_by_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("通报部门")
    )
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="violation_cases",
        verbose_name=_("帮教人"),
    )
    event = models.OneToOneField(LifeEvent, on_delete=models.PROTECT, related_name="violation_case")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("三违帮教")
        verbose_name_plural = _("三违帮教")
        indexes = [models.Index(fields=["person", "closed_at"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.date}"


class ViolationStep(models.Model):
    case = models.ForeignKey(ViolationCase, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("步骤"), max_length=8, choices=ViolationStepKind.choices)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("帮教步骤")
        verbose_name_plural = _("帮教步骤")
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="care_violation_step_once")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class Consent(models.Model):
    """The person's separate consent to process health or counselling data (PIPL art. 29), by version."""

    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(_("用途"), max_length=12, choices=ConsentPurpose.choices)
    version = models.CharField(_("同意书版本"), max_length=20)
    given_at = models.DateTimeField(_("同意时间"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("单独同意")
        verbose_name_plural = _("单独同意")
        indexes = [models.Index(fields=["person", "purpose", "withdrawn_at"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.purpose} v{self.version}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class CounsellingReferral(models.Model):
    """A request for counselling (EAP). Only the counsellor role reads the details."""

    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="counselling_referrals")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by_self = models.BooleanField(_("本人申请"), default=True)
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="referrals")
    status = models.CharField(
        _("状态"), max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.REFERRED
    )
    details = models.TextField(_("详情"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("心理咨询转介")
        verbose_name_plural = _("心理咨询转介")
        indexes = [models.Index(fields=["person", "status"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.status}"


class UnitContactCount(models.Model):
    """Stored contact coverage of the people directly in one unit (not those who left): how many there are
    and how many had a talk or visit within `days` of `computed_on`. Kept by lianxin.care.counts; subtree
    coverage sums these rows. A row counts only on its own day, for its own window, and only while it is
    newer than the unit's people count (org.UnitCount.refreshed_at moves when people join, move or leave);
    otherwise the unit is counted live."""

    unit = models.OneToOneField(
        "org.Unit", on_delete=models.CASCADE, primary_key=True, related_name="contact_count"
    )
    days = models.PositiveSmallIntegerField(_("统计天数"))
    people = models.PositiveIntegerField(_("人数"), default=0)
    contacted = models.PositiveIntegerField(_("已联系人数"), default=0)
    computed_on = models.DateField(_("统计日期"))
    computed_at = models.DateTimeField(_("统计时间"))

    class Meta:
        verbose_name = _("单位联系覆盖统计")
        verbose_name_plural = _("单位联系覆盖统计")

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.contacted}/{self.people} ({self.computed_on})"
