"""The import wizard pages, the import command and the person export endpoint."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from lianxin.org.models import ImportStatus, Person, RoleAssignment, RosterImport, Unit
from lianxin.org.roster.progress import progress_store
from tests.factories import Org, make_user
from tests.org.roster_files import OLE_HEADER, person_row, xlsx


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, path: Path, name: str = "") -> Any:
    data = SimpleUploadedFile(name or path.name, path.read_bytes())
    return client.post(reverse("roster_upload"), {"file": data})


def test_upload_page_for_importers_only(org: Org) -> None:
    assert client_for(org.department).get(reverse("roster_upload")).status_code == 200
    admin = make_user("sysadmin", system_admin=org.root)
    assert client_for(admin).get(reverse("roster_upload")).status_code == 200
    for user in (org.employee, org.secretary_a, org.leader):
        assert client_for(user).get(reverse("roster_upload")).status_code == 404
    assert client_for(org.department).put(reverse("roster_upload")).status_code == 405


def test_wizard_check_then_apply(org: Org, tmp_path: Path, media: Path) -> None:
    client = client_for(org.department)
    response = upload(client, xlsx(tmp_path / "名单.xlsx", [person_row("W1"), person_row("W2", "钱进")]))
    record = RosterImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("roster_detail", args=[record.pk])
    assert record.status == ImportStatus.CHECKED and record.original_name == "名单.xlsx"
    stored = Path(record.file.path)
    assert stored.is_relative_to(media) and stored.name != "名单.xlsx"
    page = client.get(reverse("roster_detail", args=[record.pk]))
    assert "检查通过" in page.content.decode() and not Person.objects.filter(employee_no="W1").exists()

    assert client.get(reverse("roster_confirm", args=[record.pk])).status_code == 405
    client.post(reverse("roster_confirm", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE and record.processed_rows == 2
    assert Person.objects.filter(employee_no__in=["W1", "W2"]).count() == 2
    assert not stored.exists()  # the roster file is removed once imported
    assert "导入完成" in client.get(reverse("roster_detail", args=[record.pk])).content.decode()


def test_wizard_shows_errors_and_refuses_to_apply(org: Org, tmp_path: Path) -> None:
    client = client_for(org.department)
    upload(client, xlsx(tmp_path / "r.xlsx", [person_row("V1"), person_row("V1")]))
    record = RosterImport.objects.get()
    html = client.get(reverse("roster_detail", args=[record.pk])).content.decode()
    assert "与第 2 行重复" in html and "确认导入" not in html
    client.post(reverse("roster_confirm", args=[record.pk]))
    assert not Person.objects.filter(employee_no="V1").exists()


def test_missing_units_need_the_checkbox(org: Org, tmp_path: Path) -> None:
    client = client_for(org.department)
    upload(client, xlsx(tmp_path / "r.xlsx", [person_row("M1", unit="后勤部/食堂")]))
    record = RosterImport.objects.get()
    html = client.get(reverse("roster_detail", args=[record.pk])).content.decode()
    assert 'name="create_units"' in html and "后勤部/食堂" in html
    client.post(reverse("roster_confirm", args=[record.pk]))
    assert not Unit.objects.filter(name="后勤部").exists()
    client.post(reverse("roster_confirm", args=[record.pk]), {"create_units": "1"})
    assert Person.objects.get(employee_no="M1").unit.name == "食堂"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("locked.xlsx", OLE_HEADER + b"\0" * 504, "文件已加密"),
        ("r.pdf", b"%PDF-1.4", "文件类型不支持"),
        ("empty.csv", b"", "文件为空"),
    ],
)
def test_bad_uploads_get_a_clear_message(org: Org, name: str, data: bytes, message: str) -> None:
    response = client_for(org.department).post(
        reverse("roster_upload"), {"file": SimpleUploadedFile(name, data)}
    )
    if response.status_code == 302:  # stored, then the check names the problem
        response = client_for(org.department).get(response["Location"])
    assert message in response.content.decode()
    assert Person.objects.count() == 5


def test_upload_size_limit(org: Org, tmp_path: Path, settings: Any) -> None:
    settings.ROSTER_MAX_UPLOAD_BYTES = 100
    response = upload(client_for(org.department), xlsx(tmp_path / "r.xlsx", [person_row("L1")]))
    assert response.status_code == 400 and "文件过大" in response.content.decode()
    assert not RosterImport.objects.exists()


def test_large_files_run_as_huey_tasks(org: Org, tmp_path: Path, settings: Any) -> None:
    settings.ROSTER_ASYNC_THRESHOLD = 3  # Huey runs in immediate mode under test
    client = client_for(org.department)
    upload(client, xlsx(tmp_path / "r.xlsx", [person_row(f"H{n}") for n in range(6)]))
    record = RosterImport.objects.get()
    assert record.status == ImportStatus.CHECKED and record.total_rows == 6
    client.post(reverse("roster_confirm", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == ImportStatus.DONE
    assert Person.objects.filter(employee_no__startswith="H").count() == 6


def test_progress_partial_polls_while_running_then_reloads(org: Org, tmp_path: Path) -> None:
    client = client_for(org.department)
    upload(client, xlsx(tmp_path / "r.xlsx", [person_row("P1")]))
    record = RosterImport.objects.get()
    RosterImport.objects.filter(pk=record.pk).update(status=ImportStatus.RUNNING, total_rows=10_000)
    progress_store(record.pk, "write", 5_000, 10_000)
    partial = client.get(reverse("roster_progress", args=[record.pk]))
    html = partial.content.decode()
    assert partial.status_code == 200 and 'hx-trigger="every 1s"' in html and 'value="75"' in html
    assert 'hx-get="' in client.get(reverse("roster_detail", args=[record.pk])).content.decode()
    RosterImport.objects.filter(pk=record.pk).update(status=ImportStatus.DONE)
    done = client.get(reverse("roster_progress", args=[record.pk]))
    assert done.status_code == 204 and done["HX-Redirect"] == reverse("roster_detail", args=[record.pk])


def test_imports_are_private_to_their_uploader(org: Org, tmp_path: Path) -> None:
    upload(client_for(org.department), xlsx(tmp_path / "r.xlsx", [person_row("Q1")]))
    record = RosterImport.objects.get()
    other = make_user("department2", department=org.root)
    for user in (other, org.employee, org.secretary_b):
        client = client_for(user)
        assert client.get(reverse("roster_detail", args=[record.pk])).status_code == 404
        assert client.get(reverse("roster_progress", args=[record.pk])).status_code == 404
        assert client.post(reverse("roster_confirm", args=[record.pk])).status_code == 404
    assert RoleAssignment.objects.filter(user=other).exists()


def test_command_dry_run_then_import(org: Org, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "r.xlsx", [person_row("C1"), person_row("C2", unit="新部门")])
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_roster", str(path), "--dry-run", stdout=out)
    assert failure.value.returncode == 1
    text = out.getvalue()
    assert "共 2 行：新建 2 人" in text and "第 3 行 · 所在单位：单位“新部门”不存在" in text
    assert "--create-units" in text

    out = io.StringIO()
    call_command("import_roster", str(path), "--dry-run", "--create-units", stdout=out)
    assert "检查通过" in out.getvalue() and not Person.objects.filter(employee_no="C1").exists()
    call_command("import_roster", str(path), "--create-units", stdout=io.StringIO())
    assert Person.objects.filter(employee_no__in=["C1", "C2"]).count() == 2
    out = io.StringIO()
    call_command("import_roster", str(path), stdout=out)
    assert "无变化 2 人" in out.getvalue()


def test_command_reports_a_broken_file(org: Org, tmp_path: Path) -> None:
    path = tmp_path / "cut.xlsx"
    path.write_bytes(xlsx(tmp_path / "r.xlsx", [person_row("C1")]).read_bytes()[:300])
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_roster", str(path), stdout=out)
    assert "文件已损坏" in out.getvalue()


def exported(response: Any) -> list[tuple[Any, ...]]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response)), read_only=True).active
    assert sheet is not None
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_export_follows_scope_and_filters(org: Org) -> None:
    url = reverse("people_export")
    rows = exported(client_for(org.department).get(url))
    assert len(rows) == 6 and rows[0][:5] == ("工号", "姓名", "性别", "出生日期", "所在单位")
    rows = exported(client_for(org.secretary_b).get(url))
    assert [r[1] for r in rows[1:]] == ["刘洋"] and rows[1][4] == "检修部/检修一班"
    rows = exported(client_for(org.department).get(url, {"unit": org.grid_a1.pk}))
    assert sorted(r[1] for r in rows[1:]) == ["张伟", "李娜"]
    assert client_for(org.secretary_b).get(url, {"unit": org.grid_a1.pk}).status_code == 404
    assert client_for(org.department).post(url).status_code == 405


def test_export_neither_leaks_sensitive_fields_nor_runs_formulas(org: Org) -> None:
    Person.objects.filter(pk=org.employee_person.pk).update(position='=HYPERLINK("http://x")')
    rows = exported(client_for(org.department).get(reverse("people_export")))
    text = repr(rows)
    assert "高血压" not in text and "家庭变故" not in text and "子女大病" not in text
    assert '\'=HYPERLINK("http://x")' in [r[5] for r in rows]
