"""Background work of the reports: on the first of each month, draft every branch's report and each
enterprise's roll-up for the month just ended."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from lianxin.reports.figures import previous_month
from lianxin.reports.services import reports_draft_month


def reports_draft_previous_month(*, now: dt.datetime | None = None) -> int:
    """Draft the previous month's reports; returns how many reports the month has. Running it again the
    same day refreshes the drafts and leaves submitted, returned and accepted reports alone."""
    moment = now or timezone.now()
    month = previous_month(timezone.localdate(moment))
    return len(reports_draft_month(month=month, now=moment))


@db_periodic_task(crontab(day="1", hour="1", minute="30"))  # type: ignore[untyped-decorator]
def reports_draft_previous_month_task() -> int:
    return reports_draft_previous_month()
