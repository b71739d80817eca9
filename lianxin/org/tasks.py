"""Background work of the organisation app: large roster imports, and the periodic recount of people
and pairing coverage (pairings start and end by date, with no write to notice it)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from lianxin.org.counts import unit_counts_refresh
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


@db_periodic_task(crontab(minute="*/15"))  # type: ignore[untyped-decorator]
def unit_counts_refresh_task() -> None:
    unit_counts_refresh()
