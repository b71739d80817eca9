"""A drafted report's numbers, each checked against a query written here independently of the drafting
code, and its text, which names nobody."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from docx import Document

from lianxin.appeals.models import Appeal, AppealEvent
from lianxin.care import services as care
from lianxin.care.models import CarePlan, Consent, ContactPerson, ContactRecord, DueItem, KeyPersonFlag
from lianxin.insight.models import Warning
from lianxin.org.models import Person, Unit
from lianxin.reports import export
from lianxin.reports.models import Report
from lianxin.reports.services import report_draft, report_edit, report_title
from tests.factories import Org
from tests.reports.helpers import NAMES, MonthData, build_month

pytestmark = pytest.mark.django_db


def _bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime(month.year, month.month, 1, tzinfo=tz)
    end = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=tz)
    return start, end


def expected(unit: Unit, month: dt.date) -> dict[str, Any]:
    """The report's figures, recomputed row by row in Python from plain queries."""
    start, end = _bounds(month)
    prev_start, _ = _bounds((month - dt.timedelta(days=1)).replace(day=1))
    first, last = start.date(), (end - dt.timedelta(days=1)).date()
    unit_ids = set(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
    people = [p for p in Person.objects.all() if p.unit_id in unit_ids]
    person_ids = {p.pk for p in people}
    links = [
        link
        for link in ContactPerson.objects.select_related("record")
        if link.unit_id in unit_ids and first <= link.record.date <= last
    ]
    records = {link.record_id: link.record.kind for link in links}
    appeals = [a for a in Appeal.objects.all() if a.unit_id in unit_ids and a.state != "merged"]
    received = [a for a in appeals if start <= a.received_at < end]
    before = [a for a in appeals if prev_start <= a.received_at < start]
    due = [a for a in appeals if a.closure_due is not None and start <= a.closure_due < end]
    on_time = [
        a for a in due if a.answered_at is not None and a.closure_due and a.answered_at <= a.closure_due
    ]
    appeal_ids = {a.pk for a in Appeal.objects.all() if a.unit_id in unit_ids}
    ratings = [
        e
        for e in AppealEvent.objects.filter(kind__in=["rated", "return_visit"])
        if e.appeal_id in appeal_ids and start <= e.at < end
    ]
    satisfied = [e for e in ratings if e.data.get("rating") in ("very_satisfied", "satisfied", "basic")]
    warnings = [w for w in Warning.objects.all() if w.unit_id in unit_ids]
    by_category: dict[str, int] = {}
    by_grade: dict[str, int] = {}
    for a in received:
        by_category[a.category_id or ""] = by_category.get(a.category_id or "", 0) + 1
        by_grade[a.grade] = by_grade.get(a.grade, 0) + 1
    prev_by_category: dict[str, int] = {}
    for a in before:
        prev_by_category[a.category_id or ""] = prev_by_category.get(a.category_id or "", 0) + 1
    items = [d for d in DueItem.objects.all() if d.unit_id in unit_ids and first <= d.due_date <= last]
    flags = [
        f
        for f in KeyPersonFlag.objects.all()
        if f.person_id in person_ids and f.opened_at < end and (f.closed_at is None or f.closed_at >= end)
    ]
    plans = [
        p
        for p in CarePlan.objects.all()
        if p.person_id in person_ids and p.opened_at < end and (p.closed_at is None or p.closed_at >= end)
    ]
    return {
        "people": len([p for p in people if p.status != "left"]),
        "contacted": len({link.person_id for link in links}),
        "talks": len([r for r, kind in records.items() if kind in ("talk", "group_talk", "phone")]),
        "visits": len([r for r, kind in records.items() if kind in ("home_visit", "hospital_visit")]),
        "appeals": len(received),
        "answered": len([a for a in received if a.state in ("answered", "rated", "closed")]),
        "open": len([a for a in received if a.state in ("received", "accepted", "in_progress")]),
        "by_category": by_category,
        "by_grade": by_grade,
        "prev_by_category": prev_by_category,
        "prev_appeals": len(before),
        "due": len(due),
        "on_time": len(on_time),
        "on_time_rate": round(100 * len(on_time) / len(due), 1) if due else None,
        "rated": len(ratings),
        "satisfied": len(satisfied),
        "satisfaction_rate": round(100 * len(satisfied) / len(ratings), 1) if ratings else None,
        "must_due": len(items),
        "must_done_on_time": len([d for d in items if d.done_at is not None and d.done_at <= d.due_at]),
        "key_people": len({f.person_id for f in flags}),
        "care_plans": len(plans),
        "warnings_opened": len([w for w in warnings if start <= w.opened_at < end]),
        "open_warnings": len([w for w in warnings if w.status in ("open", "handling") and w.opened_at < end]),
        "trends": len([w for w in warnings if w.source == "trend" and start <= w.opened_at < end]),
    }


def _section(report: Report, key: str) -> dict[str, Any]:
    return next(s for s in report.sections if s["key"] == key)


def _table(report: Report, section: str, title: str) -> list[list[Any]]:
    rows: list[list[Any]] = next(t for t in _section(report, section)["tables"] if t["title"] == title)[
        "rows"
    ]
    return rows


@pytest.fixture
def month(org: Org) -> MonthData:
    return build_month(org)


def _check(report: Report, want: dict[str, Any]) -> None:
    overview = _section(report, "overview")["figures"]
    for key in (
        "people",
        "contacted",
        "talks",
        "visits",
        "appeals",
        "answered",
        "open",
        "due",
        "on_time",
        "on_time_rate",
        "rated",
        "satisfied",
        "satisfaction_rate",
        "must_due",
        "must_done_on_time",
        "by_category",
        "by_grade",
    ):
        assert overview[key] == want[key], key
    basics = dict(_table(report, "overview", "基本情况"))
    assert basics["在册职工（人）"] == want["people"]
    assert basics["谈心谈话（次）"] == want["talks"]
    assert basics["走访（次）"] == want["visits"]
    assert basics["联系职工（人）"] == want["contacted"]
    assert basics["受理诉求（件）"] == want["appeals"]
    assert basics["按期答复（件）"] == want["on_time"]
    by_category = {row[0]: row[1] for row in _table(report, "overview", "诉求分类统计")}
    labels = {"pay": "薪酬福利", "wellbeing": "身心健康", "conduct": "管理作风", "": "未分类"}
    assert by_category == {labels[c]: n for c, n in want["by_category"].items()}
    analysis = _section(report, "analysis")["figures"]
    assert analysis["prev_by_category"] == want["prev_by_category"]
    assert analysis["prev_appeals"] == want["prev_appeals"]
    assert analysis["trends"] == want["trends"]
    performance = _section(report, "performance")["figures"]
    assert performance["key_people"] == want["key_people"]
    assert performance["care_plans"] == want["care_plans"]
    assert performance["interest"]["appeals"] == want["by_category"].get("pay", 0)
    assert performance["psych"]["appeals"] == want["by_category"].get("wellbeing", 0)
    assert _section(report, "suggestions")["figures"]["open_warnings"] == want["open_warnings"]
    sources = {row[1]: row[2] for row in _table(report, "appendix", "数据来源")}
    assert sources["本月发出"] == want["warnings_opened"]
    assert sources["待处置"] == want["open_warnings"]


def test_branch_numbers_equal_independent_queries(org: Org, month: MonthData) -> None:
    report = report_draft(unit=org.branch_a, month=month.month)
    want = expected(org.branch_a, month.month)
    # The fixture's shape, so the test cannot pass on empty data.
    assert (want["people"], want["contacted"], want["talks"], want["visits"]) == (5, 4, 2, 2)
    assert (want["appeals"], want["due"], want["on_time"], want["rated"], want["satisfied"]) == (
        4,
        4,
        2,
        2,
        1,
    )
    assert want["by_category"] == {"pay": 2, "wellbeing": 1, "": 1}
    assert want["trends"] == 1 and want["open_warnings"] == 3 and want["must_due"] == 2
    _check(report, want)
    assert report.texts["overview"].startswith("本月，运维部党支部在册职工5人")
    # The trend is cited by its numbers only.
    assert "运行一班：薪酬福利明显增多（本周12件，此前平均2.5件，涉及1个单位）" in report.texts["analysis"]


def test_other_branch_and_enterprise_equal_independent_queries(org: Org, month: MonthData) -> None:
    enterprise = report_draft(unit=org.root, month=month.month)
    _check(enterprise, expected(org.root, month.month))
    branch_b = Report.objects.get(unit=org.branch_b, month=month.month)
    _check(branch_b, expected(org.branch_b, month.month))
    # The enterprise counts what no branch does: the company-track appeal at the root.
    assert _section(enterprise, "overview")["figures"]["by_category"]["conduct"] == 1


def test_a_person_who_moves_keeps_past_contacts_with_the_unit_of_the_day(org: Org, month: MonthData) -> None:
    day = month.month.replace(day=20)
    care.contact_record(actor=org.secretary_a, kind="talk", date=day, people=[org.paired_person])
    assert ContactPerson.objects.get(person=org.paired_person, date=day).unit_id == org.grid_a2.pk
    # 王芳 moves to branch B after the talk: branch A did that work, and keeps it in its report.
    org.paired_person.unit = org.grid_b1
    org.paired_person.save(update_fields=["unit", "updated_at"])
    branch_a = report_draft(unit=org.branch_a, month=month.month)
    branch_b = report_draft(unit=org.branch_b, month=month.month)
    want_a, want_b = expected(org.branch_a, month.month), expected(org.branch_b, month.month)
    assert (want_a["contacted"], want_a["talks"], want_a["visits"]) == (4, 3, 2)
    assert (want_b["contacted"], want_b["talks"], want_b["visits"]) == (1, 2, 0)
    _check(branch_a, want_a)
    _check(branch_b, want_b)


def _all_text(report: Report) -> str:
    parts = [report_title(report), *report.texts.values()]
    for section in report.sections:
        parts.append(section["text"])
        for table in section["tables"]:
            parts.extend(str(cell) for row in table["rows"] for cell in row)
    return "\n".join(parts)


def _docx_text(report: Report) -> str:
    document = Document(io.BytesIO(export.report_docx(report, report_title(report))))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_no_person_is_named_in_the_body_or_the_docx(org: Org, month: MonthData) -> None:
    present = [name for name in NAMES if Person.objects.filter(name=name).exists()]
    assert len(present) == len(NAMES)
    for report in (
        report_draft(unit=org.branch_a, month=month.month),
        report_draft(unit=org.root, month=month.month),
    ):
        body, docx_text = _all_text(report), _docx_text(report)
        for name in NAMES:
            assert name not in body
            assert name not in docx_text


def test_an_edit_may_name_only_a_person_who_consented(org: Org, month: MonthData) -> None:
    report = report_draft(unit=org.branch_a, month=month.month)
    with pytest.raises(ValidationError) as raised:
        report_edit(
            report=report, actor=org.secretary_a, texts={"overview": "本月李娜同志积极参加谈心谈话。"}
        )
    assert "李娜" in str(raised.value)
    report.refresh_from_db()
    assert "李娜" not in report.texts["overview"]
    Consent.objects.create(person=org.grid_person, purpose="report", version="1", recorded_by=org.secretary_a)
    report_edit(report=report, actor=org.secretary_a, texts={"overview": "本月李娜同志积极参加谈心谈话。"})
    report.refresh_from_db()
    assert report.texts["overview"] == "本月李娜同志积极参加谈心谈话。"
    # A withdrawn consent no longer allows it.
    Consent.objects.filter(person=org.grid_person).update(withdrawn_at=timezone.now())
    with pytest.raises(ValidationError):
        report_edit(report=report, actor=org.secretary_a, texts={"performance": "李娜表现突出。"})


def test_redraft_keeps_edited_sections_and_refreshes_the_others(org: Org, month: MonthData) -> None:
    report = report_draft(unit=org.branch_a, month=month.month)
    report_edit(report=report, actor=org.secretary_a, texts={"analysis": "支部补充的原因分析。"})
    ContactRecord.objects.all().delete()
    report = report_draft(unit=org.branch_a, month=month.month)
    assert report.texts["analysis"] == "支部补充的原因分析。"
    assert "开展谈心谈话0次、走访0次" in report.texts["overview"]
    assert Report.objects.filter(unit=org.branch_a).count() == 1


def test_drafting_refuses_a_team_and_a_future_month(org: Org) -> None:
    with pytest.raises(ValidationError):
        report_draft(unit=org.grid_a1, month=timezone.localdate().replace(day=1))
    future = (timezone.localdate().replace(day=1) + dt.timedelta(days=40)).replace(day=1)
    with pytest.raises(ValidationError):
        report_draft(unit=org.branch_a, month=future)
    assert not Report.objects.exists()


def test_docx_holds_every_section_and_table(org: Org, month: MonthData) -> None:
    report = report_draft(unit=org.root, month=month.month)
    document = Document(io.BytesIO(export.report_docx(report, report_title(report))))
    headings = [
        p.text
        for p in document.paragraphs
        if p.style is not None and p.style.name.startswith(("Heading", "Title"))
    ]
    assert headings[0] == report_title(report)
    for title in (
        "一、总体情况",
        "二、主要表现",
        "三、原因分析",
        "四、对策建议",
        "（一）普遍性问题",
        "（二）个性问题",
        "（三）合理诉求",
        "（四）苗头性问题",
        "五、各党支部报告情况",
        "附录：数据来源",
    ):
        assert title in headings
    tables = [t for s in report.sections for t in s["tables"]]
    assert len(document.tables) >= len(tables)
    first_cells = {t.rows[0].cells[0].text for t in document.tables}
    assert {"指标", "类别", "等级", "维度", "党支部", "数据来源"} <= first_cells
    body = "\n".join(p.text for p in document.paragraphs)
    assert report.texts["overview"] in body


def test_chart_is_an_image_with_a_cjk_font_and_a_table_without(
    org: Org, month: MonthData, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = report_draft(unit=org.branch_a, month=month.month)
    title = report_title(report)
    if export.cjk_font() is not None:
        with_font = Document(io.BytesIO(export.report_docx(report, title)))
        assert len(with_font.inline_shapes) == 1
        assert "本月诉求分类（图表数据）" not in [p.text for p in with_font.paragraphs]
    monkeypatch.setattr(export, "cjk_font", lambda: None)
    without = Document(io.BytesIO(export.report_docx(report, title)))
    assert len(without.inline_shapes) == 0
    assert "本月诉求分类（图表数据）" in [p.text for p in without.paragraphs]
    chart = without.tables[-5]  # after the overview's three tables, before the other sections' tables
    assert [c.text for c in chart.rows[0].cells] == ["类别", "件数"]
    assert ["薪酬福利", "2"] in [[c.text for c in row.cells] for row in chart.rows]
