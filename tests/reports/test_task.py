"""The Huey task of the first of the month: every branch's report and the enterprise's, once, and again
without touching what has been submitted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lianxin.reports.models import Report, ReportStatus
from lianxin.reports.services import report_submit
from lianxin.reports.tasks import reports_draft_previous_month, reports_draft_previous_month_task
from tests.factories import Org

pytestmark = pytest.mark.django_db


def _first_of_month() -> dt.datetime:
    today = timezone.localdate().replace(day=1)
    return dt.datetime.combine(today, dt.time(1, 30), tzinfo=timezone.get_current_timezone())


def test_runs_at_01_30_on_the_first_only() -> None:
    task = reports_draft_previous_month_task.task_class()
    first = _first_of_month().replace(tzinfo=None)  # Huey uses naive local times
    assert task.validate_datetime(first)
    assert not task.validate_datetime(first + dt.timedelta(days=1))
    assert not task.validate_datetime(first + dt.timedelta(hours=1))


def test_drafts_each_branch_and_the_enterprise_once_and_is_idempotent(org: Org) -> None:
    now = _first_of_month()
    month = (now.date() - dt.timedelta(days=1)).replace(day=1)
    assert reports_draft_previous_month(now=now) == 3
    reports = Report.objects.filter(month=month)
    assert sorted(r.unit_id for r in reports) == sorted([org.root.pk, org.branch_a.pk, org.branch_b.pk])
    assert all(r.status == ReportStatus.DRAFT for r in reports)

    submitted = report_submit(report=reports.get(unit=org.branch_a), actor=org.secretary_a)
    before = (submitted.sections, submitted.texts, submitted.drafted_at)
    assert reports_draft_previous_month(now=now + dt.timedelta(hours=1)) == 3
    assert Report.objects.count() == 3
    submitted.refresh_from_db()
    assert submitted.status == ReportStatus.SUBMITTED
    assert (submitted.sections, submitted.texts, submitted.drafted_at) == before
    assert submitted.events.filter(kind="drafted").count() == 1
    # The drafts were refreshed: a second drafted event each.
    assert Report.objects.get(unit=org.branch_b).events.filter(kind="drafted").count() == 2


def test_the_task_itself_drafts_the_previous_month(org: Org) -> None:
    reports_draft_previous_month_task.call_local()
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    assert Report.objects.filter(month=month).count() == 3
