"""The report's way up the chain by role: the branch secretary edits and submits, the department returns
or accepts, the enterprise report goes from the department to leadership; pages, 404s and wrong methods."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lianxin.reports.models import Report, ReportEvent, ReportStatus
from lianxin.reports.services import report_accept, report_draft, report_return, report_submit
from tests.factories import Org, make_unit
from tests.reports.helpers import report_month

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


@pytest.fixture
def reports(org: Org) -> dict[str, Report]:
    month = report_month()
    enterprise = report_draft(unit=org.root, month=month)
    return {
        "a": Report.objects.get(unit=org.branch_a, month=month),
        "b": Report.objects.get(unit=org.branch_b, month=month),
        "root": enterprise,
    }


def test_list_shows_each_reader_their_reports(org: Org, reports: dict[str, Report]) -> None:
    page = client_for(org.secretary_a).get("/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/reports/{reports['a'].pk}/" in html
    assert f"/reports/{reports['b'].pk}/" not in html
    assert f"/reports/{reports['root'].pk}/" not in html
    for user in (org.department, org.leader):
        html = client_for(user).get("/reports/").content.decode()
        assert all(f"/reports/{r.pk}/" in html for r in reports.values())
    for user in (org.employee, org.grid_member, org.informant, org.auditor):
        assert client_for(user).get("/reports/").status_code == 404
    assert Client().get("/reports/").status_code == 302


def test_list_filters_by_month_and_status(org: Org, reports: dict[str, Report]) -> None:
    report_submit(report=reports["a"], actor=org.secretary_a)
    client = client_for(org.department)
    html = client.get("/reports/", {"status": "submitted"}).content.decode()
    assert f"/reports/{reports['a'].pk}/" in html and f"/reports/{reports['b'].pk}/" not in html
    other = (report_month() - dt.timedelta(days=1)).replace(day=1)
    html = client.get("/reports/", {"month": f"{other:%Y-%m}"}).content.decode()
    assert f"/reports/{reports['a'].pk}/" not in html
    html = client.get("/reports/", {"month": f"{report_month():%Y-%m}"}).content.decode()
    assert f"/reports/{reports['a'].pk}/" in html
    assert client.get("/reports/", {"month": "garbage"}).status_code == 200


def test_list_query_count_does_not_grow_with_reports(org: Org, reports: dict[str, Report]) -> None:
    client = client_for(org.department)
    client.get("/reports/")
    with CaptureQueriesContext(connection) as few:
        client.get("/reports/")
    for n in range(3):
        make_unit(f"新支部{n}", "branch", org.root, party_name=f"新支部{n}党支部")
    report_draft(unit=org.root, month=report_month())
    with CaptureQueriesContext(connection) as more:
        page = client.get("/reports/")
    assert page.content.decode().count("/reports/") > 0
    assert Report.objects.count() == 6
    assert len(more) == len(few)


def test_secretary_edits_and_submits_department_returns_then_accepts(
    org: Org, reports: dict[str, Report]
) -> None:
    report = reports["a"]
    secretary = client_for(org.secretary_a)
    assert secretary.get(f"/reports/{report.pk}/edit/").status_code == 200
    keys = [s["key"] for s in report.sections]
    data = {f"text_{k}": report.texts[k] for k in keys} | {"text_analysis": "原因在于夜班补贴发放滞后。"}
    assert secretary.post(f"/reports/{report.pk}/edit/", data).status_code == 302
    report.refresh_from_db()
    assert report.texts["analysis"] == "原因在于夜班补贴发放滞后。"
    # A name of the branch's people without consent is refused, and nothing is saved.
    bad = data | {"text_overview": "陈静同志做了大量工作。"}
    page = secretary.post(f"/reports/{report.pk}/edit/", bad)
    assert page.status_code == 400 and "陈静" in page.content.decode()
    report.refresh_from_db()
    assert "陈静" not in report.texts["overview"]

    # Others cannot write or review it.
    for user in (org.secretary_b, org.employee, org.grid_member):
        assert client_for(user).get(f"/reports/{report.pk}/").status_code == 404
        assert client_for(user).post(f"/reports/{report.pk}/submit/").status_code == 404
    assert client_for(org.department).get(f"/reports/{report.pk}/edit/").status_code == 404
    assert (
        client_for(org.department).post(f"/reports/{report.pk}/accept/").status_code == 404
    )  # not submitted yet

    assert secretary.post(f"/reports/{report.pk}/submit/").status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.submitted_by == org.secretary_a
    assert secretary.get(f"/reports/{report.pk}/edit/").status_code == 404
    assert secretary.post(f"/reports/{report.pk}/return/", {"reason": "x"}).status_code == 404
    assert client_for(org.leader).post(f"/reports/{report.pk}/accept/").status_code == 404

    department = client_for(org.department)
    assert "退回修改" in department.get(f"/reports/{report.pk}/").content.decode()
    department.post(f"/reports/{report.pk}/return/", {"reason": ""})
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED  # a return needs its reason
    department.post(f"/reports/{report.pk}/return/", {"reason": "请补充安全生产方面的分析。"})
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED and report.review_comment == "请补充安全生产方面的分析。"
    assert "请补充安全生产方面的分析。" in secretary.get(f"/reports/{report.pk}/").content.decode()

    assert (
        secretary.post(f"/reports/{report.pk}/edit/", data | {"text_performance": "已补充。"}).status_code
        == 302
    )
    assert secretary.post(f"/reports/{report.pk}/submit/").status_code == 302
    assert department.post(f"/reports/{report.pk}/accept/", {"comment": "同意"}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and report.reviewed_by == org.department
    kinds = list(ReportEvent.objects.filter(report=report).values_list("kind", flat=True))
    assert kinds == ["drafted", "edited", "submitted", "returned", "edited", "submitted", "accepted"]
    # Accepted is final.
    with pytest.raises(ValidationError):
        report_return(report=report, actor=org.department, reason="再改")


def test_enterprise_report_goes_from_department_to_leadership(org: Org, reports: dict[str, Report]) -> None:
    report = reports["root"]
    assert client_for(org.secretary_a).get(f"/reports/{report.pk}/").status_code == 404
    department = client_for(org.department)
    assert department.get(f"/reports/{report.pk}/edit/").status_code == 200
    assert department.post(f"/reports/{report.pk}/submit/").status_code == 302
    assert department.post(f"/reports/{report.pk}/accept/").status_code == 404  # not its own
    assert client_for(org.leader).post(f"/reports/{report.pk}/accept/").status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and report.reviewed_by == org.leader


def test_services_check_roles_too(org: Org, reports: dict[str, Report]) -> None:
    with pytest.raises(ValidationError):
        report_submit(report=reports["a"], actor=org.secretary_b)
    report_submit(report=reports["a"], actor=org.secretary_a)
    with pytest.raises(ValidationError):
        report_accept(report=reports["a"], actor=org.secretary_a)
    with pytest.raises(ValidationError):
        report_accept(report=reports["a"], actor=org.leader)


def test_wrong_methods(org: Org, reports: dict[str, Report]) -> None:
    client = client_for(org.secretary_a)
    pk = reports["a"].pk
    assert client.post(f"/reports/{pk}/").status_code == 405
    assert client.post("/reports/").status_code == 405
    assert client.get(f"/reports/{pk}/submit/").status_code == 405
    assert client.get(f"/reports/{pk}/redraft/").status_code == 405
    assert client.get("/reports/new/").status_code == 405
    assert client.get(f"/reports/{pk}/return/").status_code == 405
    assert client.get(f"/reports/{pk}/accept/").status_code == 405
    assert client.put(f"/reports/{pk}/edit/").status_code == 405
    assert client.post(f"/reports/{pk}/docx/").status_code == 405


def test_detail_and_docx_download(org: Org, reports: dict[str, Report]) -> None:
    client = client_for(org.secretary_a)
    html = client.get(f"/reports/{reports['a'].pk}/").content.decode()
    for title in ("一、总体情况", "二、主要表现", "三、原因分析", "四、对策建议", "附录：数据来源"):
        assert title in html
    assert "报送" in html and "修改正文" in html
    response = client.get(f"/reports/{reports['a'].pk}/docx/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"
    assert client_for(org.secretary_b).get(f"/reports/{reports['a'].pk}/docx/").status_code == 404
    leader_html = client_for(org.leader).get(f"/reports/{reports['a'].pk}/").content.decode()
    assert "修改正文" not in leader_html and "退回修改" not in leader_html


def test_create_and_redraft_from_the_pages(org: Org) -> None:
    client = client_for(org.secretary_a)
    month = f"{report_month():%Y-%m}"
    response = client.post("/reports/new/", {"unit": org.branch_a.pk, "month": month})
    assert response.status_code == 302
    report = Report.objects.get(unit=org.branch_a)
    assert client.post(f"/reports/{report.pk}/redraft/").status_code == 302
    assert Report.objects.count() == 1
    # A unit the user does not write for is a 404.
    assert client.post("/reports/new/", {"unit": org.branch_b.pk, "month": month}).status_code == 404
    assert client.post("/reports/new/", {"unit": org.root.pk, "month": month}).status_code == 404


def test_roll_up_lists_every_branch_with_its_status(org: Org) -> None:
    month = report_month()
    extra = make_unit("后勤部", "branch", org.root, party_name="后勤部党支部")
    report_draft(unit=org.branch_a, month=month)
    a = Report.objects.get(unit=org.branch_a)
    report_submit(report=a, actor=org.secretary_a)
    enterprise = report_draft(unit=org.root, month=month)
    section = next(s for s in enterprise.sections if s["key"] == "branches")
    rows = {row[0]: row[1] for row in section["tables"][0]["rows"]}
    assert rows == {"运维部党支部": "已报送", "检修部党支部": "草稿", "后勤部党支部": "草稿"}
    assert {b["unit_id"] for b in section["figures"]["branches"]} == {
        org.branch_a.pk,
        org.branch_b.pk,
        extra.pk,
    }
    assert Report.objects.filter(unit=extra, month=month).count() == 1


def test_the_enterprise_draft_follows_branch_statuses(org: Org, reports: dict[str, Report]) -> None:
    def statuses() -> dict[str, str]:
        report = Report.objects.get(pk=reports["root"].pk)
        section = next(s for s in report.sections if s["key"] == "branches")
        return {row[0]: row[1] for row in section["tables"][0]["rows"]}

    assert statuses() == {"运维部党支部": "草稿", "检修部党支部": "草稿"}
    report_submit(report=reports["a"], actor=org.secretary_a)
    assert statuses() == {"运维部党支部": "已报送", "检修部党支部": "草稿"}
    report_accept(report=reports["a"], actor=org.department)
    assert statuses()["运维部党支部"] == "已采纳"
    assert "已采纳1个" in Report.objects.get(pk=reports["root"].pk).texts["branches"]
