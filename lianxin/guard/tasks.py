"""Background work of the guard: expired counters leave the database every hour."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from lianxin.guard.counters import purge_expired


@db_periodic_task(crontab(minute="17"))  # type: ignore[untyped-decorator]
def guard_purge_expired_task() -> int:
    return purge_expired()
