"""Reading a roster file: decide its type from its content, find the header row, yield the data rows."""

from __future__ import annotations

import codecs
import csv
import io
import xml.parsers.expat
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from lianxin.org.roster.columns import ColumnMap, map_columns

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"\x1f\x8b",
    b"Rar!",
    b"7z\xbc\xaf",
    b"MZ",
    b"\x7fELF",
    b"BM",
)
_HEADER_SEARCH_ROWS = 20  # HR exports often put a title and a date above the header

Row = Sequence[object]


class RosterFileError(Exception):
    """The file as a whole cannot be read; the message is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    kind: str  # "xlsx" or "csv"
    columns: ColumnMap
    header_row: int
    rows: Iterator[tuple[int, Row]]  # (row number as the user sees it, values)


def sniff(path: Path, name: str = "") -> str:
    """'xlsx' or 'csv' from the first bytes of the file, whatever its name says."""
    size = path.stat().st_size
    if size == 0:
        raise RosterFileError(_("文件为空。"))
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"PK"):
        raise RosterFileError(_("文件已损坏，无法读取。"))
    if head.startswith(OLE_MAGIC):
        # A password-protected .xlsx is an OLE container holding an EncryptionInfo stream; an old .xls is
        # also OLE. A file named .xlsx that is OLE can only be an encrypted workbook.
        if name.lower().endswith((".xlsx", ".xlsm")) or _ENCRYPTION_STREAM in path.read_bytes():
            raise RosterFileError(_("文件已加密，请取消密码保护后再上传。"))
        raise RosterFileError(_("不支持旧版 .xls 格式，请在 Excel 中另存为 .xlsx 后再上传。"))
    if head.startswith(_BINARY_MAGIC):
        raise RosterFileError(_("文件类型不支持，请上传 .xlsx 或 .csv 文件。"))
    return "csv"


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030."""
    if data.startswith(codecs.BOM_UTF8):
        text = _strict(data[3:], "utf-8")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _strict(data, "utf-16")
    elif b"\x00" in data[:4096]:
        raise RosterFileError(_("文件类型不支持，请上传 .xlsx 或 .csv 文件。"))
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _strict(data, "gb18030")
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    if "\x00" in sample or controls > len(sample) // 100:
        raise RosterFileError(_("文件类型不支持，请上传 .xlsx 或 .csv 文件。"))
    return text


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise RosterFileError(_("无法识别文件编码，请使用 UTF-8 或 GB18030 编码的 CSV 文件。")) from None


def _find_header(rows: Iterator[tuple[int, Row]]) -> tuple[ColumnMap, int] | None:
    """The first row that names the person columns; else the first non-empty row (to report what is
    missing); None when the rows are all empty."""
    first: tuple[ColumnMap, int] | None = None
    for number, row in rows:
        if not any(v is not None and str(v).strip() for v in row):
            continue
        columns = map_columns(row)
        if first is None:
            first = (columns, number)
        if columns.has("employee_no") or columns.has("name"):
            return columns, number
        if number >= _HEADER_SEARCH_ROWS:
            break
    return first


@contextmanager
def open_table(path: Path, name: str = "") -> Iterator[Table]:
    kind = sniff(path, name)
    if kind == "xlsx":
        with _open_xlsx(path) as table:
            yield table
    else:
        yield _open_csv(path)


@dataclass
class _Book:
    """What reading a worksheet needs from the workbook around it."""

    archive: zipfile.ZipFile
    sheets: list[str]  # worksheet paths inside the archive, the active sheet first
    strings: Sequence[object]
    date_styles: set[int]
    epoch: Any


def _load_book(path: Path) -> _Book:
    # openpyxl's ExcelReader reads the shared strings, styles and sheet list; its read-only worksheet is
    # skipped because it scans a whole sheet for its size when the <dimension> tag is absent.
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    reader = ExcelReader(str(path), read_only=True, data_only=True)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        sheets = [
            rel.target
            for _, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        ]
    except Exception:
        reader.archive.close()
        raise
    active = getattr(reader.wb, "_active_sheet_index", 0)
    if 0 < active < len(sheets):
        sheets.insert(0, sheets.pop(active))
    date_styles = set(getattr(reader.wb, "_date_formats", ()))
    return _Book(reader.archive, sheets, reader.shared_strings, date_styles, reader.wb.epoch)


@contextmanager
def _open_xlsx(path: Path) -> Iterator[Table]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        raise RosterFileError(_("文件已损坏，无法读取。")) from None
    if "xl/workbook.xml" not in names:
        raise RosterFileError(_("文件不是 Excel 工作簿，请上传 .xlsx 或 .csv 文件。"))
    try:
        book = _load_book(path)
    except Exception:  # openpyxl raises many kinds on a broken archive; all mean the same to the user
        raise RosterFileError(_("文件已损坏，无法读取。")) from None
    try:
        found: tuple[str, ColumnMap, int] | None = None
        for sheet in book.sheets:
            header = _find_header(_xlsx_rows(book, sheet))
            if header is not None and (found is None or not found[1].has("employee_no")):
                found = (sheet, *header)
                if header[0].has("employee_no"):
                    break
        if found is None:
            raise RosterFileError(_("文件中没有数据。"))
        sheet, columns, header_row = found
        yield Table("xlsx", columns, header_row, _xlsx_rows(book, sheet, header_row + 1))
    finally:
        book.archive.close()


def _xlsx_rows(book: _Book, sheet: str, min_row: int = 1) -> Iterator[tuple[int, Row]]:
    try:
        with book.archive.open(sheet) as source:
            for number, row in _SheetParser(book.strings, book.date_styles, book.epoch).rows(source):
                if number >= min_row:
                    yield number, row
    except RosterFileError:
        raise
    except Exception:
        raise RosterFileError(_("文件已损坏，无法读取。")) from None


class _SheetParser:
    """Rows of a worksheet's XML through expat callbacks: four times faster than openpyxl's cell objects
    on a 100,000-row roster. openpyxl still supplies the shared strings, date styles and epoch."""

    def __init__(self, strings: Sequence[object], date_styles: set[int], epoch: Any) -> None:
        self.strings = strings
        self.date_styles = date_styles
        self.epoch = epoch
        self.done: list[tuple[int, list[object]]] = []
        self.row: list[object] = []
        self.row_number = 0
        self.cell_type: str | None = None
        self.cell_style = 0
        self.cell_column = -1
        self.text: list[str] = []
        self.capture = False
        self.phonetic = False

    def rows(self, source: Any) -> Iterator[tuple[int, list[object]]]:
        parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._chars
        while True:
            chunk = source.read(1 << 16)
            parser.Parse(chunk, not chunk)
            if self.done:
                yield from self.done
                self.done = []
            if not chunk:
                return

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        local = name[name.rfind(" ") + 1 :]
        if local == "c":
            self.cell_type = attrs.get("t")
            self.cell_style = int(attrs.get("s", 0))
            ref = attrs.get("r")
            self.cell_column = _column_index(ref) if ref else len(self.row)
            self.text = []
        elif local == "v" or (local == "t" and not self.phonetic):
            self.capture = True
        elif local == "rPh":
            self.phonetic = True
        elif local == "row":
            self.row = []
            number = attrs.get("r")
            self.row_number = int(number) if number else self.row_number + 1

    def _end(self, name: str) -> None:
        local = name[name.rfind(" ") + 1 :]
        if local == "v" or local == "t":
            self.capture = False
        elif local == "rPh":
            self.phonetic = False
        elif local == "c":
            row = self.row
            while len(row) < self.cell_column:
                row.append(None)
            row.append(self._value("".join(self.text)))
        elif local == "row":
            self.done.append((self.row_number, self.row))

    def _chars(self, data: str) -> None:
        if self.capture:
            self.text.append(data)

    def _value(self, text: str) -> object:
        kind = self.cell_type
        if kind == "s":
            value = self.strings[int(text)]
            return value if isinstance(value, str) or value is None else str(value)
        if kind in ("inlineStr", "str", "e"):
            return text
        if kind == "b":
            return text == "1"
        if kind == "d":
            return text
        if not text:
            return None
        number: float = float(text) if any(ch in text for ch in ".eE") else int(text)
        if self.cell_style in self.date_styles:
            from openpyxl.utils.datetime import from_excel

            return from_excel(number, self.epoch)
        return number


def _column_index(ref: str) -> int:
    """'AB12' → 27 (0-based)."""
    index = 0
    for ch in ref:
        if "A" <= ch <= "Z":
            index = index * 26 + ord(ch) - 64
        else:
            break
    return index - 1


def _open_csv(path: Path) -> Table:
    text = decode_text(path.read_bytes())
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def numbered() -> Iterator[tuple[int, Row]]:
        start = 1
        try:
            for row in reader:
                yield start, row
                start = reader.line_num + 1
        except csv.Error:
            raise RosterFileError(_("CSV 格式错误（第 %(row)d 行附近）。") % {"row": start}) from None

    rows = numbered()
    header = _find_header(rows)
    if header is None:
        raise RosterFileError(_("文件中没有数据。"))
    return Table("csv", header[0], header[1], rows)
