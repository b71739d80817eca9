"""Reports for the demo plant: last month's report for every branch and the enterprise, one of them
submitted by its secretary and one accepted by the party-mass department, and the roll-up drafted again
so that it lists those statuses."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lianxin.org.models import Role, RoleAssignment, Unit
from lianxin.reports.figures import previous_month
from lianxin.reports.models import Report, ReportStatus
from lianxin.reports.services import report_accept, report_draft, report_submit, reports_draft_month

User = get_user_model()


def _secretary_report(username: str, month: dt.date) -> tuple[Report, object] | None:
    user = User.objects.filter(username=username).first()
    grant = RoleAssignment.objects.filter(user=user, role=Role.SECRETARY).select_related("unit").first()
    if user is None or grant is None:
        return None
    report = Report.objects.filter(unit=grant.unit, month=month).first()
    return (report, user) if report is not None else None


@transaction.atomic
def seed_demo_reports() -> int:
    """Returns how many reports were drafted."""
    month = previous_month(timezone.localdate())
    reports = reports_draft_month(month=month)
    department = User.objects.filter(username="department").first()
    submitted = _secretary_report("secretary_yunxing", month)
    if submitted is not None and submitted[0].status == ReportStatus.DRAFT:
        report_submit(report=submitted[0], actor=submitted[1])
    accepted = _secretary_report("secretary_jianxiu", month)
    if accepted is not None and accepted[0].status == ReportStatus.DRAFT and department is not None:
        report = report_submit(report=accepted[0], actor=accepted[1])
        report_accept(report=report, actor=department, comment="分析到位，建议可行，予以采纳。")
    for root in Unit.objects.filter(depth=1):
        report_draft(unit=root, month=month)  # the roll-up shows the new statuses
    return len(reports)
