"""Warnings read like a briefing: a trend warning's page says its numbers in one sentence, draws the weekly
counts against the baseline, names categories in Chinese and dates in words, and lists the example appeals
the viewer may open; p-values, codes and ISO weeks and spans are only in the department's collapsed
统计依据. The API applies the same rule through the same presenter."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lianxin.api.models import ApiToken
from lianxin.appeals.models import Appeal
from lianxin.insight.codes import TargetKind, WarningLevel, WarningSource
from lianxin.insight.models import Warning
from lianxin.insight.trends import iso_week, trends_detect
from lianxin.insight.warnings import warning_raise
from lianxin.insight.words import count_words, day_words, span_words
from lianxin.org.models import Unit
from tests.factories import Org, make_person, make_unit
from tests.insight.test_trends_data import appeal, at, background, build_plant, inject_shuttle

# What a secretary or a leader must never be shown: raw statistics, codes and machine dates.
RAW = [
    re.compile(r"\d{4}-\d{2}-\d{2}"),  # ISO dates and timestamps
    re.compile(r"\d{4}-W\d{2}"),  # ISO weeks
    re.compile(r"p_value|p 值|p值|\d\.\d+e-\d+", re.IGNORECASE),
    re.compile(r"\b(pay|conditions|unit|term|full_week|baseline_mean|direct_count)\b"),
]

BASELINE = [0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0]  # eleven weeks before: 2 appeals, 0.18 a week


def visible_text(page: str) -> str:
    """The text a person reads on the page: the main column, without tags or the chart's tooltips."""
    main = page[page.index("<main") : page.index("</main>")]
    main = re.sub(r"<(title|desc)>.*?</\1>", " ", main, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)))


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def this_monday() -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday())


def trend_warning(org: Org, *, appeals: list[Appeal] | None = None) -> tuple[Warning, list[Unit]]:
    """A unit trend on branch A as the detector records it: 12 pay appeals this week from four teams,
    against 2 in the eleven weeks before."""
    teams = [org.grid_a1, org.grid_a2]
    teams += [make_unit(name, "team", org.branch_a, is_grid=True) for name in ("运行三班", "运行四班")]
    monday = this_monday()
    weeks = [monday - dt.timedelta(weeks=k) for k in range(len(BASELINE), -1, -1)]
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time.min))
    evidence = {
        "kind": "unit",
        "unit": {"unit_id": org.branch_a.pk, "name": org.branch_a.name},
        "category": "pay",
        "count": 12,
        "weeks": [{"week": iso_week(w), "count": n} for w, n in zip(weeks, [*BASELINE, 12], strict=True)],
        "baseline_mean": 0.18,
        "p_value": 3.2e-09,
        "units": [{"unit_id": t.pk, "name": t.name, "count": 3, "baseline_mean": 0.05} for t in teams],
        "direct_count": 0,
        "appeal_ids": [a.pk for a in appeals or []],
        "span": {
            "start": start.isoformat(),
            "end": (start + dt.timedelta(days=7)).isoformat(),
            "full_week": True,
        },
    }
    warning = warn(
        org.branch_a,
        rule="trend_count",
        source=WarningSource.TREND,
        category="pay",
        title="运维部「薪酬福利」类诉求明显增多",
        evidence=evidence,
    )
    return warning, teams


def warn(unit: Unit, *, rule: str, source: str = WarningSource.RULE, **fields: Any) -> Warning:
    """A warning of the given rule on the unit; the rest as warning_raise takes it."""
    fields.setdefault("level", WarningLevel.YELLOW)
    fields.setdefault("target_kind", TargetKind.PERSON if fields.get("person") else TargetKind.UNIT)
    fields.setdefault("title", "测试预警")
    fields.setdefault("dedupe_key", f"{rule}:{unit.pk}:test")
    warning, _new = warning_raise(unit=unit, rule=rule, source=source, **fields)
    return warning


def pay_appeal(org: Org, person: Any, text: str) -> Appeal:
    row = appeal(text, timezone.now() - dt.timedelta(hours=1), person=person, category="pay")
    row.save()
    return row


# --- the page ----------------------------------------------------------------------------------------------


def test_a_secretary_and_a_leader_read_the_sentence_chart_and_chinese_names_and_nothing_raw(org: Org) -> None:
    seen = pay_appeal(org, org.employee_person, "这个月的绩效工资少发了八百块，没人解释原因。")
    other = pay_appeal(org, org.stranger, "检修部的夜班补贴拖了两个月。")  # branch B: not secretary A's
    warning, _teams = trend_warning(org, appeals=[seen, other])
    for user in (org.secretary_a, org.leader):
        response = client_for(user).get(reverse("warning_detail", args=[warning.pk]))
        assert response.status_code == 200
        page = response.content.decode()
        text = visible_text(page)
        assert "本周 12 件，此前 11 周平均 0.2 件，涉及 4 个班组" in text
        assert "薪酬福利" in text  # the category in Chinese, never its code
        for raw in RAW:
            assert not raw.search(text), (user.username, raw.pattern, raw.search(text))
        assert "统计依据" not in page and "3.2e-09" not in page
        # The chart: one bar a week, this week's marked, and the baseline mean drawn.
        svg = page[page.index("<svg") : page.index("</svg>")]
        assert svg.count("<rect") == 12
        assert svg.count("lx-trend-bar-current") == 1
        assert 'class="lx-trend-baseline"' in svg
        assert "虚线为此前 11 周的平均（0.2 件），深色为本周。" in text
        # The example appeal the viewer may open, linked, with its words; the other only counted.
        assert seen.number in text and "这个月的绩效工资少发了八百块" in text
        assert reverse("appeal_detail", args=[seen.pk]) in page
    secretary = visible_text(
        client_for(org.secretary_a).get(reverse("warning_detail", args=[warning.pk])).content.decode()
    )
    assert other.number not in secretary and "夜班补贴" not in secretary
    assert "另有 1 件不在您的查看范围内" in secretary


def test_the_department_has_the_statistical_basis_collapsed(org: Org) -> None:
    warning, _teams = trend_warning(org)
    page = client_for(org.department).get(reverse("warning_detail", args=[warning.pk])).content.decode()
    assert "本周 12 件，此前 11 周平均 0.2 件，涉及 4 个班组" in visible_text(page)
    details = page[page.index('<details class="mt-3 lx-statistics">') : page.index("</details>")]
    assert "<summary>统计依据</summary>" in details
    assert "open" not in details.split(">", 1)[0]  # collapsed until opened
    assert "p_value" in details and "3.2e-09" in details
    assert iso_week(this_monday()) in details and "pay" in details
    # Outside the collapsed part the department reads the same briefing as everyone else.
    rest = page.replace(details, "")
    assert "3.2e-09" not in rest and iso_week(this_monday()) not in visible_text(rest)


def test_a_detected_trend_reads_with_the_numbers_the_detector_found(org: Org) -> None:
    """End to end: the injected shuttle-bus week, detected, then read by the branch secretary."""
    plant = build_plant(org)
    week = dt.date(2026, 11, 9)
    background(plant, week - dt.timedelta(weeks=14), 15)
    inject_shuttle(plant, week)
    found = trends_detect(week_start=week, now=at(week + dt.timedelta(days=7), 5.2))
    warning = next(w for w in found if w.target_kind == TargetKind.UNIT)
    ev = warning.evidence
    baseline = [row["count"] for row in ev["weeks"][:-1]]
    mean = count_words(sum(baseline) / len(baseline))
    units = [row for row in ev["units"] if row["count"] > 0]
    page = client_for(org.secretary_a).get(reverse("warning_detail", args=[warning.pk])).content.decode()
    text = visible_text(page)
    when = span_words(week, week + dt.timedelta(days=6))
    assert f"{when} {ev['count']} 件，此前 {len(baseline)} 周平均 {mean} 件，涉及 {len(units)} 个班组" in text
    assert "工作条件与后勤" in text
    for raw in RAW:
        assert not raw.search(text), (raw.pattern, raw.search(text))
    assert page.count('class="lx-trend-bar') == len(ev["weeks"])
    assert warning.title.startswith("运维部「工作条件与后勤」类诉求明显增多：11月9日—11月15日")


def test_a_topic_trend_names_its_words_units_and_categories_in_chinese(org: Org) -> None:
    monday = this_monday()
    weeks = [monday - dt.timedelta(weeks=k) for k in range(11, -1, -1)]
    warning = warn(
        org.root,
        rule="trend_term",
        source=WarningSource.TREND,
        target_kind=TargetKind.TOPIC,
        topic="班车",
        category="conditions",
        evidence={
            "kind": "term",
            "term": "班车",
            "terms": [{"term": "班车", "count": 9, "units": 3, "p_value": 1e-6}],
            "count": 9,
            "weeks": [{"week": iso_week(w), "count": 9 if w == monday else 0} for w in weeks],
            "baseline_mean": 0.0,
            "expected": 0.5,
            "p_value": 1e-6,
            "units": [
                {"unit_id": org.grid_a1.pk, "name": org.grid_a1.name, "count": 5},
                {"unit_id": org.grid_a2.pk, "name": org.grid_a2.name, "count": 3},
                {"unit_id": org.branch_b.pk, "name": org.branch_b.name, "count": 1},
            ],
            "unit_count": 3,
            "category_counts": {"conditions": 7, "safety": 2},
        },
    )
    text = visible_text(
        client_for(org.leader).get(reverse("warning_detail", args=[warning.pk])).content.decode()
    )
    assert "本周 9 件诉求提到「班车」，此前 11 周没有，涉及 3 个单位" in text
    assert "工作条件与后勤 7 件、安全生产 2 件" in text
    for raw in RAW:
        assert not raw.search(text), (raw.pattern, raw.search(text))


def test_a_care_cadence_warning_says_its_dates_in_words(org: Org) -> None:
    today = timezone.localdate()
    due = today - dt.timedelta(days=5)
    warning = warn(
        org.grid_a1,
        rule="key_cadence",
        level=WarningLevel.ORANGE,
        person=org.employee_person,
        evidence={
            "plan_id": 1,
            "cadence_days": 14,
            "last_contact": (due - dt.timedelta(days=14)).isoformat(),
            "due_since": due.isoformat(),
            "marker": due.isoformat(),
        },
    )
    text = visible_text(
        client_for(org.secretary_a).get(reverse("warning_detail", args=[warning.pk])).content.decode()
    )
    assert "每 14 天至少谈访一次" in text
    assert f"{day_words(due)}，已超过 5 天" in text
    assert day_words(due - dt.timedelta(days=14)) in text
    for raw in RAW:
        assert not raw.search(text), (raw.pattern, raw.search(text))


def test_the_list_dates_read_as_words(org: Org) -> None:
    warning, _teams = trend_warning(org)
    for user in (org.secretary_a, org.leader, org.department):
        text = visible_text(client_for(user).get(reverse("warning_list")).content.decode())
        assert warning.title in text
        assert day_words(timezone.localdate(warning.opened_at)) in text
        assert not RAW[0].search(text)


def test_dates_and_averages_in_words() -> None:
    today = dt.date(2026, 12, 7)
    assert day_words(dt.date(2026, 12, 1), today=today) == "12月1日"
    assert day_words(dt.date(2025, 3, 9), today=today) == "2025年3月9日"
    assert span_words(dt.date(2026, 12, 1), dt.date(2026, 12, 7), today=today) == "12月1日—12月7日"
    assert (
        span_words(dt.date(2025, 12, 29), dt.date(2026, 1, 4), today=today) == "2025年12月29日—2026年1月4日"
    )
    assert [count_words(x) for x in (0, 0.01, 0.18, 2.0, 15.66)] == ["0", "不足 0.1", "0.2", "2", "15.7"]


# --- the API: the same rule ------------------------------------------------------------------------------


def api_get(user: Any, path: str, **params: Any) -> Any:
    _token, raw = ApiToken.issue(user=user, name="test")
    return Client().get(f"/api/v1{path}", params, headers={"Authorization": f"Bearer {raw}"})


def test_the_api_gives_the_briefing_to_all_and_the_statistics_to_the_department_only(org: Org) -> None:
    seen = pay_appeal(org, org.employee_person, "绩效工资少发了。")
    hidden = pay_appeal(org, org.stranger, "夜班补贴拖欠。")
    warning, teams = trend_warning(org, appeals=[seen, hidden])
    for user in (org.secretary_a, org.leader):
        response = api_get(user, f"/warnings/{warning.pk}")
        assert response.status_code == 200
        body = response.json()
        assert body["brief"]["sentence"] == "本周 12 件，此前 11 周平均 0.2 件，涉及 4 个班组"
        assert body["category"] == "pay" and body["category_label"] == "薪酬福利"  # machine field kept
        assert [w["count"] for w in body["brief"]["weeks"]] == [*BASELINE, 12]
        assert body["brief"]["weeks"][-1]["week_start"] == this_monday().isoformat()
        assert body["statistics"] is None
        assert "3.2e-09" not in response.content.decode()
    secretary = api_get(org.secretary_a, f"/warnings/{warning.pk}").json()
    assert [e["number"] for e in secretary["brief"]["examples"]] == [seen.number]
    assert secretary["brief"]["hidden_examples"] == 1
    department = api_get(org.department, f"/warnings/{warning.pk}").json()
    assert department["brief"]["sentence"] == "本周 12 件，此前 11 周平均 0.2 件，涉及 4 个班组"
    assert department["statistics"]["p_value"] == pytest.approx(3.2e-09)
    assert department["statistics"]["weeks"][-1]["week"] == iso_week(this_monday())
    assert "appeal_ids" not in department["statistics"] and "marker" not in department["statistics"]
    assert {e["number"] for e in department["brief"]["examples"]} == {seen.number, hidden.number}


def test_the_api_list_and_detail_keep_the_page_s_scope(org: Org) -> None:
    warning, _teams = trend_warning(org)
    other = warn(org.grid_b1, rule="test", level=WarningLevel.RED, person=org.stranger)
    listed = api_get(org.secretary_a, "/warnings").json()
    assert [w["id"] for w in listed["items"]] == [warning.pk] and listed["count"] == 1
    assert api_get(org.secretary_b, f"/warnings/{warning.pk}").status_code == 404
    assert api_get(org.employee, f"/warnings/{warning.pk}").status_code == 404
    assert api_get(org.employee, "/warnings").status_code == 404
    assert api_get(org.secretary_a, "/warnings/999999").status_code == 404
    everything = api_get(org.department, "/warnings").json()
    assert [w["id"] for w in everything["items"]] == [other.pk, warning.pk]  # red first, as on the page
    assert [w["id"] for w in api_get(org.department, "/warnings", level="red").json()["items"]] == [other.pk]
    assert api_get(org.department, "/warnings", status="closed").json()["count"] == 0
    assert api_get(org.department, "/warnings", limit=0).status_code == 422
    assert api_get(org.department, "/warnings", level="purple").status_code == 422


def test_the_api_list_query_count_does_not_grow_with_warnings(org: Org) -> None:
    warn(org.grid_a1, rule="test", person=org.employee_person)
    _token, raw = ApiToken.issue(user=org.secretary_a, name="test")
    client, headers = Client(), {"Authorization": f"Bearer {raw}"}
    client.get("/api/v1/warnings", headers=headers)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/warnings", headers=headers).json()["count"] == 1
    for index in range(8):
        person = make_person(org.grid_a2)
        warn(org.grid_a2, rule="test", person=person, dedupe_key=f"test:many:{index}")
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/v1/warnings", headers=headers).json()["count"] == 9
    assert len(many) == len(one)
