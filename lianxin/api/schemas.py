"""Response and query schemas of the API; lists carry basic fields only, never the restricted ones."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import field_validator

from lianxin.org.models import Gender, PersonStatus, PoliticalStatus
from lianxin.org.selectors import SORTS

MAX_UNITS_PAGE = 500
MAX_PEOPLE_PAGE = 200

# Person counts are exact up to this many; beyond it the count is a lower bound (an exact COUNT over
# half a million rows costs more than the page itself).
PEOPLE_COUNT_CAP = 10_000

# Far past the end of any list here; an offset beyond the database's integer range used to be a 500.
MAX_OFFSET = 10_000_000
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description="跳过的条数")]
# Row ids are 64-bit; a larger id in a list used to reach the database's IN (...) and end in a 500.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class ErrorOut(Schema):
    detail: str


class InvalidOut(ErrorOut):
    """The 422 body: a readable `detail` and the messages by field (`text`, `people.2`, `offset`)."""

    errors: dict[str, list[str]] = Field(default_factory=dict, description="按字段列出的错误")


class UnitOut(Schema):
    id: int
    parent_id: int | None
    path: str
    depth: int
    name: str
    party_name: str
    kind: str = Field(description="单位类型代码")
    is_grid: bool
    people_count: int = Field(description="本单位及下级单位的人员数")


class UnitDetailOut(UnitOut):
    kind_name: str
    grid_chief_id: int | None
    grid_chief_name: str | None
    children_count: int


class UnitPage(Schema):
    count: int
    next: int | None = Field(description="下一页的 offset；没有下一页时为 null")
    items: list[UnitOut]


class UnitQuery(Schema):
    parent: int | None = Field(None, description="只列出该单位的直接下级")
    limit: int = Field(100, ge=1, le=MAX_UNITS_PAGE)
    offset: Offset = 0


class UnitRef(Schema):
    id: int
    name: str


class PersonOut(Schema):
    id: int
    employee_no: str
    name: str
    gender: Gender | Literal[""]
    unit: UnitRef
    position: str
    political_status: PoliticalStatus
    status: PersonStatus


class PersonPage(Schema):
    count: int = Field(description=f"人数；超过 {PEOPLE_COUNT_CAP} 时 count_exact 为 false，count 为下限")
    count_exact: bool
    next: int | None = Field(description="下一页的 offset；没有下一页时为 null")
    items: list[PersonOut]


class PeopleQuery(Schema):
    unit: int | None = Field(None, ge=1, description="单位 id：该单位及全部下级单位的人员；范围外为 404")
    status: PersonStatus | None = Field(None, description="在岗状态")
    political_status: PoliticalStatus | None = Field(None, description="政治面貌")
    tag: int | None = Field(None, ge=1, description="困难标签 id")
    key: bool = Field(False, description="只看重点人员；仅在支部书记及以上的范围内生效，其他用户忽略")
    q: str | None = Field(None, max_length=50, description="姓名（包含）、工号或拼音首字母（前缀）")
    sort: str | None = Field(None, description="排序：" + "、".join(SORTS))
    limit: int = Field(50, ge=1, le=MAX_PEOPLE_PAGE)
    offset: Offset = 0

    @field_validator("sort")
    @classmethod
    def _known_sort(cls, value: str | None) -> str | None:
        if value is not None and value not in SORTS:
            raise ValueError(f"未知的排序方式：{value}；可选：{', '.join(SORTS)}")
        return value


class PersonDetailOut(PersonOut):
    """A person file. The restricted keys are present only for readers allowed to see them."""

    birth_date: datetime.date | None
    hire_date: datetime.date | None
    phone: str
    household: str
    difficulty_tags: list[str]
    health_notes: str | None = None
    hardship_details: str | None = None
    is_key_person: bool | None = None
    key_person_reason: str | None = None
