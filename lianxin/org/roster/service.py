"""The roster import: `roster_check` (dry run) and `roster_apply` (all-or-nothing), on one file.

Reading and parsing the file needs no database, so it runs before the transaction; comparing with the
people and units already stored, and writing, run inside one transaction with batched bulk operations
and no per-row queries.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.org.counts import unit_counts_refresh
from lianxin.org.models import Person, PersonStatus, PoliticalStatus, Unit, UnitKind
from lianxin.org.pinyin import initials
from lianxin.org.roster.changes import changes_of, roster_people_changed
from lianxin.org.roster.columns import ColumnMap
from lianxin.org.roster.reader import RosterFileError, Row, open_table
from lianxin.org.roster.values import (
    cell_text,
    parse_date,
    parse_gender,
    parse_person_status,
    parse_phone,
    parse_political_status,
    split_unit_path,
)

BATCH = 2000
LOOKUP_CHUNK = 5000  # below SQLite's limit on query parameters
PROGRESS_EVERY = 5000
# The person fields an import may set; everything else in a file (health, hardship …) is never read.
PERSON_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "political_status",
    "position",
    "hire_date",
    "phone",
    "status",
)
_COMPARED = ("unit_id", *PERSON_FIELDS)
_POLITICAL_HINT = "中共党员、中共预备党员、共青团员、群众、其他"
_EARLIEST = dt.date(1900, 1, 1)
# Kinds for units an import creates, by depth under the root; the first kind that exists is used.
NEW_UNIT_KINDS = {1: ("branch", "department"), 2: ("team", "party_group")}

ProgressFn = Callable[[str, int, int], None]  # (stage "check" or "write", rows done, rows in total)
UnitKey = tuple[str, ...]
T = TypeVar("T")


@dataclass
class RowError:
    row: int | None  # as the user sees it in the file; None for the file as a whole
    column: str
    message: str
    code: str = ""

    def __str__(self) -> str:
        where = _("第 %(row)d 行") % {"row": self.row} if self.row else _("文件")
        column = f" · {self.column}" if self.column else ""
        return f"{where}{column}：{self.message}"


@dataclass
class RosterReport:
    rows: int = 0
    to_create: int = 0
    to_update: int = 0
    unchanged: int = 0
    units_to_create: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def only_missing_units(self) -> bool:
        """True when confirming the creation of the missing units would clear every error."""
        return bool(self.errors) and all(e.code == "unit_missing" for e in self.errors)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RosterReport:
        values = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        values["errors"] = [RowError(**e) for e in data.get("errors", [])]
        return cls(**values)

    def summary(self) -> str:
        return _(
            "共 %(rows)d 行：新建 %(create)d 人，更新 %(update)d 人，无变化 %(same)d 人，"
            "新建单位 %(units)d 个"
        ) % {
            "rows": self.rows,
            "create": self.to_create,
            "update": self.to_update,
            "same": self.unchanged,
            "units": len(self.units_to_create),
        }

    def lines(self) -> list[str]:
        """The report as text lines, the same in the command and the page."""
        out = [self.summary()]
        if self.ignored_columns:
            out.append(_("未识别的列（已忽略）：%(cols)s") % {"cols": "、".join(self.ignored_columns)})
        out.extend(str(e) for e in self.errors)
        return out


@dataclass
class _Parsed:
    row: int
    employee_no: str
    values: dict[str, Any]  # only the fields the row fills in; an empty cell leaves a stored value alone
    unit: UnitKey


@dataclass
class _ParseResult:
    rows: list[_Parsed]
    count: int
    errors: list[RowError]
    unit_header: str = ""
    ignored: list[str] = field(default_factory=list)

    def save(self, target: Path, source: Path) -> None:
        """Keep the parsed rows beside the upload, so applying after the check reads the file once."""
        rows = [
            [
                p.row,
                p.employee_no,
                {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in p.values.items()},
                list(p.unit),
            ]
            for p in self.rows
        ]
        data = {
            "source": _fingerprint(source),
            "count": self.count,
            "errors": [asdict(e) for e in self.errors],
            "unit_header": self.unit_header,
            "ignored": self.ignored,
            "rows": rows,
        }
        target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, target: Path, source: Path) -> _ParseResult | None:
        try:
            data = json.loads(target.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("source") != _fingerprint(source):
            return None
        rows = []
        for number, employee_no, values, unit in data["rows"]:
            for key in ("birth_date", "hire_date"):
                if values.get(key) is not None:
                    values[key] = dt.date.fromisoformat(values[key])
            rows.append(_Parsed(number, employee_no, values, tuple(unit)))
        return cls(
            rows, data["count"], [RowError(**e) for e in data["errors"]], data["unit_header"], data["ignored"]
        )


def _fingerprint(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def _max_length(name: str) -> int:
    model_field = Person._meta.get_field(name)
    if not isinstance(model_field, models.CharField) or model_field.max_length is None:
        raise TypeError(name)
    return model_field.max_length


class _RowParser:
    """Turns one row of cells into a person's values, collecting the row's errors."""

    def __init__(self, columns: ColumnMap) -> None:
        self.columns = columns
        self.index = columns.columns
        self.limits = {f: _max_length(f) for f in ("employee_no", "name", "position", "phone")}
        self.unit_limit = Unit._meta.get_field("name").max_length or 100
        self.today = timezone.localdate()
        self.seen: dict[str, int] = {}

    def cell(self, row: Row, name: str) -> object:
        index = self.index.get(name)
        return row[index] if index is not None and index < len(row) else None

    def parse(self, number: int, row: Row, errors: list[RowError]) -> _Parsed | None:
        before = len(errors)

        def error(name: str, message: str, code: str = "") -> None:
            errors.append(RowError(number, self.columns.header(name), message, code))

        employee_no = cell_text(self.cell(row, "employee_no"))
        if not employee_no:
            error("employee_no", _("工号不能为空"))
        elif len(employee_no) > self.limits["employee_no"]:
            error("employee_no", self._too_long(self.limits["employee_no"]))
        elif employee_no in self.seen:
            error(
                "employee_no",
                _("工号“%(no)s”与第 %(row)d 行重复") % {"no": employee_no, "row": self.seen[employee_no]},
            )
        else:
            self.seen[employee_no] = number

        values: dict[str, Any] = {}
        name = cell_text(self.cell(row, "name"))
        if not name:
            error("name", _("姓名不能为空"))
        elif len(name) > self._limit("name"):
            error("name", self._too_long(self._limit("name")))
        values["name"] = name

        text = cell_text(self.cell(row, "gender"))
        if text:
            gender = parse_gender(text)
            if gender is None:
                error("gender", _("性别只能填“男”或“女”，不能是“%(value)s”") % {"value": text})
            values["gender"] = gender

        for date_field in ("birth_date", "hire_date"):
            raw = self.cell(row, date_field)
            if cell_text(raw):
                day = parse_date(raw)
                if day is None:
                    error(date_field, _("无法识别的日期“%(value)s”") % {"value": cell_text(raw)})
                elif not _EARLIEST <= day <= self.today + dt.timedelta(days=366) or (
                    date_field == "birth_date" and day > self.today
                ):
                    error(date_field, _("日期“%(value)s”超出合理范围") % {"value": day.isoformat()})
                values[date_field] = day

        text = cell_text(self.cell(row, "political_status"))
        if text:
            status = parse_political_status(text)
            if status is None:
                error(
                    "political_status",
                    _("未知的政治面貌“%(value)s”，可填：%(hint)s") % {"value": text, "hint": _POLITICAL_HINT},
                )
            values["political_status"] = status

        text = cell_text(self.cell(row, "position"))
        if text:
            if len(text) > self.limits["position"]:
                error("position", self._too_long(self.limits["position"]))
            values["position"] = text

        text = cell_text(self.cell(row, "phone"))
        if text:
            phone = parse_phone(text)
            if phone is None:
                error("phone", _("电话号码格式不正确“%(value)s”") % {"value": text})
            elif len(phone) > self.limits["phone"]:
                error("phone", self._too_long(self.limits["phone"]))
            values["phone"] = phone

        text = cell_text(self.cell(row, "status"))
        if text:
            person_status = parse_person_status(text)
            if person_status is None:
                error("status", _("未知的状态“%(value)s”，可填：在岗、退休、离职") % {"value": text})
            values["status"] = person_status

        unit = self._unit(row, error)
        if len(errors) > before:
            return None
        return _Parsed(number, employee_no, values, unit)

    def _unit(self, row: Row, error: Callable[[str, str], None]) -> UnitKey:
        if "unit_path" in self.index:
            parts = split_unit_path(self.cell(row, "unit_path"))
        else:
            cells = [cell_text(row[col]) if col < len(row) else "" for _, col, _ in self.columns.unit_levels]
            while cells and not cells[-1]:
                cells.pop()
            if "" in cells:
                error("unit_path", _("上级单位为空，无法确定所在单位"))
                return ()
            parts = cells
        if not parts:
            error("unit_path", _("所在单位不能为空"))
        for part in parts:
            if len(part) > self.unit_limit:
                error(
                    "unit_path",
                    _("单位名称“%(name)s…”过长，最多 %(max)d 个字")
                    % {"name": part[:10], "max": self.unit_limit},
                )
        return tuple(parts)

    def _limit(self, name: str) -> int:
        return _max_length(name)

    @staticmethod
    def _too_long(limit: int) -> str:
        return _("内容过长，最多 %(max)d 个字符") % {"max": limit}


def _parse_file(path: Path, name: str, progress: ProgressFn | None, total_hint: int) -> _ParseResult:
    errors: list[RowError] = []
    parsed: list[_Parsed] = []
    count = 0
    try:
        with open_table(path, name) as table:
            missing = table.columns.missing
            if table.columns.duplicates:
                errors.append(
                    RowError(
                        table.header_row,
                        "",
                        _("列重复：%(cols)s") % {"cols": "、".join(table.columns.duplicates)},
                        "file",
                    )
                )
            if missing:
                from lianxin.org.roster.columns import field_label

                errors.append(
                    RowError(
                        table.header_row,
                        "",
                        _("缺少必需的列：%(cols)s") % {"cols": "、".join(field_label(m) for m in missing)},
                        "file",
                    )
                )
                return _ParseResult([], 0, errors, "", table.columns.ignored)
            parser = _RowParser(table.columns)
            for number, row in table.rows:
                if not any(v is not None and str(v).strip() for v in row):
                    continue
                count += 1
                item = parser.parse(number, row, errors)
                if item is not None:
                    parsed.append(item)
                if progress is not None and count % PROGRESS_EVERY == 0:
                    progress("check", count, max(total_hint, count))
            if count == 0:
                errors.append(RowError(None, "", _("文件中没有数据行。"), "file"))
            unit_header = table.columns.header("unit_path")
            return _ParseResult(parsed, count, errors, unit_header, table.columns.ignored)
    except RosterFileError as exc:
        return _ParseResult([], count, [RowError(None, "", exc.message, "file")])


@dataclass
class _UnitTree:
    root: Unit
    ids: dict[UnitKey, int]

    @classmethod
    def load(cls) -> _UnitTree:
        roots = list(Unit.objects.filter(depth=1).order_by("path")[:2])
        if len(roots) != 1:
            raise RosterFileError(
                _("尚未建立企业根单位，无法导入。") if not roots else _("存在多个根单位，无法确定导入位置。")
            )
        root = roots[0]
        ids: dict[UnitKey, int] = {(): root.pk}
        names: dict[str, UnitKey] = {root.path: ()}
        step = root.steplen
        for pk, path, name in (
            Unit.objects.filter(path__startswith=root.path, depth__gt=1)
            .order_by("path")
            .values_list("pk", "path", "name")
        ):
            parent = names.get(path[:-step])
            if parent is None:
                continue
            key = (*parent, name)
            names[path] = key
            ids.setdefault(key, pk)  # with two siblings of one name, the first keeps the name
        return cls(root, ids)

    def key(self, unit: UnitKey) -> UnitKey:
        """A path may start with the enterprise's own name; it is the root either way."""
        if unit and unit[0] in (self.root.name, self.root.party_name):
            return unit[1:]
        return unit

    def missing(self, unit: UnitKey) -> list[UnitKey]:
        return [unit[:i] for i in range(1, len(unit) + 1) if unit[:i] not in self.ids]


@dataclass
class _Plan:
    report: RosterReport
    tree: _UnitTree | None = None
    creates: list[_Parsed] = field(default_factory=list)
    updates: list[tuple[_Parsed, dict[str, Any]]] = field(default_factory=list)  # with the stored values
    new_units: list[UnitKey] = field(default_factory=list)


def _existing(numbers: list[str]) -> dict[str, dict[str, Any]]:
    stored: dict[str, dict[str, Any]] = {}
    for start in range(0, len(numbers), LOOKUP_CHUNK):
        chunk = numbers[start : start + LOOKUP_CHUNK]
        for values in Person.objects.filter(employee_no__in=chunk).values("pk", "employee_no", *_COMPARED):
            stored[values["employee_no"]] = values
    return stored


def _plan(parsed: _ParseResult, *, create_units: bool) -> _Plan:
    report = RosterReport(rows=parsed.count, errors=list(parsed.errors), ignored_columns=parsed.ignored)
    if any(e.code == "file" for e in report.errors):
        return _Plan(report)
    try:
        tree = _UnitTree.load()
    except RosterFileError as exc:
        report.errors.append(RowError(None, "", exc.message, "file"))
        return _Plan(report)
    plan = _Plan(report, tree)
    unit_header = parsed.unit_header or _("所在单位")
    missing: dict[UnitKey, None] = {}
    for item in parsed.rows:
        item.unit = tree.key(item.unit)
        absent = tree.missing(item.unit)
        if absent:
            missing.update(dict.fromkeys(absent))
            if not create_units:
                report.errors.append(
                    RowError(
                        item.row,
                        unit_header,
                        _("单位“%(path)s”不存在") % {"path": "/".join(item.unit)},
                        "unit_missing",
                    )
                )
    plan.new_units = sorted(missing, key=lambda k: (len(k), k))
    report.units_to_create = ["/".join(k) for k in plan.new_units]

    stored = _existing([item.employee_no for item in parsed.rows])
    for item in parsed.rows:
        current = stored.get(item.employee_no)
        if current is None:
            plan.creates.append(item)
            continue
        unit_id = tree.ids.get(item.unit)
        if unit_id != current["unit_id"] or any(current[k] != v for k, v in item.values.items()):
            plan.updates.append((item, current))
        else:
            report.unchanged += 1
    report.to_create = len(plan.creates)
    report.to_update = len(plan.updates)
    return plan


def roster_check(
    *,
    path: Path,
    name: str = "",
    create_units: bool = False,
    progress: ProgressFn | None = None,
    total_hint: int = 0,
    keep_parsed: Path | None = None,
) -> RosterReport:
    """The dry run: counts and every error, nothing written. With keep_parsed, the parsed rows are kept
    in that file for roster_apply."""
    parsed = _parse_file(Path(path), name or str(path), progress, total_hint)
    if keep_parsed is not None:
        parsed.save(keep_parsed, Path(path))
    return _plan(parsed, create_units=create_units).report


def roster_apply(
    *,
    path: Path,
    name: str = "",
    create_units: bool = False,
    progress: ProgressFn | None = None,
    total_hint: int = 0,
    parsed_from: Path | None = None,
) -> RosterReport:
    """Check again against the stored data, then write everything in one transaction, or nothing when
    any row is wrong. parsed_from: rows kept by roster_check from this same file, if still there."""
    parsed = _ParseResult.load(parsed_from, Path(path)) if parsed_from is not None else None
    if parsed is None:
        parsed = _parse_file(Path(path), name or str(path), progress, total_hint)
    try:
        with transaction.atomic():
            plan = _plan(parsed, create_units=create_units)
            if not plan.report.ok:
                return plan.report
            _write(plan, progress)
            # The writes bypass model signals; the stored unit counts are refreshed in this transaction.
            unit_counts_refresh(unit_ids=_touched_units(plan))
            _announce(plan)
            plan.report.applied = True
            return plan.report
    except IntegrityError:
        # Someone else stored the same employee number between our check and our write.
        report = RosterReport(rows=parsed.count)
        message = _("导入期间数据发生变化，未导入任何数据，请重新导入。")
        report.errors.append(RowError(None, "", message, "file"))
        return report


def _announce(plan: _Plan) -> None:
    """Tell the apps that act on people's changes (a new hire, a move, a retirement) what this import did."""
    tree = plan.tree
    if tree is None or not roster_people_changed.has_listeners():
        return
    created = [(item.employee_no, item.values.get("hire_date")) for item in plan.creates]
    updated = [
        (current["pk"], current, {**item.values, "unit_id": tree.ids[item.unit]})
        for item, current in plan.updates
    ]
    changes = changes_of(created=created, updated=updated)
    if changes:
        roster_people_changed.send(sender=Person, changes=changes)


def _touched_units(plan: _Plan) -> set[int]:
    """The units whose people change: those people are imported into, and those updated people leave."""
    tree = plan.tree
    if tree is None:
        return set()
    touched = {tree.ids[item.unit] for item in plan.creates}
    for item, current in plan.updates:
        touched.update((tree.ids[item.unit], current["unit_id"]))
    return touched


def _unit_kind(depth: int) -> UnitKind:
    codes = NEW_UNIT_KINDS[1] if depth == 1 else NEW_UNIT_KINDS[2]
    kinds = {k.code: k for k in UnitKind.objects.filter(code__in=codes)}
    for code in codes:
        if code in kinds:
            return kinds[code]
    fallback = UnitKind.objects.filter(level__gte=min(depth, 2)).order_by("level", "code").first()
    if fallback is None:
        raise RosterFileError(_("没有可用的单位类型，无法创建单位。"))
    return fallback


def _write(plan: _Plan, progress: ProgressFn | None) -> None:
    tree = plan.tree
    if tree is None:
        raise RuntimeError("a plan with errors cannot be written")
    kinds: dict[int, UnitKind] = {}
    parents: dict[UnitKey, Unit] = {(): tree.root}
    for key in plan.new_units:
        depth = len(key)
        kind = kinds.get(min(depth, 2)) or kinds.setdefault(min(depth, 2), _unit_kind(depth))
        parent = parents.get(key[:-1]) or Unit.objects.get(pk=tree.ids[key[:-1]])
        unit = Unit.objects.add_child(parent, instance=Unit(name=key[-1], kind=kind))
        parents[key] = unit
        tree.ids[key] = unit.pk

    total = len(plan.creates) + len(plan.updates)
    done = 0
    names: dict[str, str] = {}

    def initials_of(name: str) -> str:
        value = names.get(name)
        if value is None:
            value = names[name] = initials(name)
        return value

    inserter = _PersonWriter()
    for batch in _batches(plan.creates):
        rows = []
        for item in batch:
            v = item.values
            rows.append(
                {
                    "employee_no": item.employee_no,
                    "name": v["name"],
                    "name_initials": initials_of(v["name"]),
                    "gender": v.get("gender", ""),
                    "birth_date": v.get("birth_date"),
                    "unit": tree.ids[item.unit],
                    "position": v.get("position", ""),
                    "political_status": v.get("political_status", PoliticalStatus.MASSES),
                    "hire_date": v.get("hire_date"),
                    "phone": v.get("phone", ""),
                    "status": v.get("status", PersonStatus.ACTIVE),
                }
            )
        inserter.insert(rows)
        done += len(rows)
        if progress is not None:
            progress("write", done, total)

    for update_batch in _batches(plan.updates):
        rows = []
        for item, current in update_batch:
            values = {k: current[k] for k in PERSON_FIELDS}
            values.update(item.values)
            rows.append(
                {
                    "id": current["pk"],
                    "unit": tree.ids[item.unit],
                    "name_initials": initials_of(values["name"]),
                    **values,
                }
            )
        inserter.stage_updates(rows)
        done += len(rows)
        if progress is not None:
            progress("write", done, total)
    inserter.apply_updates()


class _PersonWriter:
    """Batched INSERTs and one UPDATE … FROM a staging table, in plain SQL through executemany.

    bulk_create and bulk_update build a model instance and prepare every field of every row; bulk_update
    also writes a CASE per field that grows with the batch. Values are still converted by each field's
    get_db_prep_save, and columns the import does not set get their model defaults, so a field added
    to Person later is filled in the same way as by Person.objects.create.
    """

    UPDATED = ("unit", "name_initials", *PERSON_FIELDS)
    STAGING = "roster_import_staging"

    def __init__(self) -> None:
        self.now = timezone.now()
        self.quote = connection.ops.quote_name
        self.fields = [f for f in Person._meta.concrete_fields if not f.primary_key]
        self.staged = False

    @staticmethod
    def _field(name: str) -> models.Field[Any, Any]:
        model_field = Person._meta.get_field(name)
        if not isinstance(model_field, models.Field):
            raise TypeError(name)
        return model_field

    def _column(self, name: str) -> str:
        return self.quote(str(self._field(name).column))

    def _prep(self, name: str, value: Any) -> Any:
        return self._field(name).get_db_prep_save(value, connection)

    def insert(self, rows: list[dict[str, Any]]) -> None:
        defaults: dict[str, Any] = {}
        for f in self.fields:
            if f.name in ("created_at", "updated_at"):
                defaults[f.name] = f.get_db_prep_save(self.now, connection)
            elif f.name not in rows[0]:
                defaults[f.name] = f.get_db_prep_save(f.get_default(), connection)
        columns = ", ".join(self.quote(f.column) for f in self.fields)
        params = [
            [self._prep(f.name, row[f.name]) if f.name in row else defaults[f.name] for f in self.fields]
            for row in rows
        ]
        self._load(self.quote(Person._meta.db_table), columns, params)

    @staticmethod
    def _load(table: str, columns: str, params: list[list[Any]]) -> None:
        """Rows into a table: COPY on PostgreSQL (several times faster than INSERTs), else executemany."""
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in params:
                        copy.write_row(row)
                return
            marks = ", ".join(["%s"] * len(params[0]))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", params)  # noqa: S608

    def stage_updates(self, rows: list[dict[str, Any]]) -> None:
        fields = [self._field(n) for n in self.UPDATED]
        with connection.cursor() as cursor:
            if not self.staged:
                types = ", ".join(f"{self.quote(str(f.column))} {f.db_type(connection)}" for f in fields)
                temp = "TEMPORARY TABLE" + (" IF NOT EXISTS" if connection.vendor == "sqlite" else "")
                tail = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
                cursor.execute(f"CREATE {temp} {self.STAGING} (id bigint PRIMARY KEY, {types}){tail}")
                cursor.execute(f"DELETE FROM {self.STAGING}")  # noqa: S608
                self.staged = True
        columns = ", ".join(["id", *(self.quote(str(f.column)) for f in fields)])
        self._load(
            self.STAGING,
            columns,
            [[row["id"], *(self._prep(n, row[n]) for n in self.UPDATED)] for row in rows],
        )

    def apply_updates(self) -> None:
        if not self.staged:
            return
        table = self.quote(Person._meta.db_table)
        columns = [self._column(n) for n in self.UPDATED]
        sets = ", ".join(f"{c} = s.{c}" for c in columns)
        updated_at = self._column("updated_at")
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {sets}, {updated_at} = %s FROM {self.STAGING} AS s "  # noqa: S608
                f"WHERE {table}.id = s.id",
                [self._prep("updated_at", self.now)],
            )
            cursor.execute(f"DROP TABLE {self.STAGING}")


def _batches(items: list[T]) -> Iterable[list[T]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]
