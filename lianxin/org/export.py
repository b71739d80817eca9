"""People to .xlsx: the columns of the roster import, so an export can be edited and imported back.

Only the roster's own fields are written; health, hardship and key-person details never are. Text that a
spreadsheet would run as a formula is neutralised.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from lianxin.org.models import Gender, Person, PersonStatus, PoliticalStatus, Unit

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FIELDS = (
    "employee_no",
    "name",
    "gender",
    "birth_date",
    "unit_id",
    "position",
    "political_status",
    "hire_date",
    "phone",
    "status",
)
CHUNK = 2000


def neutralise(value: str) -> str:
    """'=1+2' → "'=1+2": a cell that starts like a formula is written as plain text (CSV/formula
    injection). The import strips the quote again."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def headers() -> list[str]:
    return [
        _("工号"),
        _("姓名"),
        _("性别"),
        _("出生日期"),
        _("所在单位"),
        _("岗位"),
        _("政治面貌"),
        _("入职日期"),
        _("手机"),
        _("状态"),
    ]


def unit_labels(unit_ids: Iterable[int]) -> dict[int, str]:
    """Unit id → its path below the root ('运维部/运行一班'), from one query per batch of ids."""
    ids = set(unit_ids)
    if not ids:
        return {}
    units = list(Unit.objects.filter(pk__in=ids).values_list("pk", "path", "depth", "name"))
    steplen: int = Unit.steplen
    ancestor_paths = {path[:i] for _, path, depth, _ in units for i in range(steplen * 2, len(path), steplen)}
    names = dict(Unit.objects.filter(path__in=ancestor_paths).values_list("path", "name"))
    labels: dict[int, str] = {}
    for pk, path, depth, name in units:
        if depth <= 1:
            labels[pk] = name
            continue
        parts = [names.get(path[:i], "") for i in range(steplen * 2, len(path), steplen)]
        labels[pk] = "/".join([*parts, name])
    return labels


def people_rows(queryset: QuerySet[Person]) -> Iterator[list[Any]]:
    """The export's rows; unit paths are looked up once per chunk of people, not per person."""
    genders = dict(Gender.choices)
    statuses = dict(PoliticalStatus.choices)
    states = dict(PersonStatus.choices)
    labels: dict[int, str] = {}
    rows = queryset.values_list(*_FIELDS).iterator(chunk_size=CHUNK)
    chunk: list[tuple[Any, ...]] = []

    def flush() -> Iterator[list[Any]]:
        missing = {r[4] for r in chunk} - labels.keys()
        labels.update(unit_labels(missing))
        for no, name, gender, birth, unit_id, position, political, hire, phone, status in chunk:
            yield [
                no,
                name,
                str(genders.get(gender, "")),
                birth,
                labels.get(unit_id, ""),
                position,
                str(statuses.get(political, political)),
                hire,
                phone,
                str(states.get(status, status)),
            ]
        chunk.clear()

    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield from flush()
    yield from flush()


def export_people_xlsx(queryset: QuerySet[Person]) -> bytes:
    """The people of any list as an .xlsx workbook (write-only, so memory stays flat)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("人员"))
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["E"].width = 28
    sheet.append(headers())
    for row in people_rows(queryset):
        cells: list[Any] = []
        for value in row:
            if isinstance(value, str):
                cells.append(neutralise(value))
            elif value is None:
                cells.append(None)
            else:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
