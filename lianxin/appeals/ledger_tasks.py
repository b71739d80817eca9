"""Large ledger exports in the background: a Huey task writes the .xlsx under MEDIA_ROOT/exports/ and keeps
a small job file beside it with its owner, state and progress.

The job file is the progress channel (like the roster import's file fallback): the worker and the web
must share MEDIA_ROOT anyway to hand over the workbook, and a file outlives a per-process cache.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from lianxin.appeals.ledger import filter_ledger, log_export, parse_filter, write_ledger_xlsx

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
# A ledger holds every appeal's words: the file is kept a day for its owner, then removed.
EXPORT_TTL = dt.timedelta(hours=24)


def export_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "exports"


def _job_file(token: str) -> Path:
    return export_dir() / f"{token}.json"


def export_file(token: str) -> Path:
    return export_dir() / f"ledger-{token}.xlsx"


def job_write(token: str, **values: Any) -> dict[str, Any]:
    job = job_read(token) or {}
    job.update(values)
    path = _job_file(token)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(job))
    os.replace(tmp, path)  # readers never see half a file
    return job


def job_read(token: str) -> dict[str, Any] | None:
    if not TOKEN_RE.match(token or ""):
        return None
    try:
        data: dict[str, Any] = json.loads(_job_file(token).read_text())
        return data
    except (OSError, ValueError):
        return None


def job_percent(job: dict[str, Any]) -> int:
    if job.get("state") == "done":
        return 100
    total = job.get("total") or 0
    return min(99, int(100 * (job.get("done") or 0) / total)) if total else 0


def export_start(*, user: Any, params: dict[str, str], total: int) -> str:
    """Record the job for its owner and queue it; returns the token that names it."""
    token = secrets.token_urlsafe(24)
    job_write(
        token,
        user_id=user.pk,
        state="queued",
        done=0,
        total=total,
        params=params,
        created_at=timezone.now().isoformat(),
    )
    ledger_export_task(token)
    return token


def _progress(token: str, done: int) -> None:
    job_write(token, done=done)


@db_task()  # type: ignore[untyped-decorator]
def ledger_export_task(token: str) -> None:
    job = job_read(token)
    if job is None or job.get("state") != "queued":
        return
    user = get_user_model().objects.filter(pk=job["user_id"], is_active=True).first()
    if user is None:
        job_write(token, state="failed")
        return
    job_write(token, state="running")
    try:
        # Scope is applied again here, as the owner, with the filters they chose.
        flt = parse_filter(user, job.get("params") or {})
        appeals = filter_ledger(user, flt)
        path = export_file(token)
        tmp = path.with_suffix(".part")
        with tmp.open("wb") as out:
            rows = write_ledger_xlsx(appeals, out, progress=lambda done: _progress(token, done))
        os.replace(tmp, path)
    except Exception:
        job_write(token, state="failed")
        raise
    job_write(token, state="done", done=rows, total=rows, finished_at=timezone.now().isoformat())
    log_export(user=user, rows=rows, background=True, flt=flt)


def exports_purge(*, now: dt.datetime | None = None) -> int:
    """Remove export files and job records older than EXPORT_TTL; returns how many files went."""
    folder = export_dir()
    if not folder.is_dir():
        return 0
    cutoff = (now or timezone.now()).timestamp() - EXPORT_TTL.total_seconds()
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


@db_periodic_task(crontab(minute="17"))  # type: ignore[untyped-decorator]
def exports_purge_task() -> int:
    return exports_purge()
