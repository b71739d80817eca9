"""Background work of the organisation app: large roster imports."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from lianxin.org.models import ImportStatus, RosterImport
from lianxin.org.roster.imports import roster_import_apply, roster_import_check


@db_task()  # type: ignore[untyped-decorator]
def roster_check_task(import_id: int) -> None:
    roster_import = RosterImport.objects.filter(pk=import_id, status=ImportStatus.UPLOADED).first()
    if roster_import is not None:
        roster_import_check(roster_import=roster_import)


@db_task()  # type: ignore[untyped-decorator]
def roster_apply_task(import_id: int) -> None:
    roster_import = RosterImport.objects.filter(pk=import_id, status=ImportStatus.RUNNING).first()
    if roster_import is not None:
        roster_import_apply(roster_import=roster_import)
