"""Request and response schemas of the appeals API; codes are checked here so unknown ones get a clear 422."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema
from pydantic import field_validator

from lianxin.api.schemas import Offset
from lianxin.appeals.codes import Channel, EventKind, Grade, Rating, State, Track

MAX_APPEALS_PAGE = 100


def _one_of(value: str | None, allowed: list[str], what: str) -> str | None:
    if value is not None and value not in allowed:
        raise ValueError(f"未知的{what}：{value}；可选：{', '.join(allowed)}")
    return value


class AppealError(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict, description="按字段列出的错误")


class AppealIn(Schema):
    text: str = Field(description="诉求内容，1–5000 字")
    anonymous: bool = Field(False, description="匿名提交：不记录诉求人，返回一次性回执码")
    on_behalf_of: str | None = Field(None, max_length=32, description="代录：诉求人的工号（须在本人范围内）")
    channel: str = Field(
        Channel.API,
        description="渠道：api；代录时可为 box、talk、hotline、survey、email；信息员可用 informant",
    )
    idempotency_key: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description=(
            "幂等键；也可用请求头 Idempotency-Key。24 小时内有效。"
            "匿名提交的幂等键不与账号关联，请使用随机值（如 UUID）"
        ),
    )

    @field_validator("channel")
    @classmethod
    def _known_channel(cls, value: str) -> str:
        return _one_of(value, list(Channel.values), "渠道") or Channel.API


class UnitRef(Schema):
    id: int
    name: str


class AppealOut(Schema):
    id: int
    number: str
    state: str
    state_label: str
    channel: str
    received_at: datetime.datetime
    anonymous: bool
    submitter: str | None = Field(description="诉求人姓名；匿名为“匿名”")
    unit: UnitRef
    track: str
    category: str | None
    grade: str
    handler: str | None
    closure_due: datetime.datetime | None
    overdue: bool


class SubmittedOut(AppealOut):
    receipt: str | None = Field(None, description="匿名提交的回执码，仅在首次提交的响应中出现一次")


class AppealPage(Schema):
    count: int
    next: int | None = Field(description="下一页的 offset；没有下一页时为 null")
    items: list[AppealOut]


class AppealQuery(Schema):
    state: str | None = Field(None, description="状态：" + "、".join(State.values))
    grade: str | None = Field(None, description="等级：" + "、".join(Grade.values))
    category: str | None = Field(None, max_length=20, description="类别代码")
    unit: int | None = Field(None, ge=1, description="单位 id：该单位及下级单位；范围外为 404")
    overdue: bool = Field(False, description="只看逾期未办结")
    limit: int = Field(50, ge=1, le=MAX_APPEALS_PAGE)
    offset: Offset = 0

    @field_validator("state")
    @classmethod
    def _known_state(cls, value: str | None) -> str | None:
        return _one_of(value, list(State.values), "状态")

    @field_validator("grade")
    @classmethod
    def _known_grade(cls, value: str | None) -> str | None:
        return _one_of(value, list(Grade.values), "等级")


class EventOut(Schema):
    id: int
    kind: str
    kind_label: str
    at: datetime.datetime
    actor: str | None
    text: str
    public: bool
    data: dict[str, Any] | None = Field(None, description="仅办理人员可见")


class AppealDetailOut(AppealOut):
    text: str
    measure: str
    rating: str
    answered_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    events: list[EventOut]
    # Staff only.
    level: int | None = None
    entered_by: str | None = None
    co_handlers: list[str] | None = None
    suggested_category: str | None = None
    suggested_grade: str | None = None


class TextIn(Schema):
    text: str = Field(description="内容，1–5000 字")


class ProgressIn(TextIn):
    public: bool = Field(True, description="诉求人可见；false 为仅内部可见")


class TriageIn(Schema):
    category: str = Field(max_length=20, description="类别代码")
    grade: str = Field(description="等级：" + "、".join(Grade.values))
    track: str | None = Field(None, description="办理轨道：" + "、".join(Track.values))

    @field_validator("grade")
    @classmethod
    def _known_grade(cls, value: str) -> str:
        return _one_of(value, list(Grade.values), "等级") or value

    @field_validator("track")
    @classmethod
    def _known_track(cls, value: str | None) -> str | None:
        return _one_of(value, list(Track.values), "办理轨道")


class AssignIn(Schema):
    handler: str | int = Field(description="责任人：用户名或用户 id（须在责任人候选名单中）")
    measure: str = Field(description="措施")
    deadline: datetime.datetime | None = Field(None, description="办结时限；缺省按等级时限；不能早于现在")
    co_handlers: list[str | int] = Field(
        default_factory=list, max_length=20, description="协办人（须在责任人候选名单中）"
    )


class TransferIn(Schema):
    handler: str | int = Field(description="新的责任人：用户名或用户 id（须在责任人候选名单中）")
    reason: str = Field(description="转办原因")


class CandidateOut(Schema):
    id: int
    username: str
    name: str


class ReceiptIn(Schema):
    code: str = Field(max_length=64, description="回执码")


class RateIn(ReceiptIn):
    rating: str = Field(description="满意度：" + "、".join(Rating.values))
    comment: str = Field("", max_length=5000)

    @field_validator("rating")
    @classmethod
    def _known_rating(cls, value: str) -> str:
        return _one_of(value, list(Rating.values), "满意度") or value


class PublicEventOut(Schema):
    kind: str
    kind_label: str
    at: datetime.datetime
    text: str


class ReceiptOut(Schema):
    number: str
    state: str
    state_label: str
    received_at: datetime.datetime
    category: str | None
    text: str
    can_rate: bool
    rating: str
    events: list[PublicEventOut]


EVENT_LABELS = dict(EventKind.choices)
