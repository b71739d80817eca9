"""Deadlines in working days around Chinese public holidays, and past the calendar package's years."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from lianxin.org.models import CalendarDay
from lianxin.org.workdays import add_workdays, deadline_after, is_workday

TZ = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def test_national_day_2026_is_skipped_and_the_working_saturday_counts() -> None:
    # 1–7 October 2026 are holidays; Saturday 10 October is an adjusted working day.
    assert not is_workday(dt.date(2026, 10, 5))
    assert is_workday(dt.date(2026, 10, 10))
    assert add_workdays(dt.date(2026, 9, 30), 3) == dt.date(2026, 10, 10)


def test_yellow_deadline_reaching_into_2027_counts_monday_to_friday() -> None:
    # Seven working days from Monday 28 December 2026; 1 January 2027 is set as a holiday by an administrator.
    CalendarDay.objects.create(date=dt.date(2027, 1, 1), is_workday=False, note="元旦")
    assert add_workdays(dt.date(2026, 12, 28), 7) == dt.date(2027, 1, 7)


def test_blue_appeal_raised_on_2026_12_20_gets_its_deadlines() -> None:
    raised = dt.datetime(2026, 12, 20, 10, 0, tzinfo=TZ)
    assert deadline_after(raised, 3, "days") == dt.datetime(2026, 12, 23, 23, 59, 59, tzinfo=TZ)
    assert deadline_after(raised, 15, "days") == dt.datetime(2027, 1, 4, 23, 59, 59, tzinfo=TZ)
    # The same appeal counted in working days runs into 2027 without error.
    assert deadline_after(raised, 15, "workdays").year == 2027


def test_an_administrator_working_weekend_beyond_2026_counts() -> None:
    CalendarDay.objects.create(date=dt.date(2027, 2, 6), is_workday=True, note="春节调休")
    assert is_workday(dt.date(2027, 2, 6))
    assert not is_workday(dt.date(2027, 2, 7))


def test_the_system_administrator_edits_the_holiday_table_in_the_admin(client: object) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("demo_seed", verbosity=0)
    client.force_login(get_user_model().objects.get(username="sysadmin"))  # type: ignore[attr-defined]
    response = client.post(  # type: ignore[attr-defined]
        "/admin/org/calendarday/add/", {"date": "2027-10-08", "is_workday": "", "note": "国庆节"}
    )
    assert response.status_code == 302
    assert not is_workday(dt.date(2027, 10, 8))
