"""Huey tasks of trend detection: every day at 05:10, the ISO week that holds yesterday, up to now (on
Monday the whole past week, on other days the week so far, each baseline week cut at the same point)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from lianxin.insight.trends import trends_detect


@db_periodic_task(crontab(hour="5", minute="10"))  # type: ignore[untyped-decorator]
def trends_detect_task() -> int:
    """Raise or refresh the trend warnings; returns how many the run found."""
    return len(trends_detect())
