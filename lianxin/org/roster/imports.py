"""The import wizard's record: upload, check (dry run) and apply, each a service on RosterImport.

Files over settings.ROSTER_ASYNC_THRESHOLD rows are checked and applied by Huey tasks, which call the
same services; the page follows them through lianxin.org.roster.progress.
"""

from __future__ import annotations

import logging
import uuid
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.org.models import ImportStatus, RosterImport
from lianxin.org.roster.progress import progress_clear, progress_store
from lianxin.org.roster.reader import OLE_MAGIC
from lianxin.org.roster.service import RosterReport, RowError, roster_apply, roster_check
from lianxin.org.scope import UserLike

logger = logging.getLogger(__name__)
ALLOWED_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt")


def estimate_rows(path: Path) -> int:
    """A quick guess at the number of rows, to decide whether the work goes to a background task."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(OLE_MAGIC):
        return 0
    if head.startswith(b"PK"):
        try:
            from openpyxl import load_workbook

            workbook = load_workbook(path, read_only=True)
            try:
                rows = max((ws.max_row or 0) for ws in workbook.worksheets)
            finally:
                workbook.close()
            if rows:
                return int(rows)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError):
            return 0
        return path.stat().st_size // 40  # a compressed row of ten cells takes about that many bytes
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


def is_large(roster_import: RosterImport) -> bool:
    return roster_import.total_rows > settings.ROSTER_ASYNC_THRESHOLD


@transaction.atomic
def roster_import_create(*, user: UserLike, upload: UploadedFile) -> RosterImport:
    """Store an uploaded roster under MEDIA_ROOT (never served) and record it."""
    name = (upload.name or "").strip()
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("文件为空。"))
    if upload.size > settings.ROSTER_MAX_UPLOAD_BYTES:
        limit = settings.ROSTER_MAX_UPLOAD_BYTES // 2**20
        raise ValidationError(_("文件过大，最大 %(mb)d MB。") % {"mb": limit})
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValidationError(_("文件类型不支持，请上传 .xlsx 或 .csv 文件。"))
    record = RosterImport(original_name=name[-255:] or "roster", created_by=user)
    # A random stored name: the user's file name never becomes a path on the server.
    record.file.save(f"{uuid.uuid4().hex}{suffix}", upload, save=False)
    record.total_rows = estimate_rows(Path(record.file.path))
    record.save()
    return record


def _parsed_path(roster_import: RosterImport) -> Path:
    return Path(f"{roster_import.file.path}.parsed.json")


def _report_failure(roster_import: RosterImport, message: str) -> None:
    report = RosterReport(errors=[RowError(None, "", message, "file")])
    roster_import.report = report.to_dict()
    roster_import.status = ImportStatus.FAILED
    roster_import.finished_at = timezone.now()
    roster_import.save(update_fields=["report", "status", "finished_at"])


def roster_import_check(*, roster_import: RosterImport) -> RosterReport:
    """The dry run on the stored file; missing units are reported so the user can confirm them."""
    import_id = roster_import.pk

    def progress(stage: str, done: int, total: int) -> None:
        progress_store(import_id, stage, done, total)

    try:
        report = roster_check(
            path=Path(roster_import.file.path),
            name=roster_import.original_name,
            progress=progress,
            total_hint=roster_import.total_rows,
            keep_parsed=_parsed_path(roster_import),
        )
    except Exception:
        logger.exception("roster import %s: check failed", import_id)
        _report_failure(roster_import, _("检查时发生意外错误，未导入任何数据。"))
        raise
    finally:
        progress_clear(import_id)
    roster_import.report = report.to_dict()
    roster_import.total_rows = report.rows
    roster_import.status = ImportStatus.CHECKED
    roster_import.save(update_fields=["report", "total_rows", "status"])
    return report


def roster_import_start(*, roster_import: RosterImport, create_units: bool) -> bool:
    """Claim a checked import for applying; False when it was already started (a second click)."""
    claimed = RosterImport.objects.filter(pk=roster_import.pk, status=ImportStatus.CHECKED).update(
        status=ImportStatus.RUNNING, create_units=create_units, processed_rows=0
    )
    roster_import.refresh_from_db()
    return claimed == 1


def roster_import_apply(*, roster_import: RosterImport) -> RosterReport:
    """Apply a claimed import all-or-nothing and record the outcome."""
    import_id = roster_import.pk
    if roster_import.status != ImportStatus.RUNNING:
        raise ValidationError(_("该导入不在待执行状态。"))

    def progress(stage: str, done: int, total: int) -> None:
        progress_store(import_id, stage, done, total)

    try:
        report = roster_apply(
            path=Path(roster_import.file.path),
            name=roster_import.original_name,
            create_units=roster_import.create_units,
            progress=progress,
            total_hint=roster_import.total_rows,
            parsed_from=_parsed_path(roster_import),
        )
    except Exception:
        logger.exception("roster import %s: apply failed", import_id)
        _report_failure(roster_import, _("导入时发生意外错误，未导入任何数据。"))
        raise
    finally:
        progress_clear(import_id)
    fields: dict[str, Any] = {
        "report": report.to_dict(),
        "status": ImportStatus.DONE if report.applied else ImportStatus.FAILED,
        "processed_rows": report.rows if report.applied else 0,
        "total_rows": report.rows,
        "finished_at": timezone.now(),
    }
    for key, value in fields.items():
        setattr(roster_import, key, value)
    roster_import.save(update_fields=list(fields))
    if report.applied:
        # Data minimisation: the roster holds personal data and has served its purpose.
        _parsed_path(roster_import).unlink(missing_ok=True)
        roster_import.file.delete(save=False)
        roster_import.save(update_fields=["file"])
    return report
