"""Early warning (预警) and the text suggester's configuration.

A Warning has a level, a source, a target (a person, a unit or a topic, always within a unit so scope
applies), a disposal plan taken from its level's principles, a responsible person, a status and a closure
with its outcome. What happens to it afterwards is an append-only WarningEvent. The lexicon rules and the
learned models of the triage suggester live here too."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.appeals.codes import Grade
from lianxin.insight.codes import (
    OPEN_WARNING_STATES,
    SuggesterKind,
    TargetKind,
    WarningEventKind,
    WarningLevel,
    WarningSource,
    WarningStatus,
)


class DisposalPrinciple(models.Model):
    """处置原则 per warning level: the plan a new warning of that level starts from, and how soon it must be
    taken up. Administrators edit them."""

    level = models.CharField(_("预警等级"), max_length=8, choices=WarningLevel.choices, primary_key=True)
    principles = models.TextField(_("处置原则"))
    respond_hours = models.PositiveSmallIntegerField(_("响应时限（小时）"))
    notify_leadership = models.BooleanField(_("同时报告领导班子"), default=False)

    class Meta:
        verbose_name = _("预警处置原则")
        verbose_name_plural = _("预警处置原则")

    def __str__(self) -> str:
        return str(self.get_level_display())


class Warning(models.Model):  # noqa: A001 (the domain's word; never shadows the builtin inside this module's use)
    level = models.CharField(_("预警等级"), max_length=8, choices=WarningLevel.choices, db_index=True)
    source = models.CharField(_("来源"), max_length=8, choices=WarningSource.choices)
    # The rule or detector that raised it, e.g. "appeal_grade", "repeat_appeals", "key_cadence",
    # "talk_red_phrase", "trend_count", "trend_term".
    rule = models.CharField(_("规则"), max_length=32, blank=True)
    target_kind = models.CharField(_("对象类型"), max_length=8, choices=TargetKind.choices)
    person = models.ForeignKey(
        "org.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="warnings"
    )
    # Always set: the person's unit, the unit itself, or the subtree a topic was seen in. Scope follows it.
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="warnings")
    topic = models.CharField(_("议题"), max_length=100, blank=True)
    category = models.CharField(_("诉求类别"), max_length=20, blank=True)
    appeal = models.ForeignKey(
        "appeals.Appeal", on_delete=models.PROTECT, null=True, blank=True, related_name="warnings"
    )
    title = models.CharField(_("标题"), max_length=200)
    # Counts, baselines, example appeal ids, matched words: whatever led to the warning.
    evidence = models.JSONField(_("依据"), default=dict, blank=True)
    disposal_plan = models.TextField(_("处置方案"), blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=8, choices=WarningStatus.choices, default=WarningStatus.OPEN, db_index=True
    )
    # One open warning per key (rule + target + period); a detector that fires again adds a "recurred" event.
    dedupe_key = models.CharField(max_length=120)
    opened_at = models.DateTimeField(_("发出时间"), default=timezone.now, db_index=True)
    respond_by = models.DateTimeField(_("响应时限"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.TextField(_("处置结果"), blank=True)

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(status__in=[s.value for s in OPEN_WARNING_STATES]),
                name="insight_warning_one_open_per_key",
            ),
            models.CheckConstraint(
                condition=~Q(target_kind=TargetKind.PERSON) | Q(person__isnull=False),
                name="insight_warning_person_target_has_person",
            ),
        ]
        indexes = [models.Index(fields=["status", "level", "opened_at"], name="insight_warn_status_level")]

    def __str__(self) -> str:
        return self.title


class WarningEvent(models.Model):
    """What happened to a warning, appended, never changed."""

    warning = models.ForeignKey(Warning, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=WarningEventKind.choices)
    text = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    # For "consulted": the meeting's id, kept as a plain reference so insight does not depend on it.
    meeting_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.warning_id} {self.kind}"


class LexiconRule(models.Model):
    """One rule of the shipped lexicon (editable by administrators): a keyword or a regular expression
    that points to a category, a grade, or both, with a weight."""

    class Kind(models.TextChoices):
        KEYWORD = "keyword", _("关键词")
        REGEX = "regex", _("正则表达式")
        NGRAM = "ngram", _("红线字串权重")

    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices, default=Kind.KEYWORD)
    pattern = models.CharField(
        _("词语或表达式"),
        max_length=500,
        help_text=_("与统一为简体、小写、去掉空格和标点后的诉求文字比对。"),
    )
    category = models.CharField(_("指向类别"), max_length=20, blank=True)
    grade = models.CharField(_("指向等级"), max_length=10, choices=Grade.choices, blank=True)
    weight = models.FloatField(_("权重"), default=1.0)
    active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("分类词典规则")
        verbose_name_plural = _("分类词典规则")
        ordering = ["category", "grade", "pattern"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "pattern", "category", "grade"], name="insight_lexicon_unique"
            )
        ]

    def __str__(self) -> str:
        return self.pattern

    def clean(self) -> None:
        """The admin form's check: a regular expression must compile, and a rule must point somewhere."""
        if self.kind == self.Kind.REGEX:
            try:
                re.compile(self.pattern)
            except re.error as error:
                raise ValidationError(
                    {"pattern": _("正则表达式有误：%(error)s") % {"error": error}}
                ) from error
        if not self.category and not self.grade:
            raise ValidationError(_("请至少指定类别或等级之一。"))


class SuggesterModel(models.Model):
    """A trained suggester with its measured quality on held-out confirmed appeals. It is used only when
    `active`, which training sets only when it beat the rules on the same held-out data."""

    kind = models.CharField(max_length=8, choices=SuggesterKind.choices, default=SuggesterKind.LEARNED)
    trained_at = models.DateTimeField(default=timezone.now)
    trained_on = models.PositiveIntegerField(_("训练样本数"))
    held_out = models.PositiveIntegerField(_("验证样本数"))
    # e.g. {"model": {"category_macro_f1": .., "grade_accuracy": .., "red_recall": ..}, "rules": {...}}
    metrics = models.JSONField(default=dict)
    blob = models.BinaryField()
    active = models.BooleanField(_("启用"), default=False)

    class Meta:
        verbose_name = _("学习模型")
        verbose_name_plural = _("学习模型")
        ordering = ["-trained_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.trained_at:%Y-%m-%d %H:%M}"


# --- Trend detection: stored weekly term counts (lianxin.insight.terms) ----------------------------------


class TrendWeek(models.Model):
    """One ISO week whose appeals' terms are counted and stored, so that the daily trend run tokenises only
    the current week. Recounted until a few days after the week ends, to take in late entries."""

    week_start = models.DateField(_("周一"), unique=True)
    docs = models.PositiveIntegerField(_("诉求数"))
    computed_at = models.DateTimeField(_("统计时间"), default=timezone.now)

    class Meta:
        verbose_name = _("词频统计周")
        verbose_name_plural = _("词频统计周")
        ordering = ["week_start"]

    def __str__(self) -> str:
        return f"{self.week_start:%G-W%V}"


class TrendTerm(models.Model):
    """How many of a week's appeals contain a term (document frequency)."""

    week = models.ForeignKey(TrendWeek, on_delete=models.CASCADE, related_name="terms")
    term = models.CharField(_("词语"), max_length=8)
    docs = models.PositiveIntegerField(_("诉求数"))

    class Meta:
        verbose_name = _("周词频")
        verbose_name_plural = _("周词频")
        constraints = [models.UniqueConstraint(fields=["week", "term"], name="insight_trendterm_unique")]
        indexes = [models.Index(fields=["term", "week"], name="insight_trendterm_term")]

    def __str__(self) -> str:
        return f"{self.term} {self.docs}"
