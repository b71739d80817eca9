"""API for care work: record a talk or visit, list due items, list "my people" with their last contact.

Errors are JSON with a `detail` key: 404 for missing and out of scope alike, 403 for a scope the caller
does not hold, 422 for bad input (with `errors` by field). Topics and summaries are never returned.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from lianxin.api.errors import invalid
from lianxin.api.schemas import ErrorOut, Id, Offset
from lianxin.appeals.presenters import user_label
from lianxin.care import services
from lianxin.care.access import my_people_for, require_care_staff
from lianxin.care.codes import ContactKind
from lianxin.care.models import ContactRecord, DueItem
from lianxin.care.scope import due_items_visible_to
from lianxin.care.selectors import due_items_open, uncontacted_days
from lianxin.org.access import unit_for
from lianxin.org.models import SENSITIVE_ROLES, Person
from lianxin.org.scope import people_visible_to, scope_paths

router = Router(tags=["care"])

MAX_CARE_PAGE = 200
MAX_PEOPLE_PER_RECORD = 50


# --- schemas ---------------------------------------------------------------------------------------


class CareError(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict, description="按字段列出的错误")


class ContactIn(Schema):
    kind: str = Field(description="方式：" + "、".join(ContactKind.values))
    date: datetime.date = Field(description="谈访日期，不能晚于今天")
    people: list[Id] = Field(max_length=MAX_PEOPLE_PER_RECORD, description="谈话对象的人员 id")
    place: str = Field("", max_length=100)
    topic: str = Field("", max_length=200, description="主题（受限，仅谈话人与支部书记及以上可读）")
    summary: str = Field("", max_length=5000, description="内容摘要（受限）")
    next_due: datetime.date | None = Field(None, description="下次联系日期")
    fulfils: list[Id] = Field(default_factory=list, max_length=20, description="要完成的待办谈访 id")
    follow_up_appeal: str | None = Field(None, max_length=5000, description="代为提出的诉求内容（仅限一人）")


class PersonRef(Schema):
    id: int
    name: str


class ContactOut(Schema):
    id: int
    kind: str
    kind_label: str
    date: datetime.date
    place: str
    people: list[PersonRef]
    next_due: datetime.date | None
    fulfilled: list[int] = Field(description="本次谈访完成的待办谈访 id")
    follow_up_appeal: str | None = Field(description="代为提出的诉求编号")


class DueItemOut(Schema):
    id: int
    person: PersonRef
    event_kind: str
    event_kind_label: str
    event_date: datetime.date
    action: str
    action_label: str
    responsible_kind: str
    responsible: str | None
    due_date: datetime.date
    level: int
    overdue: bool


class DueItemPage(Schema):
    count: int
    next: int | None
    items: list[DueItemOut]


class DueItemQuery(Schema):
    scope: Literal["mine", "subtree"] = Field(
        "mine", description="mine：本人负责的；subtree：支部书记及以上可见的全部（可用 unit 缩小范围）"
    )
    unit: int | None = Field(None, description="scope=subtree 时只看该单位及下级")
    overdue: bool = Field(False, description="只看已逾期的")
    offset: Offset = 0
    limit: int = Field(50, ge=1, le=MAX_CARE_PAGE)


class MyPersonOut(Schema):
    id: int
    employee_no: str
    name: str
    unit: PersonRef
    last_contact: datetime.date | None
    days_since_contact: int | None
    uncontacted: bool = Field(description="超过规定天数（默认 90 天）未谈访")


class MyPeoplePage(Schema):
    count: int
    uncontacted_days: int
    next: int | None
    items: list[MyPersonOut]


class PageQuery(Schema):
    offset: Offset = 0
    limit: int = Field(100, ge=1, le=MAX_CARE_PAGE)


ERRORS = {403: ErrorOut, 404: ErrorOut, 422: CareError}


def _next(offset: int, limit: int, count: int) -> int | None:
    return offset + limit if offset + limit < count else None


# --- talks and visits -------------------------------------------------------------------------------


@router.post("/care/contacts", response={201: ContactOut, **ERRORS}, summary="记录一次谈心谈话或走访")
def contact_create(request: HttpRequest, payload: ContactIn) -> Status[dict[str, Any]]:
    user = request.user
    require_care_staff(user)
    wanted = set(payload.people)
    # Missing and out of scope are the same 404, so a refusal never confirms a person exists.
    people = list(people_visible_to(user).filter(pk__in=wanted).select_related("unit"))
    if len(people) != len(wanted):
        raise Http404("person")
    fulfils = list(due_items_visible_to(user).filter(pk__in=set(payload.fulfils)))
    if len(fulfils) != len(set(payload.fulfils)):
        raise Http404("due item")
    try:
        record = services.contact_record(
            actor=user,
            kind=payload.kind,
            date=payload.date,
            people=people,
            place=payload.place,
            topic=payload.topic,
            summary=payload.summary,
            next_due=payload.next_due,
            fulfils=fulfils,
            follow_up_appeal_text=payload.follow_up_appeal,
        )
    except ValidationError as exc:
        return invalid(exc)
    record = ContactRecord.objects.select_related("follow_up_appeal").get(pk=record.pk)
    fulfilled = sorted(DueItem.objects.filter(fulfilled_by=record).values_list("pk", flat=True))
    return Status(
        201,
        {
            "id": record.pk,
            "kind": record.kind,
            "kind_label": record.get_kind_display(),
            "date": record.date,
            "place": record.place,
            "people": [{"id": p.pk, "name": p.name} for p in people],
            "next_due": record.next_due,
            "fulfilled": fulfilled,
            "follow_up_appeal": record.follow_up_appeal.number if record.follow_up_appeal else None,
        },
    )


# --- due items --------------------------------------------------------------------------------------


def _due_out(item: DueItem, now: datetime.datetime) -> dict[str, Any]:
    return {
        "id": item.pk,
        "person": {"id": item.person_id, "name": item.person.name},
        "event_kind": item.event.kind_id,
        "event_kind_label": item.event.kind.label,
        "event_date": item.event.date,
        "action": item.action,
        "action_label": item.get_action_display(),
        "responsible_kind": item.responsible_kind,
        "responsible": user_label(item.responsible),
        "due_date": item.due_date,
        "level": item.level,
        "overdue": item.due_at < now,
    }


@router.get("/care/due-items", response={200: DueItemPage, **ERRORS}, summary="待办谈访（本人负责或下辖）")
def due_item_list(request: HttpRequest, query: Query[DueItemQuery]) -> Any:
    user = request.user
    require_care_staff(user)
    rows: QuerySet[DueItem] = due_items_open(user)
    if query.scope == "mine":
        if query.unit is not None:
            return Status(
                422, {"detail": "unit 仅在 scope=subtree 时可用。", "errors": {"unit": ["仅用于 subtree"]}}
            )
        rows = rows.filter(responsible_id=user.pk)
    else:
        if not scope_paths(user, SENSITIVE_ROLES):
            return Status(403, {"detail": "只有支部书记及以上可以查看下辖的待办谈访。"})
        if query.unit is not None:
            unit = unit_for(user, query.unit)
            rows = rows.filter(person__unit__path__startswith=unit.path)
    now = timezone.now()
    if query.overdue:
        rows = rows.filter(due_at__lt=now)
    count = rows.count()
    page = list(rows.select_related("responsible__person")[query.offset : query.offset + query.limit])
    return {
        "count": count,
        "next": _next(query.offset, query.limit, count),
        "items": [_due_out(item, now) for item in page],
    }


# --- my people --------------------------------------------------------------------------------------


@router.get("/care/my-people", response={200: MyPeoplePage, **ERRORS}, summary="我的联系对象及最近谈访日期")
def my_people_list(request: HttpRequest, query: Query[PageQuery]) -> dict[str, Any]:
    rows: QuerySet[Person] = my_people_for(request.user)
    count = rows.count()
    page = list(rows[query.offset : query.offset + query.limit])
    today = timezone.localdate()
    limit_days = uncontacted_days()
    items = []
    for person in page:
        last: datetime.date | None = person.last_contact  # type: ignore[attr-defined]
        days = (today - last).days if last is not None else None
        items.append(
            {
                "id": person.pk,
                "employee_no": person.employee_no,
                "name": person.name,
                "unit": {"id": person.unit_id, "name": person.unit.name},
                "last_contact": last,
                "days_since_contact": days,
                "uncontacted": days is None or days > limit_days,
            }
        )
    return {
        "count": count,
        "uncontacted_days": limit_days,
        "next": _next(query.offset, query.limit, count),
        "items": items,
    }
