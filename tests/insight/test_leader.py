"""The leader's first page: open red and orange warnings, trends, overdue appeals by branch and the
reports waiting or missing, within the viewer's scope, for leadership and the department only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lianxin.appeals.models import Appeal
from lianxin.appeals.services import appeal_submit
from lianxin.insight.leader import leader_page, previous_month
from lianxin.insight.warnings import warning_raise
from lianxin.org.models import Unit
from tests.factories import Org, make_person


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def raise_warning(unit: Unit, level: str, title: str, *, source: str = "rule", person: Any = None) -> Any:
    warning, _new = warning_raise(
        level=level,
        source=source,
        rule="test",
        target_kind="person" if person else "unit",
        person=person,
        unit=unit,
        title=title,
        dedupe_key=f"test:{title}",
    )
    return warning


def overdue_appeal(person: Any) -> Appeal:
    appeal = appeal_submit(text="宿舍热水器坏了一个月没人修", channel="web", submitter=person).appeal
    Appeal.objects.filter(pk=appeal.pk).update(closure_due=timezone.now() - dt.timedelta(days=2))
    return appeal


def test_the_leader_sees_urgent_warnings_trends_overdue_appeals_and_reports(org: Org) -> None:
    from lianxin.reports.models import Report, ReportStatus

    raise_warning(org.grid_a1, "red", "运行一班职工流露轻生念头", person=org.employee_person)
    raise_warning(org.branch_b, "orange", "检修部十余人反映加班费未发")
    raise_warning(org.branch_a, "yellow", "运维部黄色预警")
    raise_warning(org.branch_a, "yellow", "运维部班车诉求本周明显增多", source="trend")
    overdue_appeal(org.employee_person)
    overdue_appeal(org.employee_person)
    overdue_appeal(make_person(org.grid_b1))
    month = previous_month(timezone.localdate())
    Report.objects.create(unit=org.branch_a, month=month, status=ReportStatus.SUBMITTED)

    page = leader_page(org.leader)
    assert [w.title for w in page.urgent] == ["运行一班职工流露轻生念头", "检修部十余人反映加班费未发"]
    assert page.urgent_counts == {"red": 1, "orange": 1}
    assert [w.title for w in page.trends] == ["运维部班车诉求本周明显增多"]
    assert [(u.name, n) for u, n in page.overdue_by_branch] == [("运维部", 2), ("检修部", 1)]
    assert page.overdue_total == 3
    assert [r.unit.name for r in page.reports_waiting] == ["运维部"]
    assert [u.name for u in page.reports_missing] == ["检修部"]

    body = client_for(org.leader).get(reverse("home")).content.decode()
    for text in ("需要关注", "运行一班职工流露轻生念头", "运维部班车诉求本周明显增多", "尚未报送：检修部"):
        assert text in body
    assert "需要关注" in client_for(org.department).get(reverse("home")).content.decode()


def test_only_leadership_and_the_department_get_the_panel(org: Org) -> None:
    raise_warning(org.grid_a1, "red", "运行一班职工流露轻生念头", person=org.employee_person)
    for user in (org.secretary_a, org.grid_member, org.employee):
        body = client_for(user).get(reverse("home")).content.decode()
        assert "需要关注" not in body and "轻生" not in body


def test_the_panel_costs_the_same_queries_with_more_to_show(org: Org) -> None:
    client = client_for(org.leader)
    raise_warning(org.grid_a1, "red", "红色预警一", person=org.employee_person)
    overdue_appeal(org.employee_person)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for i in range(5):
        raise_warning(org.branch_b, "orange", f"橙色预警{i}")
        raise_warning(org.branch_a, "blue", f"趋势{i}", source="trend")
        overdue_appeal(make_person(org.grid_b1))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("home"))
    assert len(many) == len(few)
