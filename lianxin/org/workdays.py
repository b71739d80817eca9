"""Working days on the Chinese public-holiday calendar.

chinese-calendar knows the adjusted working weekends only for the years it ships (up to 2026). Beyond them,
count Monday to Friday, corrected by the administrators' CalendarDay table. The table also wins inside the
package's years, so a late correction needs no new release.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings

from lianxin.org.models import CalendarDay


def _overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return dict(CalendarDay.objects.filter(date__range=(start, end)).values_list("date", "is_workday"))


def _package_knows(day: dt.date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_workday(day: dt.date, overrides: dict[dt.date, bool] | None = None) -> bool:
    table = overrides if overrides is not None else _overrides(day, day)
    if day in table:
        return table[day]
    if _package_knows(day):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def add_workdays(start: dt.date, count: int) -> dt.date:
    """The date `count` working days after `start` (start itself not counted)."""
    # Holidays never run longer than a few weeks, so 3× plus a margin always covers the span.
    overrides = _overrides(start, start + dt.timedelta(days=count * 3 + 30))
    day = start
    remaining = count
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_workday(day, overrides):
            remaining -= 1
    return day


def end_of_day(day: dt.date) -> dt.datetime:
    tz = ZoneInfo(settings.TIME_ZONE)
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz)


def deadline_after(moment: dt.datetime, amount: int, unit: str) -> dt.datetime:
    """A deadline from a grade rule: hours run on the clock, days to the end of the local day."""
    if unit == "hours":
        return moment + dt.timedelta(hours=amount)
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    if unit == "workdays":
        return end_of_day(add_workdays(local, amount))
    return end_of_day(local + dt.timedelta(days=amount))
