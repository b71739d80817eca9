"""Warning pages: allowed, out of scope 404, employees 404, wrong method 405; the list's filters, order,
counts and constant query count; the detail's evidence, with example appeals only when the viewer may see
them; the actions through the pages; a secretary's report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lianxin.appeals import services as appeals
from lianxin.appeals.codes import Channel
from lianxin.appeals.models import Appeal
from lianxin.care.codes import ContactKind
from lianxin.care.services import contact_record
from lianxin.insight.codes import TargetKind, WarningEventKind, WarningLevel, WarningSource, WarningStatus
from lianxin.insight.models import Warning, WarningEvent
from lianxin.insight.warnings import warning_raise
from lianxin.org.models import Person
from tests.factories import Org, make_person


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def raise_on(
    person: Person, *, level: str = WarningLevel.ORANGE, key: str = "", evidence: dict[str, Any] | None = None
) -> Warning:
    warning, _new = warning_raise(
        level=level,
        source=WarningSource.RULE,
        rule="test",
        target_kind=TargetKind.PERSON,
        unit=person.unit,
        person=person,
        title=f"{person.name}：测试预警{key}",
        dedupe_key=key or f"test:{person.pk}:{level}",
        evidence=evidence,
    )
    return warning


def appeal_of(person: Person) -> Appeal:
    return appeals.appeal_submit(
        text="班车太挤了，很多人只能站着。", channel=Channel.WEB, submitter=person
    ).appeal


# --- the list ------------------------------------------------------------------------------------------


def test_the_list_shows_the_scope_most_urgent_first_with_counts(org: Org) -> None:
    raise_on(org.paired_person, level=WarningLevel.YELLOW)
    raise_on(org.employee_person, level=WarningLevel.RED)
    raise_on(org.grid_person, level=WarningLevel.ORANGE)
    raise_on(org.stranger, level=WarningLevel.RED)  # branch B
    page = client_for(org.secretary_a).get(reverse("warning_list"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "刘洋" not in body
    positions = [body.index(f"{name}：测试预警") for name in ("张伟", "李娜", "王芳")]
    assert positions == sorted(positions)  # red, orange, yellow
    counts = {code: n for code, _label, n in page.context["level_counts"]}
    assert counts == {"red": 1, "orange": 1, "yellow": 1, "blue": 0}
    assert "刘洋" in client_for(org.department).get(reverse("warning_list")).content.decode()


def test_the_list_filters_by_level_status_source_and_unit(org: Org) -> None:
    red = raise_on(org.employee_person, level=WarningLevel.RED)
    raise_on(org.paired_person, level=WarningLevel.YELLOW)
    closed = raise_on(org.grid_person, level=WarningLevel.RED)
    Warning.objects.filter(pk=closed.pk).update(status=WarningStatus.CLOSED)
    client = client_for(org.department)

    def titles(**params: Any) -> set[str]:
        response = client.get(reverse("warning_list"), params)
        assert response.status_code == 200
        return {w.title for w in response.context["page"].object_list}

    assert titles(level="red") == {red.title}
    assert titles(status="closed") == {closed.title}
    assert len(titles(status="all")) == 3
    assert titles(source="appeal") == set()
    assert titles(unit=org.grid_a2.pk) == {"王芳：测试预警"}
    # Another branch's unit is out of scope for secretary A: nothing, and no error page.
    response = client_for(org.secretary_a).get(reverse("warning_list"), {"unit": org.branch_b.pk})
    assert response.status_code == 200 and not response.context["page"].object_list


def test_the_list_query_count_does_not_grow_with_warnings(org: Org) -> None:
    client = client_for(org.secretary_a)
    raise_on(org.employee_person)
    client.get(reverse("warning_list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("warning_list"))
    for index in range(8):
        person = make_person(org.grid_a2)
        warning = raise_on(person, level=[WarningLevel.RED, WarningLevel.BLUE][index % 2])
        Warning.objects.filter(pk=warning.pk).update(responsible=org.grid_member)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("warning_list"))
    assert len(many) == len(one)


def test_grid_members_see_only_what_they_answer_for_and_employees_nothing(org: Org) -> None:
    mine = raise_on(org.paired_person)
    other = raise_on(org.employee_person)
    Warning.objects.filter(pk=mine.pk).update(responsible=org.grid_member)
    grid = client_for(org.grid_member)
    listing = grid.get(reverse("warning_list"))
    assert listing.status_code == 200
    assert [w.pk for w in listing.context["page"].object_list] == [mine.pk]
    assert grid.get(reverse("warning_detail", args=[mine.pk])).status_code == 200
    assert grid.get(reverse("warning_detail", args=[other.pk])).status_code == 404
    # An employee never reaches a warning, not even one about themself.
    Warning.objects.filter(pk=other.pk).update(responsible=org.employee)
    employee = client_for(org.employee)
    assert employee.get(reverse("warning_list")).status_code == 404
    assert employee.get(reverse("warning_detail", args=[other.pk])).status_code == 404
    assert client_for(org.auditor).get(reverse("warning_list")).status_code == 404


def test_wrong_methods(org: Org) -> None:
    warning = raise_on(org.employee_person)
    client = client_for(org.secretary_a)
    assert client.post(reverse("warning_list")).status_code == 405
    assert client.post(reverse("warning_detail", args=[warning.pk])).status_code == 405
    assert client.put(reverse("warning_new")).status_code == 405
    for name in ("warning_take_up", "warning_assign", "warning_note", "warning_close"):
        assert client.get(reverse(name, args=[warning.pk])).status_code == 405


# --- the detail ---------------------------------------------------------------------------------------------


def test_the_detail_shows_plan_deadline_events_and_only_the_appeals_the_viewer_may_see(org: Org) -> None:
    seen = appeal_of(org.employee_person)
    hidden = appeal_of(org.stranger)  # branch B: not secretary A's
    warning = raise_on(
        org.employee_person,
        level=WarningLevel.RED,
        evidence={
            "appeal_ids": [seen.pk, hidden.pk],
            "counts": [{"week": "2026-W24", "count": 12}, {"week": "baseline", "count": 2.5}],
        },
    )
    Warning.objects.filter(pk=warning.pk).update(respond_by=timezone.now() - dt.timedelta(hours=1))
    response = client_for(org.secretary_a).get(reverse("warning_detail", args=[warning.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert seen.number in body and hidden.number not in body
    assert "立即响应" in body  # the red disposal plan
    assert "超时未响应" in body
    assert "另有 1 件不在您的查看范围内" in body
    assert "发出预警" in body
    # The raw evidence is the department's statistical basis, collapsed; a secretary does not get it.
    assert "2026-W24" not in body and "统计依据" not in body
    department = client_for(org.department).get(reverse("warning_detail", args=[warning.pk])).content.decode()
    assert hidden.number in department
    assert "<summary>统计依据</summary>" in department and "2026-W24" in department
    assert client_for(org.secretary_b).get(reverse("warning_detail", args=[warning.pk])).status_code == 404
    assert client_for(org.secretary_a).get(reverse("warning_detail", args=[999999])).status_code == 404


def test_the_detail_links_the_meeting_that_discussed_it(org: Org) -> None:
    warning = raise_on(org.employee_person)
    WarningEvent.objects.create(
        warning=warning, kind=WarningEventKind.CONSULTED, text="周例会会诊：本周内上门走访。", meeting_id=7
    )
    body = client_for(org.secretary_a).get(reverse("warning_detail", args=[warning.pk])).content.decode()
    assert "周例会会诊：本周内上门走访。" in body and "#7" in body


def _talk(actor: Any, *people: Person) -> int:
    record = contact_record(
        actor=actor,
        kind=ContactKind.TALK if len(people) == 1 else ContactKind.GROUP_TALK,
        date=timezone.localdate(),
        people=list(people),
        summary="他说最近觉得活着没意思，不想再撑下去了。",
    )
    return record.pk


def test_a_talk_warning_shows_the_words_and_never_the_summary(org: Org) -> None:
    record_id = _talk(org.secretary_a, org.employee_person)
    warning = raise_on(org.employee_person, evidence={"record_id": record_id, "words": ["活着没意思"]})
    body = client_for(org.secretary_a).get(reverse("warning_detail", args=[warning.pk])).content.decode()
    assert "活着没意思" in body and f"#{record_id}" in body
    assert "不想再撑下去" not in body


def test_the_words_quoted_from_a_talk_only_for_whoever_may_read_its_summary(org: Org) -> None:
    """A group talk with people of two branches: branch A's secretary sees the warning about their person,
    but not the summary's words, which only the recorder and the secretary of every person may read; a
    grid member answering for the warning does not see them either."""
    record_id = _talk(org.department, org.employee_person, org.stranger)
    warning = raise_on(org.employee_person, evidence={"record_id": record_id, "words": ["活着没意思"]})
    Warning.objects.filter(pk=warning.pk).update(responsible=org.grid_member)
    url = reverse("warning_detail", args=[warning.pk])
    for user in (org.secretary_a, org.grid_member):
        page = client_for(user).get(url)
        assert page.status_code == 200
        body = page.content.decode()
        assert "活着没意思" not in body and f"#{record_id}" in body
    assert "活着没意思" in client_for(org.department).get(url).content.decode()


# --- the actions -------------------------------------------------------------------------------------------


def test_the_life_cycle_through_the_pages(org: Org) -> None:
    warning = raise_on(org.paired_person)
    secretary, grid = client_for(org.secretary_a), client_for(org.grid_member)
    detail = reverse("warning_detail", args=[warning.pk])
    assert secretary.post(reverse("warning_take_up", args=[warning.pk])).status_code == 302
    response = secretary.post(
        reverse("warning_assign", args=[warning.pk]), {"responsible": org.grid_member.pk}
    )
    assert response.status_code == 302 and response["Location"] == detail
    assert grid.post(reverse("warning_note", args=[warning.pk]), {"text": "已上门谈心。"}).status_code == 302
    # The grid member answers for it but does not close it or reassign it.
    assert grid.post(reverse("warning_close", args=[warning.pk]), {"outcome": "x"}).status_code == 404
    assert (
        grid.post(
            reverse("warning_assign", args=[warning.pk]), {"responsible": org.grid_member.pk}
        ).status_code
        == 404
    )
    refused = secretary.post(reverse("warning_close", args=[warning.pk]), {"outcome": ""})
    assert refused.status_code == 400 and "处置结果" in refused.content.decode()
    closed = secretary.post(reverse("warning_close", args=[warning.pk]), {"outcome": "问题已解决。"})
    assert closed.status_code == 302
    warning.refresh_from_db()
    assert warning.status == WarningStatus.CLOSED and warning.outcome == "问题已解决。"
    body = secretary.get(detail).content.decode()
    assert "问题已解决。" in body and "已上门谈心。" in body and "关闭预警" not in body


def test_actions_out_of_scope_are_404_and_change_nothing(org: Org) -> None:
    warning = raise_on(org.employee_person)
    outsider = client_for(org.secretary_b)
    for name, data in (
        ("warning_take_up", {}),
        ("warning_assign", {"responsible": org.secretary_b.pk}),
        ("warning_note", {"text": "越权"}),
        ("warning_close", {"outcome": "越权"}),
    ):
        assert outsider.post(reverse(name, args=[warning.pk]), data).status_code == 404
        assert client_for(org.employee).post(reverse(name, args=[warning.pk]), data).status_code == 404
    warning.refresh_from_db()
    assert warning.status == WarningStatus.OPEN and warning.events.count() == 1


def test_assigning_someone_out_of_reach_is_refused_on_the_page(org: Org) -> None:
    warning = raise_on(org.employee_person)
    response = client_for(org.secretary_a).post(
        reverse("warning_assign", args=[warning.pk]), {"responsible": org.secretary_b.pk}
    )
    assert response.status_code == 400
    warning.refresh_from_db()
    assert warning.responsible is None


# --- a secretary's report ---------------------------------------------------------------------------------


def test_a_secretary_reports_a_warning_from_the_page(org: Org) -> None:
    client = client_for(org.secretary_a)
    url = reverse("warning_new")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "level": "orange",
            "employee_no": org.paired_person.employee_no,
            "title": "家里出了变故",
            "note": "需要关注",
        },
    )
    assert response.status_code == 302
    warning = Warning.objects.get()
    assert warning.person == org.paired_person and warning.source == WarningSource.MANUAL
    unit_report = client.post(url, {"level": "blue", "unit": org.grid_a1.pk, "title": "班组议论倒班"})
    assert unit_report.status_code == 302 and Warning.objects.count() == 2
    # Someone of another branch, a unit out of scope, a missing title: refused, nothing saved.
    assert (
        client.post(url, {"level": "red", "employee_no": org.stranger.employee_no, "title": "x"}).status_code
        == 400
    )
    assert client.post(url, {"level": "red", "unit": org.branch_b.pk, "title": "x"}).status_code == 400
    assert client.post(url, {"level": "red", "unit": org.grid_a1.pk, "title": ""}).status_code == 400
    assert Warning.objects.count() == 2
    for user in (org.grid_member, org.employee):
        assert client_for(user).get(url).status_code == 404


def test_the_detail_names_the_category_by_its_label(org: Org) -> None:
    warning, _new = warning_raise(
        level=WarningLevel.YELLOW,
        source=WarningSource.TREND,
        rule="trend_count",
        target_kind=TargetKind.UNIT,
        unit=org.branch_a,
        category="conditions",
        title="运维部班车诉求增多",
        dedupe_key="test:label",
    )
    body = client_for(org.secretary_a).get(reverse("warning_detail", args=[warning.pk])).content.decode()
    assert "工作条件与后勤" in body and ">conditions<" not in body
