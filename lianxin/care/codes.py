"""The codes of care work: contact kinds, required actions, who is responsible, sources, reasons, steps."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactKind(models.TextChoices):
    TALK = "talk", _("谈心谈话")
    HOME_VISIT = "home_visit", _("入户走访")
    HOSPITAL_VISIT = "hospital_visit", _("医院探望")
    GROUP_TALK = "group_talk", _("集体谈话")
    PHONE = "phone", _("电话联系")


class Action(models.TextChoices):
    """What a trigger requires: a talk (必谈) or a visit (必访)."""

    TALK = "talk", _("谈话")
    VISIT = "visit", _("走访")


# The contact kinds that satisfy a required action. A must-talk is a one-to-one talk, face to face;
# a group talk or a phone call does not discharge it. A hospital visit counts as a visit.
SATISFIES: dict[str, tuple[str, ...]] = {
    Action.TALK: (ContactKind.TALK,),
    Action.VISIT: (ContactKind.HOME_VISIT, ContactKind.HOSPITAL_VISIT),
}
ACTION_OF_KIND: dict[str, str] = {kind: action for action, kinds in SATISFIES.items() for kind in kinds}


class Responsible(models.TextChoices):
    CONTACT = "contact", _("结对联系人")
    SECRETARY = "secretary", _("支部书记")


class DayUnit(models.TextChoices):
    DAYS = "days", _("自然日")
    WORKDAYS = "workdays", _("工作日")


class EventSource(models.TextChoices):
    ROSTER = "roster", _("花名册导入")
    STAFF = "staff", _("人工录入")
    APPEAL = "appeal", _("诉求")
    VIOLATION = "violation", _("三违帮教")


class DueLevel(models.IntegerChoices):
    """Who answers for an overdue item: the escalation chain of appeals, same numbers as appeals.Level."""

    RESPONSIBLE = 0, _("责任人")
    SECRETARY = 1, _("支部书记")
    DEPARTMENT = 2, _("党群工作部")
    LEADERSHIP = 3, _("领导班子")


class DueEventKind(models.TextChoices):
    FULFILLED = "fulfilled", _("已完成")
    ESCALATED = "escalated", _("逾期升级")


class KeyReason(models.TextChoices):
    DIFFICULTY = "difficulty", _("生活困难")
    HEALTH = "health", _("身心健康")
    VIOLATION = "violation", _("违章违纪")
    CONFLICT = "conflict", _("矛盾纠纷")
    OTHER = "other", _("其他")


class KeyLevel(models.IntegerChoices):
    WATCH = 1, _("一般关注")
    CLOSE = 2, _("重点关注")
    URGENT = 3, _("高度关注")


class ViolationKind(models.TextChoices):
    """三违: 违章指挥, 违章作业, 违反劳动纪律."""

    COMMAND = "command", _("违章指挥")
    OPERATION = "operation", _("违章作业")
    DISCIPLINE = "discipline", _("违反劳动纪律")


class Severity(models.TextChoices):
    GENERAL = "general", _("一般")
    SERIOUS = "serious", _("严重")


class ViolationStepKind(models.TextChoices):
    TALK = "talk", _("帮教谈话")
    STUDY = "study", _("安全学习")
    FAMILY = "family", _("家属联系")
    RETEST = "retest", _("复训考试")


class ConsentPurpose(models.TextChoices):
    HEALTH = "health", _("健康信息")
    COUNSELLING = "counselling", _("心理咨询")
    # Being named in the body of a thought-dynamics report (the body otherwise names nobody).
    REPORT = "report", _("在分析报告中具名")


class ReferralStatus(models.TextChoices):
    REFERRED = "referred", _("已转介")
    CLOSED = "closed", _("已结束")


# The life event that opening a violation case raises (shipped in migration 0002).
SAFETY_VIOLATION = "safety_violation"
