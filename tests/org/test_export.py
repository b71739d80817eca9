"""The person export: formula neutralisation, values read back with openpyxl, and import round trip."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from openpyxl import load_workbook

from lianxin.org.export import export_people_xlsx, neutralise
from lianxin.org.models import Person
from lianxin.org.roster.service import roster_apply
from tests.factories import Org, make_person


def test_neutralise() -> None:
    for text in ("=1+2", "+86 138", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    assert neutralise("张伟") == "张伟" and neutralise("a=b") == "a=b"


def test_formula_cells_are_written_as_text(org: Org) -> None:
    make_person(
        org.grid_a1,
        "=cmd|' /C calc'!A0",
        employee_no="@X1",
        position="+SUM(A1:A9)",
        phone="-1",
        birth_date=dt.date(1990, 5, 1),
    )
    data = export_people_xlsx(Person.objects.filter(employee_no="@X1"))
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header == [
        "工号",
        "姓名",
        "性别",
        "出生日期",
        "所在单位",
        "岗位",
        "政治面貌",
        "入职日期",
        "手机",
        "状态",
    ]
    row = [c for c in sheet[2]]
    assert [c.value for c in row][:2] == ["'@X1", "'=cmd|' /C calc'!A0"]
    assert row[5].value == "'+SUM(A1:A9)" and row[8].value == "'-1"
    assert all(c.data_type != "f" for c in row)
    assert row[3].value == dt.datetime(1990, 5, 1)  # noqa: DTZ001 - spreadsheet dates carry no zone
    assert row[4].value == "运维部/运行一班"
    assert row[6].value == "群众" and row[9].value == "在岗"


def test_an_export_imports_back_unchanged(org: Org, tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    path.write_bytes(export_people_xlsx(Person.objects.all()))
    report = roster_apply(path=path)
    assert report.ok, [str(e) for e in report.errors]
    assert (report.rows, report.unchanged, report.to_update, report.to_create) == (5, 5, 0, 0)
