"""Huey tasks of the warning rules: every ten minutes, all rule sources over the whole enterprise."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from lianxin.huey_app import huey
from lianxin.insight.watch import talk_words_purge, watch_scan


@db_periodic_task(crontab(minute="*/10"))  # type: ignore[untyped-decorator]
def insight_watch_scan_task() -> dict[str, dict[str, int]]:
    """Appeal grades, repeat appeals, key people's cadence and red phrases in talks. One scan at a time:
    a slow one is never overtaken by the next (dedupe would hold, but the work would be done twice)."""
    with huey.lock_task("insight-watch-scan"):
        report = watch_scan()
        # Words quoted from talks whose summaries were purged at the end of their retention go too.
        talk_words_purge()
        return report
