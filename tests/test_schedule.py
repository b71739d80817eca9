"""Periodic tasks run on the plant's clock: Huey reads the schedule in local time (Asia/Shanghai), so the
monthly drafts come at 01:30 on the 1st and the trend run at 05:10 in Shanghai, not in UTC."""

from __future__ import annotations

import datetime as dt
import os
import time

from django.conf import settings
from huey.contrib.djhuey import HUEY

from lianxin.insight.trend_tasks import trends_detect_task
from lianxin.reports.tasks import reports_draft_previous_month_task


def test_the_schedule_is_read_in_shanghai_time() -> None:
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert HUEY.utc is False
    # Django puts TIME_ZONE into the process's TZ, which is the clock a non-UTC Huey reads.
    assert os.environ.get("TZ") == "Asia/Shanghai" and time.strftime("%z") == "+0800"
    # Huey's local clock is naive: these are Shanghai wall-clock times.
    first_of_month = dt.datetime(2026, 12, 1, 1, 30)  # noqa: DTZ001
    same_moment_in_utc = dt.datetime(2026, 11, 30, 17, 30)  # noqa: DTZ001
    early_morning = dt.datetime(2026, 11, 23, 5, 10)  # noqa: DTZ001
    monthly = reports_draft_previous_month_task.task_class()
    assert monthly.validate_datetime(first_of_month)
    assert not monthly.validate_datetime(same_moment_in_utc)
    assert trends_detect_task.task_class().validate_datetime(early_morning)
