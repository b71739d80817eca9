"""Header synonyms: which column of an HR export holds which field of a person."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# field → the headers HR systems use for it (compared after normalise_header).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "employee_no": (
        "工号",
        "员工编号",
        "职工编号",
        "员工号",
        "职工号",
        "人员编号",
        "员工工号",
        "employee_no",
    ),
    "name": ("姓名", "员工姓名", "职工姓名", "name"),
    "gender": ("性别", "gender"),
    "birth_date": ("出生日期", "出生年月日", "生日", "birth_date"),
    "political_status": ("政治面貌", "political_status"),
    "unit_path": ("所在单位", "单位", "所属单位", "单位路径", "所在部门", "unit"),
    "position": ("岗位", "职务", "岗位名称", "职位", "position"),
    "hire_date": ("入职日期", "参加工作时间", "入职时间", "入司日期", "hire_date"),
    "phone": ("手机", "手机号", "手机号码", "联系电话", "电话", "移动电话", "phone"),
    "status": ("状态", "人员状态", "在岗状态", "status"),
}
# Separate unit columns, by their level under the enterprise root.
UNIT_LEVEL_SYNONYMS: dict[int, tuple[str, ...]] = {
    1: ("一级单位", "部门", "区队", "车间", "分厂"),
    2: ("二级单位", "班组", "班组名称", "科室"),
    3: ("三级单位", "小组"),
    4: ("四级单位",),
}
REQUIRED = ("employee_no", "name", "unit_path")
_LOOKUP = {h.lower(): f for f, headers in SYNONYMS.items() for h in headers}
_LEVEL_LOOKUP = {h: level for level, headers in UNIT_LEVEL_SYNONYMS.items() for h in headers}


def normalise_header(value: object) -> str:
    """'* 出生日期（yyyy-mm-dd）' → '出生日期': drop required-markers, notes in brackets and spaces."""
    text = str(value or "")
    text = re.sub(r"[（(][^）)]*[）)]", "", text)
    text = re.sub(r"[\s\u3000*＊:：]", "", text)
    return text.lower()


def field_label(name: str) -> str:
    labels = {
        "employee_no": _("工号"),
        "name": _("姓名"),
        "gender": _("性别"),
        "birth_date": _("出生日期"),
        "political_status": _("政治面貌"),
        "unit_path": _("所在单位"),
        "position": _("岗位"),
        "hire_date": _("入职日期"),
        "phone": _("手机"),
        "status": _("状态"),
    }
    return labels.get(name, name)


@dataclass
class ColumnMap:
    """Where each field sits in a row (0-based), and the header text the user wrote for it."""

    columns: dict[str, int] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    unit_levels: list[tuple[int, int, str]] = field(default_factory=list)  # (level, column, header)
    ignored: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        if name == "unit_path":
            return "unit_path" in self.columns or bool(self.unit_levels)
        return name in self.columns

    @property
    def missing(self) -> list[str]:
        return [f for f in REQUIRED if not self.has(f)]

    def header(self, name: str) -> str:
        if name == "unit_path" and "unit_path" not in self.headers and self.unit_levels:
            return "/".join(h for _, _, h in self.unit_levels)
        return self.headers.get(name, field_label(name))

    @property
    def recognised(self) -> int:
        return len(self.columns) + len(self.unit_levels)


def map_columns(row: Sequence[object]) -> ColumnMap:
    result = ColumnMap()
    levels: dict[int, tuple[int, str]] = {}
    for index, raw in enumerate(row):
        original = str(raw).strip() if raw is not None else ""
        key = normalise_header(raw)
        if not key:
            continue
        name = _LOOKUP.get(key)
        if name is not None:
            if name in result.columns:
                result.duplicates.append(original)
                continue
            result.columns[name] = index
            result.headers[name] = original
            continue
        level = _LEVEL_LOOKUP.get(key)
        if level is not None:
            if level in levels:
                result.duplicates.append(original)
                continue
            levels[level] = (index, original)
            continue
        result.ignored.append(original)
    result.unit_levels = [(lvl, col, header) for lvl, (col, header) in sorted(levels.items())]
    return result
