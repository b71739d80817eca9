"""Dates and counts on warnings as a person writes them: 12月7日, 12月1日—12月7日, 平均 0.6 件; never ISO."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _


def day_words(day: dt.date, *, today: dt.date | None = None, with_year: bool = False) -> str:
    """12月7日; with the year when it is not this year's (2025年12月7日), or when asked."""
    this_year = (today or timezone.localdate()).year
    if day.year == this_year and not with_year:
        return _("%(month)d月%(day)d日") % {"month": day.month, "day": day.day}
    return _("%(year)d年%(month)d月%(day)d日") % {"year": day.year, "month": day.month, "day": day.day}


def moment_words(moment: dt.datetime, *, today: dt.date | None = None) -> str:
    """12月7日 14:30, in local time."""
    local = timezone.localtime(moment)
    return f"{day_words(local.date(), today=today)} {local:%H:%M}"


def span_words(first: dt.date, last: dt.date, *, today: dt.date | None = None) -> str:
    """12月1日—12月7日 (both with the year when either is not this year's)."""
    if first == last:
        return day_words(first, today=today)
    this_year = (today or timezone.localdate()).year
    if first.year == last.year == this_year:
        return f"{day_words(first, today=today)}—{day_words(last, today=today)}"
    return f"{day_words(first, with_year=True)}—{day_words(last, with_year=True)}"


def count_words(value: float) -> str:
    """An average count as a person says it: 0.6, 2, 不足 0.1."""
    if value <= 0:
        return "0"
    if value < 0.05:
        return _("不足 0.1")
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text
