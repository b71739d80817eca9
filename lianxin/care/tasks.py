"""Background work of care: the overdue sweep of due items, the stored contact coverage, and the nightly
purge of old summaries."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from lianxin.care.counts import contact_counts_refresh
from lianxin.care.services import contact_summaries_purge, due_items_escalate_overdue


@db_periodic_task(crontab(minute="*/10"))  # type: ignore[untyped-decorator]
def due_items_escalate_overdue_task() -> int:
    """Each overdue due item climbs responsible → secretary → department → leadership, as appeals do."""
    return due_items_escalate_overdue()


# Huey reads schedules in local time (settings.HUEY "utc": False): 00:05 in Asia/Shanghai, just after
# the day turns, and every four hours after.
@db_periodic_task(crontab(minute="5", hour="*/4"))  # type: ignore[untyped-decorator]
def contact_counts_refresh_task() -> int:
    """Every unit's stored coverage, recounted five minutes after midnight (contacts leave the window as
    the day turns; until the recount the pages count live) and every four hours after (a unit whose
    people moved since its last talk is counted live until then)."""
    return contact_counts_refresh()


@db_periodic_task(crontab(minute="30", hour="3"))  # type: ignore[untyped-decorator]
def contact_summaries_purge_task() -> int:
    """Topics and summaries past CARE_SUMMARY_RETENTION_DAYS are blanked; records and counts stay."""
    return contact_summaries_purge()
