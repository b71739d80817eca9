"""API for warnings (预警): the caller's warnings, and one warning with its briefing. The page's presenter
(`insight.briefing.warning_brief`) decides what the caller reads: the sentence, the weekly counts and the
example appeals they may open for everyone who holds the warning, and the statistical basis (p-values, ISO
weeks and spans, as the detector stored them) for the party-mass department only; `statistics` is null for
anyone else. Missing and out of scope are the same 404."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from lianxin.api.schemas import ErrorOut, Offset
from lianxin.appeals.models import Category
from lianxin.insight.access import may_see_warnings, warning_for
from lianxin.insight.briefing import warning_brief
from lianxin.insight.codes import OPEN_WARNING_STATES, WarningLevel, WarningStatus
from lianxin.insight.models import Warning
from lianxin.insight.warnings import warnings_by_urgency, warnings_visible_to

router = Router(tags=["insight"])

MAX_WARNINGS_PAGE = 200


class Ref(Schema):
    id: int
    name: str


class WarningOut(Schema):
    id: int
    level: str = Field(description="等级代码：" + "、".join(WarningLevel.values))
    level_label: str
    status: str = Field(description="状态代码：" + "、".join(WarningStatus.values))
    status_label: str
    source: str
    source_label: str
    rule: str
    target_kind: str
    title: str
    unit: Ref
    person: Ref | None
    category: str = Field(description="诉求类别代码；没有时为空")
    category_label: str
    opened_at: datetime.datetime
    respond_by: datetime.datetime | None
    closed_at: datetime.datetime | None


class WeekOut(Schema):
    week: str = Field(description="ISO 周，如 2026-W49")
    week_start: datetime.date = Field(description="该周周一")
    count: int
    current: bool


class UnitCountOut(Schema):
    name: str
    count: int


class FactOut(Schema):
    label: str
    value: str


class ExampleOut(Schema):
    id: int
    number: str


class BriefOut(Schema):
    sentence: str = Field(description="一句话摘要，如「本周 12 件，此前 11 周平均 0.2 件，涉及 4 个班组」")
    period_start: datetime.date | None
    period_end: datetime.date | None = Field(description="统计周期最后一天（含）")
    full_week: bool
    weeks: list[WeekOut] = Field(description="每周件数，最后一周为本期")
    baseline_mean: float | None
    units: list[UnitCountOut]
    facts: list[FactOut]
    examples: list[ExampleOut] = Field(description="调用者有权查看的相关诉求")
    hidden_examples: int = Field(description="相关诉求中调用者无权查看的件数")


class WarningDetailOut(WarningOut):
    disposal_plan: str
    brief: BriefOut
    statistics: dict[str, Any] | None = Field(
        description="统计依据（检测器记录的原始字段：p 值、ISO 周与时间段等），仅党群工作部可见，否则为 null"
    )


class WarningPage(Schema):
    count: int
    next: int | None
    items: list[WarningOut]


class WarningQuery(Schema):
    level: WarningLevel | None = None
    status: WarningStatus | None = Field(None, description="不填时为待处置和处置中的")
    offset: Offset = 0
    limit: int = Field(50, ge=1, le=MAX_WARNINGS_PAGE)


ERRORS = {404: ErrorOut}


def _out(warning: Warning, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "id": warning.pk,
        "level": warning.level,
        "level_label": warning.get_level_display(),
        "status": warning.status,
        "status_label": warning.get_status_display(),
        "source": warning.source,
        "source_label": warning.get_source_display(),
        "rule": warning.rule,
        "target_kind": warning.target_kind,
        "title": warning.title,
        "unit": {"id": warning.unit_id, "name": warning.unit.name},
        "person": {"id": warning.person_id, "name": warning.person.name} if warning.person else None,
        "category": warning.category,
        "category_label": labels.get(warning.category, ""),
        "opened_at": warning.opened_at,
        "respond_by": warning.respond_by,
        "closed_at": warning.closed_at,
    }


def _labels() -> dict[str, str]:
    return dict(Category.objects.values_list("code", "label"))


@router.get("/warnings", response={200: WarningPage, **ERRORS}, summary="可见的预警（最紧急的在前）")
def warning_list(request: HttpRequest, query: Query[WarningQuery]) -> dict[str, Any]:
    user = request.user
    if not may_see_warnings(user):
        raise Http404("warnings")
    rows: QuerySet[Warning] = warnings_visible_to(user)
    rows = rows.filter(status=query.status) if query.status else rows.filter(status__in=OPEN_WARNING_STATES)
    if query.level:
        rows = rows.filter(level=query.level)
    count = rows.count()
    page = list(
        rows.select_related("unit", "person").order_by(*warnings_by_urgency())[
            query.offset : query.offset + query.limit
        ]
    )
    labels = _labels()
    return {
        "count": count,
        "next": query.offset + query.limit if query.offset + query.limit < count else None,
        "items": [_out(w, labels) for w in page],
    }


@router.get("/warnings/{warning_id}", response={200: WarningDetailOut, **ERRORS}, summary="预警及其研判摘要")
def warning_detail(request: HttpRequest, warning_id: int) -> dict[str, Any]:
    warning = warning_for(request.user, warning_id)
    brief = warning_brief(request.user, warning)
    return {
        **_out(warning, _labels()),
        "disposal_plan": warning.disposal_plan,
        "brief": {
            "sentence": brief.sentence,
            "period_start": brief.period_start,
            "period_end": brief.period_end,
            "full_week": brief.full_week,
            "weeks": [
                {"week": w.iso_week, "week_start": w.start, "count": w.count, "current": w.current}
                for w in brief.weeks
            ],
            "baseline_mean": brief.baseline_mean,
            "units": [{"name": name, "count": n} for name, n in brief.units],
            "facts": [{"label": label, "value": value} for label, value in brief.facts],
            "examples": [{"id": e.appeal.pk, "number": e.appeal.number} for e in brief.examples],
            "hidden_examples": brief.hidden_examples,
        },
        "statistics": brief.statistics,
    }
