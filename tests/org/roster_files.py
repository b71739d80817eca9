"""Roster files the tests build themselves: .xlsx through openpyxl, .csv in UTF-8 and GB18030."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

HEADER = ["工号", "姓名", "性别", "出生日期", "政治面貌", "所在单位", "岗位", "入职日期", "手机"]
OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def xlsx(
    path: Path,
    rows: Sequence[Sequence[object]],
    header: Sequence[str] = HEADER,
    above: Sequence[Sequence[object]] = (),
) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in above:
        sheet.append(list(row))
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def csv_file(
    path: Path,
    rows: Sequence[Sequence[object]],
    header: Sequence[str] = HEADER,
    encoding: str = "utf-8",
    bom: bool = False,
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def person_row(no: str, name: str = "王伟", unit: str = "运维部/运行一班", **extra: object) -> list[object]:
    values = {
        "gender": "男",
        "birth": "1990-05-01",
        "political": "群众",
        "position": "值班员",
        "hire": "2015-07-01",
        "phone": "13800138000",
        **extra,
    }
    return [
        no,
        name,
        values["gender"],
        values["birth"],
        values["political"],
        unit,
        values["position"],
        values["hire"],
        values["phone"],
    ]
