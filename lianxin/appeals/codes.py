"""The shared codes of TAXONOMY.md: channels, grades, states, tracks, ratings and event kinds."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    WEB = "web", _("网页/手机表单")
    WECOM = "wecom", _("企业微信")
    BOX = "box", _("意见箱")
    SURVEY = "survey", _("问卷")
    TALK = "talk", _("谈心谈话")
    INFORMANT = "informant", _("信息员")
    HOTLINE = "hotline", _("热线电话")
    EMAIL = "email", _("电子邮件")
    API = "api", _("接口")


# Channels staff use to enter an appeal on someone's behalf.
STAFF_CHANNELS = (Channel.BOX, Channel.TALK, Channel.HOTLINE, Channel.SURVEY, Channel.EMAIL)


class Grade(models.TextChoices):
    RED = "red", _("红 I")
    ORANGE = "orange", _("橙 II")
    YELLOW = "yellow", _("黄 III")
    BLUE = "blue", _("蓝 IV")


class Track(models.TextChoices):
    BRANCH = "branch", _("支部级")
    COMPANY = "company", _("公司级")


class State(models.TextChoices):
    RECEIVED = "received", _("已接收")
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("办理中")
    ANSWERED = "answered", _("已答复")
    RATED = "rated", _("已评价")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已合并")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATES = (State.RECEIVED, State.ACCEPTED, State.IN_PROGRESS)
FINISHED_STATES = (State.CLOSED, State.MERGED, State.WITHDRAWN)


class Rating(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("非常满意")
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


SATISFIED_RATINGS = (Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.BASIC)


class Level(models.IntegerChoices):
    """Who supervises or handles: the escalation chain handler → secretary → department → leadership."""

    HANDLER = 0, _("责任人")
    SECRETARY = 1, _("支部书记")
    DEPARTMENT = 2, _("党群工作部")
    LEADERSHIP = 3, _("领导班子")


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("提交")
    INFO_ADDED = "info_added", _("补充信息")
    TRIAGED = "triaged", _("分类定级")
    ACCEPTED = "accepted", _("受理")
    ASSIGNED = "assigned", _("交办")
    TRANSFERRED = "transferred", _("转办")
    PROGRESS = "progress", _("办理进展")
    FOLLOWED_UP = "followed_up", _("跟进")
    REPLIED = "replied", _("答复")
    NOTE = "note", _("内部备注")
    ESCALATED = "escalated", _("逾期升级")
    RATED = "rated", _("评价")
    RETURN_VISIT = "return_visit", _("回访")
    REOPENED = "reopened", _("重新办理")
    MERGED = "merged", _("合并")
    WITHDRAWN = "withdrawn", _("撤回")
    CLOSED = "closed", _("办结")
    ALERTED = "alerted", _("红色预警通知")
    CONSULTED = "consulted", _("会诊决定")
