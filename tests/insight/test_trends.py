"""Trend detection: the injected shuttle-bus story is found, for the right unit and with the right counts,
and nothing else is; running again adds nothing; anonymous appeals count without exposing anyone."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db.models import Q

from lianxin.appeals.models import Appeal
from lianxin.insight.codes import TargetKind, WarningLevel, WarningSource, WarningStatus
from lianxin.insight.models import TrendTerm, TrendWeek, Warning, WarningEvent
from lianxin.insight.terms import count_terms
from lianxin.insight.trends import TrendConfig, iso_week, trend_window, trends_detect
from tests.factories import Org
from tests.insight.test_trends_data import (
    Plant,
    appeal,
    at,
    background,
    build_plant,
    inject_shuttle,
    monday,
)

WEEK = dt.date(2026, 11, 9)  # Monday of 2026-W46
AFTER = at(WEEK + dt.timedelta(days=7), 5.2)  # the Monday 05:10 run that closes the week
FIRST = WEEK - dt.timedelta(weeks=14)


@pytest.fixture
def plant(org: Org) -> Plant:
    p = build_plant(org)
    background(p, FIRST, 15)  # fourteen quiet weeks and the ordinary noise of the week itself
    return p


def _conditions_in(path: str, start: dt.datetime, end: dt.datetime) -> list[int]:
    """Independently: conditions appeals (confirmed, else suggested) placed in the subtree."""
    return list(
        Appeal.objects.filter(received_at__gte=start, received_at__lt=end)
        .filter(Q(category_id="conditions") | Q(category__isnull=True, suggested_category="conditions"))
        .filter(
            Q(submitter__unit__path__startswith=path) | Q(submitter__isnull=True, unit__path__startswith=path)
        )
        .values_list("pk", flat=True)
    )


def test_quiet_background_raises_nothing(plant: Plant) -> None:
    assert trends_detect(week_start=WEEK, now=AFTER) == []
    assert not Warning.objects.exists()


def test_injected_shuttle_trend_is_a_branch_warning_and_an_emerging_term(plant: Plant) -> None:
    injected = inject_shuttle(plant, WEEK)
    found = trends_detect(week_start=WEEK, now=AFTER)

    units = [w for w in found if w.target_kind == TargetKind.UNIT]
    assert len(units) == 1, [w.title for w in found]
    warning = units[0]
    assert warning.unit == plant.branch_a  # not the plant above it, not any single team below
    assert (warning.source, warning.rule, warning.category) == (
        WarningSource.TREND,
        "trend_count",
        "conditions",
    )
    assert warning.level == WarningLevel.YELLOW
    assert warning.dedupe_key == f"trend:{plant.branch_a.pk}:conditions:2026-W46"
    ev = warning.evidence
    start, end = at(WEEK, 0), at(WEEK + dt.timedelta(days=7), 0)
    in_week = _conditions_in(plant.branch_a.path, start, end)
    assert ev["count"] == len(in_week) >= 12
    assert ev["weeks"][-1] == {"week": "2026-W46", "count": len(in_week)}
    assert [row["week"] for row in ev["weeks"]] == [
        iso_week(WEEK - dt.timedelta(weeks=k)) for k in range(12, -1, -1)
    ]
    for row, k in zip(ev["weeks"][:-1], range(12, 0, -1), strict=True):
        s, e = start - dt.timedelta(weeks=k), end - dt.timedelta(weeks=k)
        assert row["count"] == len(_conditions_in(plant.branch_a.path, s, e))
    assert ev["baseline_mean"] == round(sum(r["count"] for r in ev["weeks"][:-1]) / 12, 2)
    assert ev["p_value"] < 1e-4
    # The four teams contribute what was injected there plus their own noise; the anonymous ones sit at
    # the branch itself.
    by_team = {row["unit_id"]: row["count"] for row in ev["units"]}
    for team in plant.teams_a:
        assert by_team[team.pk] == len(_conditions_in(team.path, start, end))
    assert set(by_team) <= {t.pk for t in plant.teams_a}
    assert ev["direct_count"] == ev["count"] - sum(by_team.values()) >= 2
    assert len(ev["appeal_ids"]) == 10
    assert set(ev["appeal_ids"]) <= set(in_week)
    newest = sorted(in_week, key=lambda pk: Appeal.objects.get(pk=pk).received_at, reverse=True)[:10]
    assert set(ev["appeal_ids"]) == set(newest)

    topics = [w for w in found if w.target_kind == TargetKind.TOPIC]
    assert len(topics) == 1, [w.title for w in topics]
    topic = topics[0]
    assert "班车" in topic.topic and topic.evidence["term"] == "班车"
    assert topic.rule == "trend_term" and topic.category == "conditions"
    with_term = list(
        Appeal.objects.filter(received_at__gte=start, received_at__lt=end, text__contains="班车").values_list(
            "pk", flat=True
        )
    )
    assert {a.pk for a in injected} <= set(with_term)
    assert topic.evidence["count"] == len(with_term)
    assert topic.evidence["weeks"][-1] == {"week": "2026-W46", "count": len(with_term)}
    assert topic.evidence["unit_count"] >= 5  # four teams and the branch (the anonymous ones)
    assert topic.unit == plant.branch_a  # the smallest subtree holding them all
    assert set(topic.evidence["appeal_ids"]) <= set(with_term)
    assert len(topic.evidence["appeal_ids"]) == 10


def test_running_twice_adds_nothing_and_growth_refreshes_the_same_warning(plant: Plant) -> None:
    inject_shuttle(plant, WEEK)
    first = trends_detect(week_start=WEEK, now=AFTER)
    events = WarningEvent.objects.count()
    second = trends_detect(week_start=WEEK, now=AFTER)
    assert sorted(w.pk for w in first) == sorted(w.pk for w in second)
    assert Warning.objects.count() == len(first) == 2
    assert WarningEvent.objects.count() == events
    assert TrendWeek.objects.count() == 12  # the past weeks were counted once and stored

    branch = Warning.objects.get(rule="trend_count")
    person = plant.people[plant.teams_a[0].pk][0]
    late = [appeal("班车的问题还是没有解决。", at(WEEK, 150), person=person, category="conditions")]
    Appeal.objects.bulk_create(late)
    third = trends_detect(week_start=WEEK, now=AFTER)
    assert Warning.objects.count() == 2
    branch.refresh_from_db()
    assert branch in third and branch.evidence["count"] == first[0].evidence["count"] + 1
    assert branch.events.filter(kind="recurred").count() == 1


def test_a_closed_trend_is_not_raised_again_the_same_week_unless_it_grows(plant: Plant) -> None:
    inject_shuttle(plant, WEEK)
    trends_detect(week_start=WEEK, now=AFTER)
    Warning.objects.update(status=WarningStatus.CLOSED)
    assert trends_detect(week_start=WEEK, now=AFTER) == []
    assert Warning.objects.count() == 2


def test_anonymous_appeals_count_but_expose_no_one(plant: Plant) -> None:
    injected = inject_shuttle(plant, WEEK, anonymous=2)
    anonymous = [a.pk for a in Appeal.objects.filter(pk__in=[a.pk for a in injected], is_anonymous=True)]
    assert len(anonymous) == 2
    found = trends_detect(week_start=WEEK, now=AFTER)
    branch = next(w for w in found if w.rule == "trend_count")
    assert branch.evidence["direct_count"] >= 2  # counted at the branch they were routed to
    topic = next(w for w in found if w.rule == "trend_term")
    assert set(anonymous) <= set(topic.evidence["appeal_ids"]) | set(branch.evidence["appeal_ids"])
    names = {p.name for people in plant.people.values() for p in people}
    person_ids = {p.pk for people in plant.people.values() for p in people}
    for warning in found:
        text = json.dumps(warning.evidence, ensure_ascii=False) + warning.title
        assert "submitter" not in text and "person" not in text
        assert not any(name in text for name in names)
        assert warning.person_id is None
        unit_ids = {row["unit_id"] for row in warning.evidence["units"]}
        assert not unit_ids & person_ids - {u.pk for u in [*plant.teams_a, plant.branch_a]}


def test_a_jump_in_one_team_is_that_team_s_warning_not_its_branch_s(plant: Plant) -> None:
    team = plant.teams_b[0]
    rows = [
        appeal(
            f"食堂饭菜{i}天都是凉的。",
            at(WEEK, 9 + i),
            person=plant.people[team.pk][i % 3],
            category="conditions",
        )
        for i in range(9)
    ]
    Appeal.objects.bulk_create(rows)
    found = trends_detect(week_start=WEEK, now=AFTER)
    units = [w for w in found if w.rule == "trend_count"]
    assert [w.unit for w in units] == [team]
    assert units[0].evidence["units"] == []  # a grid has no child units
    assert units[0].evidence["direct_count"] == units[0].evidence["count"]


def test_orange_when_large(plant: Plant) -> None:
    inject_shuttle(plant, WEEK)
    found = trends_detect(week_start=WEEK, now=AFTER, config=TrendConfig(orange_excess=8))
    assert next(w for w in found if w.rule == "trend_count").level == WarningLevel.ORANGE


def test_window_of_the_daily_run(plant: Plant) -> None:
    cfg = TrendConfig()
    tuesday = at(WEEK + dt.timedelta(days=1), 5.2)
    window = trend_window(week_start=None, now=tuesday, cfg=cfg)
    assert window is not None
    assert window.week_start == WEEK and window.end == tuesday and not window.full_week
    # Each baseline week is cut at the same point of the week.
    start, end = window.span(WEEK - dt.timedelta(weeks=3))
    assert (start, end) == (window.start - dt.timedelta(weeks=3), tuesday - dt.timedelta(weeks=3))
    monday_run = trend_window(week_start=None, now=AFTER, cfg=cfg)
    assert monday_run is not None and monday_run.week_start == WEEK and monday_run.full_week
    # Not enough history yet: no run.
    assert trend_window(week_start=FIRST + dt.timedelta(weeks=3), now=AFTER, cfg=cfg) is None


def test_the_week_so_far_finds_the_trend_on_its_second_day(plant: Plant) -> None:
    inject_shuttle(plant, WEEK, hours_apart=3)  # all within Monday and Tuesday morning
    wednesday = at(WEEK + dt.timedelta(days=2), 5.2)
    found = trends_detect(now=wednesday)
    assert {w.rule for w in found} == {"trend_count", "trend_term"}


def test_the_daily_task_runs_the_detection(plant: Plant, monkeypatch: pytest.MonkeyPatch) -> None:
    from lianxin.insight.trend_tasks import trends_detect_task

    inject_shuttle(plant, monday(WEEK))
    monkeypatch.setattr("django.utils.timezone.now", lambda: AFTER)
    assert trends_detect_task.call_local() == 2
    assert Warning.objects.filter(source=WarningSource.TREND).count() == 2


def test_terms_are_bigrams_counted_once_per_appeal_without_function_words() -> None:
    counts = count_terms(["班车太挤了，班车晚点。", "我们的班车", "Bus 班车 123"])
    assert counts["班车"] == 3
    assert "我们" not in counts and "的班" not in counts and "太挤" in counts
    assert all(len(term) == 2 for term in counts)


def test_past_weeks_are_counted_once_and_stored(plant: Plant) -> None:
    trends_detect(week_start=WEEK, now=AFTER)
    week = TrendWeek.objects.get(week_start=WEEK - dt.timedelta(weeks=1))
    start, end = at(week.week_start, 0), at(week.week_start + dt.timedelta(days=7), 0)
    texts = list(
        Appeal.objects.filter(received_at__gte=start, received_at__lt=end).values_list("text", flat=True)
    )
    assert week.docs == len(texts)
    stored = dict(TrendTerm.objects.filter(week=week).values_list("term", "docs"))
    assert stored == count_terms(texts)
