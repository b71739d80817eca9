"""Codes of early warning: levels, sources, targets and states; the Chinese labels are for display only."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WarningLevel(models.TextChoices):
    RED = "red", _("红色预警")
    ORANGE = "orange", _("橙色预警")
    YELLOW = "yellow", _("黄色预警")
    BLUE = "blue", _("蓝色预警")


# Most urgent first; also the order of a level's position on the leader's page.
LEVEL_ORDER = (WarningLevel.RED, WarningLevel.ORANGE, WarningLevel.YELLOW, WarningLevel.BLUE)


class WarningSource(models.TextChoices):
    APPEAL = "appeal", _("诉求等级")
    RULE = "rule", _("研判规则")
    TREND = "trend", _("趋势研判")
    MANUAL = "manual", _("人工报告")


class TargetKind(models.TextChoices):
    PERSON = "person", _("个人")
    UNIT = "unit", _("单位")
    TOPIC = "topic", _("议题")


class WarningStatus(models.TextChoices):
    OPEN = "open", _("待处置")
    HANDLING = "handling", _("处置中")
    CLOSED = "closed", _("已关闭")


OPEN_WARNING_STATES = (WarningStatus.OPEN, WarningStatus.HANDLING)


class WarningEventKind(models.TextChoices):
    OPENED = "opened", _("发出预警")
    ASSIGNED = "assigned", _("明确责任人")
    NOTE = "note", _("处置记录")
    RECURRED = "recurred", _("再次触发")
    CONSULTED = "consulted", _("会诊决定")
    CLOSED = "closed", _("关闭")


class SuggesterKind(models.TextChoices):
    RULES = "rules", _("词典规则")
    LEARNED = "learned", _("学习模型")
