"""Parsing single cell values as HR exports write them."""

from __future__ import annotations

import datetime as dt
import re

_GENDERS = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F", "男性": "M", "女性": "F"}
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_PATTERNS = [
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]

# Political status as HR systems spell it → PoliticalStatus codes.
_POLITICAL = {
    "中共党员": "cpc",
    "党员": "cpc",
    "共产党员": "cpc",
    "中国共产党党员": "cpc",
    "cpc": "cpc",
    "中共预备党员": "probationary",
    "预备党员": "probationary",
    "probationary": "probationary",
    "共青团员": "cyl",
    "团员": "cyl",
    "中国共产主义青年团团员": "cyl",
    "cyl": "cyl",
    "群众": "masses",
    "masses": "masses",
    "其他": "other",
    "其它": "other",
    "无党派人士": "other",
    "民主党派": "other",
    "other": "other",
}
_STATUSES = {
    "在岗": "active",
    "在职": "active",
    "active": "active",
    "退休": "retired",
    "retired": "retired",
    "离职": "left",
    "调出": "left",
    "left": "left",
}
_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")
_SPACES = re.compile(r"[\s\u3000]+")


def cell_text(value: object) -> str:
    """A cell as text: integral floats lose their '.0', and the quote that neutralises formulas goes."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\u3000", " ").strip()
    if text.startswith("'"):
        text = text[1:].strip()
    return text


def parse_date(value: object) -> dt.date | None:
    """A date from ISO, 2023/8/27, 2023年8月27日, 20230827, an Excel serial number or a datetime."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        serial = float(value)
        if 1 <= serial < 2958466:
            return _EXCEL_EPOCH + dt.timedelta(days=int(serial))
        return None
    text = str(value).strip()
    if not text:
        return None
    text = text.split(" ")[0].split("T")[0]
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                return None
    if re.fullmatch(r"\d{4,5}(\.0+)?", text):
        return parse_date(float(text))
    return None


def parse_gender(value: object) -> str | None:
    text = str(value or "").strip().lower()
    return _GENDERS.get(text)


def parse_political_status(value: object) -> str | None:
    """A PoliticalStatus code, or None when the text is not a status we know."""
    text = _SPACES.sub("", cell_text(value)).lower()
    return _POLITICAL.get(text)


def parse_person_status(value: object) -> str | None:
    return _STATUSES.get(_SPACES.sub("", cell_text(value)).lower())


def parse_phone(value: object) -> str | None:
    """A mobile number as 11 digits, or a landline with its area code; None when it is neither."""
    text = re.sub(r"[\s\u3000()（）]", "", cell_text(value))
    mobile = _MOBILE.match(text.replace("-", ""))
    if mobile:
        return mobile.group(1)
    if _LANDLINE.match(text):
        return text
    return None


def split_unit_path(value: object) -> list[str]:
    """'运维部/运行一班' → ['运维部', '运行一班']; full-width slashes, backslashes and '>' also separate."""
    text = cell_text(value)
    parts = re.split(r"\s*[/／\\>＞]\s*", text)
    return [_SPACES.sub(" ", p).strip() for p in parts if p.strip()]
