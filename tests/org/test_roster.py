"""The roster import service: reading files, every kind of bad input, and the all-or-nothing apply."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from lianxin.org.models import Person, PoliticalStatus, Unit
from lianxin.org.roster.service import roster_apply, roster_check
from lianxin.org.roster.values import parse_date, parse_phone, parse_political_status
from tests.factories import Org
from tests.org.roster_files import HEADER, OLE_HEADER, csv_file, person_row, xlsx


def messages(report: object) -> list[str]:
    return [str(e) for e in report.errors]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-08-27", dt.date(2023, 8, 27)),
        ("2023/8/27", dt.date(2023, 8, 27)),
        ("2023年8月27日", dt.date(2023, 8, 27)),
        (45165, dt.date(2023, 8, 27)),
        ("45165", dt.date(2023, 8, 27)),
        (dt.datetime(2023, 8, 27, 9, 30), dt.date(2023, 8, 27)),  # noqa: DTZ001 - cells carry no zone
        ("2023-02-30", None),
        ("next week", None),
    ],
)
def test_dates_in_the_formats_hr_systems_write(text: object, expected: dt.date | None) -> None:
    assert parse_date(text) == expected


def test_political_status_synonyms_map_to_codes() -> None:
    assert parse_political_status("党员") == PoliticalStatus.CPC_MEMBER
    assert parse_political_status("中共预备党员") == PoliticalStatus.PROBATIONARY
    assert parse_political_status("预备党员") == PoliticalStatus.PROBATIONARY
    assert parse_political_status("团员") == PoliticalStatus.CYL_MEMBER
    assert parse_political_status("群众") == PoliticalStatus.MASSES
    assert parse_political_status("其他") == PoliticalStatus.OTHER
    assert parse_political_status("党外人士") is None


def test_phone_numbers() -> None:
    assert parse_phone("138 0013 8000") == "13800138000"
    assert parse_phone("+86 13800138000") == "13800138000"
    assert parse_phone(13800138000) == "13800138000"
    assert parse_phone("0851-86281234") == "0851-86281234"
    assert parse_phone("12345") is None


BIRTH = dt.datetime(1990, 5, 1)  # noqa: DTZ001 - a spreadsheet cell carries no time zone


def test_xlsx_import_maps_synonyms_dates_and_units(org: Org, tmp_path: Path) -> None:
    header = ["员工编号", "姓名", "性别", "出生日期", "政治面貌", "所在单位", "岗位", "入职日期", "联系电话"]
    path = xlsx(
        tmp_path / "r.xlsx",
        [
            ["A001", "赵敏", "女", BIRTH, "中共党员", "运维部/运行一班", "值班员", 45165, "138 0013 8000"],
            ["A002", "钱进", "男", "1988/3/9", "预备党员", "检修部/检修一班", "检修工", "2023年8月27日", ""],
            [1003, "孙丽", "女", "1995-12-01", "团员", "示范电厂/运维部", "", "2020-01-01", 13900139000],
        ],
        header=header,
    )
    report = roster_apply(path=path)
    assert report.ok, messages(report)
    assert (report.rows, report.to_create, report.applied) == (3, 3, True)
    zhao = Person.objects.get(employee_no="A001")
    assert zhao.name_initials == "zm"
    assert zhao.gender == "F" and zhao.birth_date == dt.date(1990, 5, 1)
    assert zhao.hire_date == dt.date(2023, 8, 27) and zhao.phone == "13800138000"
    assert zhao.political_status == PoliticalStatus.CPC_MEMBER and zhao.unit == org.grid_a1
    qian = Person.objects.get(employee_no="A002")
    assert qian.political_status == PoliticalStatus.PROBATIONARY and qian.unit == org.grid_b1
    assert qian.birth_date == dt.date(1988, 3, 9) and qian.hire_date == dt.date(2023, 8, 27)
    sun = Person.objects.get(employee_no="1003")  # a number cell is read as the text the user typed
    assert sun.unit == org.branch_a and sun.phone == "13900139000"


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", False), ("utf-8", True), ("gb18030", False)])
def test_csv_in_each_encoding(org: Org, tmp_path: Path, encoding: str, bom: bool) -> None:
    path = csv_file(
        tmp_path / "r.csv", [person_row("C001", "欧阳娜娜", political="党员")], encoding=encoding, bom=bom
    )
    report = roster_apply(path=path)
    assert report.ok, messages(report)
    person = Person.objects.get(employee_no="C001")
    assert person.name == "欧阳娜娜" and person.unit == org.grid_a1
    assert person.political_status == PoliticalStatus.CPC_MEMBER


@pytest.mark.parametrize("columns", [("部门", "班组"), ("一级单位", "二级单位")])
def test_separate_unit_columns(org: Org, tmp_path: Path, columns: tuple[str, str]) -> None:
    path = xlsx(
        tmp_path / "r.xlsx",
        [["U1", "周强", "运维部", "运行二班"], ["U2", "吴刚", "检修部", ""]],
        header=["工号", "姓名", *columns],
    )
    report = roster_apply(path=path)
    assert report.ok, messages(report)
    assert Person.objects.get(employee_no="U1").unit == org.grid_a2
    assert Person.objects.get(employee_no="U2").unit == org.branch_b


def test_title_rows_above_the_header_keep_row_numbers(org: Org, tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "r.xlsx",
        [person_row("T1"), person_row("T2", birth="1990-13-01")],
        above=[["示范电厂职工花名册"], ["导出日期：2026-01-01"]],
    )
    report = roster_check(path=path)
    assert [(e.row, e.column) for e in report.errors] == [(5, "出生日期")]
    assert "无法识别的日期“1990-13-01”" in report.errors[0].message


def file_error(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    report = roster_check(path=path, name=name)
    assert report.rows == 0 and len(report.errors) == 1 and report.errors[0].row is None
    return report.errors[0].message


def test_wrong_file_types_are_named(org: Org, tmp_path: Path) -> None:
    assert "文件类型不支持" in file_error(tmp_path, "photo.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    assert "文件类型不支持" in file_error(tmp_path, "r.csv", b"%PDF-1.7\n" + bytes(range(256)) * 4)
    assert "文件类型不支持" in file_error(tmp_path, "r.csv", bytes(range(256)) * 8)
    doc = tmp_path / "doc.zip"
    with zipfile.ZipFile(doc, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert "不是 Excel 工作簿" in file_error(tmp_path, "r.xlsx", doc.read_bytes())


def test_corrupt_encrypted_and_empty_files(org: Org, tmp_path: Path) -> None:
    good = xlsx(tmp_path / "good.xlsx", [person_row("X1")]).read_bytes()
    assert "文件已损坏" in file_error(tmp_path, "cut.xlsx", good[: len(good) // 2])
    assert "文件已加密" in file_error(tmp_path, "locked.xlsx", OLE_HEADER + b"\0" * 504)
    assert "旧版 .xls" in file_error(tmp_path, "old.xls", OLE_HEADER + b"\0" * 504)
    assert "文件为空" in file_error(tmp_path, "empty.csv", b"")
    assert "没有数据" in file_error(tmp_path, "bom.csv", b"\xef\xbb\xbf")
    header_only = csv_file(tmp_path / "h.csv", [])
    assert "没有数据行" in file_error(tmp_path, "h.csv", header_only.read_bytes())


def test_missing_required_columns(org: Org, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "r.xlsx", [["王伟", "男"]], header=["姓名", "性别", "备注"])
    report = roster_check(path=path)
    assert len(report.errors) == 1
    assert "缺少必需的列：工号、所在单位" in report.errors[0].message
    assert report.ignored_columns == ["备注"]


def test_every_row_error_with_its_row_and_column(org: Org, tmp_path: Path) -> None:
    rows = [
        person_row("E1"),
        person_row("E1", "李四"),  # duplicate employee number
        person_row("E3", political="无党派"),
        person_row("E4", birth="生日"),
        person_row("E5", "名" * 51),
        person_row("E6", phone="1380013"),
        person_row("E7", gender="未知"),
        person_row("E8", position="岗" * 65),
        person_row("", "无号"),
        person_row("E10", birth="2999-01-01"),
    ]
    report = roster_check(path=csv_file(tmp_path / "r.csv", rows))
    found = {(e.row, e.column): e.message for e in report.errors}
    assert "与第 2 行重复" in found[(3, "工号")]
    assert "未知的政治面貌“无党派”" in found[(4, "政治面貌")]
    assert "无法识别的日期“生日”" in found[(5, "出生日期")]
    assert "最多 50 个字符" in found[(6, "姓名")]
    assert "电话号码格式不正确" in found[(7, "手机")]
    assert "性别" in found[(8, "性别")]
    assert "最多 64 个字符" in found[(9, "岗位")]
    assert "工号不能为空" in found[(10, "工号")]
    assert "超出合理范围" in found[(11, "出生日期")]
    assert len(report.errors) == 9
    assert roster_apply(path=tmp_path / "r.csv").applied is False
    assert not Person.objects.filter(employee_no__startswith="E").exists()


def test_one_bad_row_in_a_thousand_imports_nothing(org: Org, tmp_path: Path) -> None:
    rows = [person_row(f"B{n:04d}", f"职工{n}") for n in range(1000)]
    rows[737] = person_row("B0737", "坏行", political="火星人")
    before = Person.objects.count()
    report = roster_apply(path=xlsx(tmp_path / "r.xlsx", rows))
    assert not report.applied and [e.row for e in report.errors] == [739]
    assert Person.objects.count() == before


def test_missing_units_are_created_only_when_confirmed(org: Org, tmp_path: Path) -> None:
    rows = [person_row("N1", unit="安监部/巡检一班"), person_row("N2", unit="安监部")]
    path = xlsx(tmp_path / "r.xlsx", rows)
    report = roster_apply(path=path)
    assert not report.applied and report.only_missing_units
    assert report.units_to_create == ["安监部", "安监部/巡检一班"]
    assert [e.column for e in report.errors] == ["所在单位", "所在单位"]
    assert not Unit.objects.filter(name="安监部").exists()
    assert not Person.objects.filter(employee_no="N1").exists()

    report = roster_apply(path=path, create_units=True)
    assert report.applied, messages(report)
    department = Unit.objects.get(name="安监部")
    team = Unit.objects.get(name="巡检一班")
    assert department.depth == 2 and department.path.startswith(org.root.path)
    assert team.path.startswith(department.path) and team.depth == 3
    assert department.kind.code == "branch" and team.kind.code == "team"
    assert Person.objects.get(employee_no="N1").unit == team
    assert Person.objects.get(employee_no="N2").unit == department


def test_re_import_is_idempotent_and_updates_by_employee_number(org: Org, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "r.xlsx", [person_row("R1"), person_row("R2", "钱进")])
    assert roster_apply(path=path).to_create == 2
    stamp = Person.objects.get(employee_no="R1").updated_at
    again = roster_apply(path=path)
    assert (again.to_create, again.to_update, again.unchanged, again.applied) == (0, 0, 2, True)
    assert Person.objects.get(employee_no="R1").updated_at == stamp

    Person.objects.filter(employee_no="R2").update(household="父母同住")
    changed = xlsx(
        tmp_path / "r2.xlsx",
        [person_row("R1"), person_row("R2", "钱晋", unit="检修部/检修一班", phone="", political="党员")],
    )
    report = roster_apply(path=changed)
    assert (report.to_update, report.unchanged) == (1, 1)
    person = Person.objects.get(employee_no="R2")
    assert person.name == "钱晋" and person.name_initials == "qj" and person.unit == org.grid_b1
    assert person.political_status == PoliticalStatus.CPC_MEMBER
    assert person.phone == "13800138000"  # an empty cell leaves the stored value alone
    assert person.household == "父母同住"  # fields a roster does not carry are never touched


def test_existing_people_are_matched_by_employee_number(org: Org, tmp_path: Path) -> None:
    row = person_row(org.stranger.employee_no, org.stranger.name, unit="检修部/检修一班")
    report = roster_apply(path=xlsx(tmp_path / "r.xlsx", [row]))
    assert (report.to_create, report.to_update) == (0, 1)
    org.stranger.refresh_from_db()
    assert org.stranger.hardship_details == "子女大病" and org.stranger.phone == "13800138000"


def test_without_a_root_unit_nothing_is_imported(db: None, tmp_path: Path) -> None:
    report = roster_apply(path=xlsx(tmp_path / "r.xlsx", [person_row("Z1")]), create_units=True)
    assert not report.applied and "尚未建立企业根单位" in report.errors[0].message


def test_parsed_rows_kept_by_the_check_serve_the_apply(org: Org, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "r.xlsx", [person_row("K1", birth="1990/1/2")])
    kept = tmp_path / "r.parsed.json"
    roster_check(path=path, keep_parsed=kept)
    assert kept.exists()
    report = roster_apply(path=path, parsed_from=kept)
    assert report.applied and Person.objects.get(employee_no="K1").birth_date == dt.date(1990, 1, 2)
    # A file changed since the check is read again rather than trusted.
    xlsx(path, [person_row("K1"), person_row("K2")])
    assert roster_apply(path=path, parsed_from=kept).rows == 2


def test_header_row_alone_is_found_in_a_later_sheet(org: Org, tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    cover = workbook.active
    assert cover is not None
    cover.append(["说明：本表由人事系统导出"])
    data = workbook.create_sheet("花名册")
    data.append(HEADER)
    data.append(person_row("S1"))
    workbook.save(tmp_path / "r.xlsx")
    report = roster_apply(path=tmp_path / "r.xlsx")
    assert report.applied, messages(report)
