"""API for the organisation: units and people, scoped exactly like the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router

from lianxin.api.people import filter_people_for_api
from lianxin.api.schemas import (
    PEOPLE_COUNT_CAP,
    ErrorOut,
    PeopleQuery,
    PersonDetailOut,
    PersonPage,
    UnitDetailOut,
    UnitPage,
    UnitQuery,
)
from lianxin.api.tree import UNIT_FIELDS, unit_rows
from lianxin.audit.models import EventKind
from lianxin.audit.services import access_log_record, client_ip, data_read_record, query_filters
from lianxin.org.access import person_for, unit_for
from lianxin.org.models import Person, Unit
from lianxin.org.scope import can_see_sensitive, units_visible_to
from lianxin.org.selectors import count_capped

router = Router(tags=["org"])

NOT_FOUND = {404: ErrorOut}
PERSON_LIST_FIELDS = (
    "id",
    "employee_no",
    "name",
    "gender",
    "position",
    "political_status",
    "status",
    "unit__id",
    "unit__name",
)


def _next(offset: int, limit: int, count: int) -> int | None:
    return offset + limit if offset + limit < count else None


@router.get("/units", response={200: UnitPage, **NOT_FOUND}, summary="可见的单位（平铺，按树序）")
def unit_list(request: HttpRequest, query: Query[UnitQuery]) -> dict[str, Any]:
    units: QuerySet[Unit] = units_visible_to(request.user)
    if query.parent is not None:
        parent = unit_for(request.user, query.parent)
        units = units.filter(path__startswith=parent.path, depth=parent.depth + 1)
    count = units.count()
    values = list(units.order_by("path").values(*UNIT_FIELDS)[query.offset : query.offset + query.limit])
    return {"count": count, "next": _next(query.offset, query.limit, count), "items": unit_rows(values)}


@router.get("/units/{unit_id}", response={200: UnitDetailOut, **NOT_FOUND}, summary="单位详情")
def unit_detail(request: HttpRequest, unit_id: int) -> dict[str, Any]:
    unit = unit_for(request.user, unit_id)
    values = Unit.objects.filter(pk=unit.pk).values(*UNIT_FIELDS, "grid_chief_id", "grid_chief__name")
    row = values.get()
    base = unit_rows([row])[0]
    return {
        **base,
        "kind_name": unit.kind.name,
        "grid_chief_id": row["grid_chief_id"],
        "grid_chief_name": row["grid_chief__name"],
        "children_count": unit.get_children_count(),
    }


@router.get("/people", response={200: PersonPage, **NOT_FOUND}, summary="可见的人员（筛选、分页）")
def person_list(request: HttpRequest, query: Query[PeopleQuery]) -> dict[str, Any]:
    people = filter_people_for_api(request.user, query)
    count = count_capped(people, PEOPLE_COUNT_CAP)
    # One row past the page tells whether there is a next page without trusting a capped count.
    rows = list(people.only(*PERSON_LIST_FIELDS)[query.offset : query.offset + query.limit + 1])
    data_read_record(
        kind=EventKind.LIST_READ,
        actor=request.user,
        what="api:people",
        rows=min(len(rows), query.limit),
        filters=query_filters(request.GET),
        ip=client_ip(request.META),
    )
    return {
        "count": count,
        "count_exact": count <= PEOPLE_COUNT_CAP,
        "next": query.offset + query.limit if len(rows) > query.limit else None,
        "items": [_person_basic(p) for p in rows[: query.limit]],
    }


@router.get(
    "/people/{person_id}",
    response={200: PersonDetailOut, **NOT_FOUND},
    exclude_unset=True,
    summary="人员档案（敏感部分仅对本人及支部书记以上可见）",
)
def person_detail(request: HttpRequest, person_id: int) -> dict[str, Any]:
    person = person_for(request.user, person_id)
    out = {
        **_person_basic(person),
        "birth_date": person.birth_date,
        "hire_date": person.hire_date,
        "phone": person.phone,
        "household": person.household,
        "difficulty_tags": [t.name for t in person.difficulty_tags.order_by("name")],
    }
    # Section names as the file page logs them, so the audit trail reads the same for both channels.
    sections = ["basic", "household", "tags"]
    if can_see_sensitive(request.user, person):
        out.update(
            health_notes=person.health_notes,
            hardship_details=person.hardship_details,
            is_key_person=person.is_key_person,
            key_person_reason=person.key_person_reason,
        )
        sections.append("sensitive")
    access_log_record(
        actor=request.user, person=person, sections=sections, ip=client_ip(request.META), channel="api"
    )
    return out


def _person_basic(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "employee_no": person.employee_no,
        "name": person.name,
        "gender": person.gender,
        "unit": {"id": person.unit_id, "name": person.unit.name},
        "position": person.position,
        "political_status": person.political_status,
        "status": person.status,
    }
