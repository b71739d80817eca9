"""Per-unit indicators: response, on-time closure, satisfaction and reopen rates, against a count by hand."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianxin.appeals import services as s
from lianxin.appeals.codes import SATISFIED_RATINGS, Channel, State
from lianxin.appeals.ledger import Indicators, unit_indicators
from lianxin.appeals.models import Appeal
from tests.factories import Org

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 6, 30, 12, tzinfo=TZ)
START, END = dt.datetime(2026, 4, 1, tzinfo=TZ), dt.datetime(2026, 7, 1, tzinfo=TZ)
HOUR = dt.timedelta(hours=1)


def seed(org: Org) -> list[Appeal]:
    """Appeals of every shape in branch A, branch B and at company level, with their times set by hand."""
    people = [org.employee_person, org.grid_person, org.stranger, None]
    ratings = ["", "very_satisfied", "satisfied", "basic", "dissatisfied"]
    made = []
    for i, (person, rating) in enumerate(itertools.product(people, ratings)):
        received = dt.datetime(2026, 3 + i % 4, 1 + i, 9, tzinfo=TZ)  # March (out of period) to June
        appeal = s.appeal_submit(
            text=f"诉求{i}",
            channel=Channel.WEB,
            submitter=person,
            anonymous=person is None,
            received_at=received,
        ).appeal
        fields: dict[str, Any] = {
            "response_due": received + 24 * HOUR if i % 5 else None,  # untriaged every fifth
            "closure_due": received + 72 * HOUR if i % 5 else None,
            "first_response_at": received + (i % 3) * 20 * HOUR if i % 4 else None,  # 0h, 20h or 40h
            "answered_at": received + (i % 4) * 30 * HOUR if i % 6 else None,  # 0h … 90h, or never
            "rating": rating,
            "reopen_count": 1 if i % 7 == 0 else 0,
        }
        if i == 13:
            fields["state"] = State.MERGED  # a merged duplicate counts nowhere
        Appeal.objects.filter(pk=appeal.pk).update(**fields)
        made.append(appeal)
    # One still inside its time limits: neither on time nor late yet.
    fresh = s.appeal_submit(
        text="刚提交", channel=Channel.WEB, submitter=org.employee_person, received_at=NOW - HOUR
    ).appeal
    Appeal.objects.filter(pk=fresh.pk).update(response_due=NOW + HOUR, closure_due=NOW + 48 * HOUR)
    return made


def by_hand(appeals: list[Appeal], path: str) -> dict[str, int]:
    rows = [
        a
        for a in appeals
        if a.unit.path.startswith(path) and START <= a.received_at < END and a.state != State.MERGED
    ]
    counts = dict.fromkeys(
        [
            "total",
            "response_due",
            "responded",
            "closure_due",
            "closed_on_time",
            "rated",
            "satisfied",
            "reopened",
        ],
        0,
    )
    for a in rows:
        counts["total"] += 1
        if a.response_due and (a.first_response_at or a.response_due < NOW):
            counts["response_due"] += 1
        if a.response_due and a.first_response_at and a.first_response_at <= a.response_due:
            counts["responded"] += 1
        if a.closure_due and (a.answered_at or a.closure_due < NOW):
            counts["closure_due"] += 1
        if a.closure_due and a.answered_at and a.answered_at <= a.closure_due:
            counts["closed_on_time"] += 1
        counts["rated"] += bool(a.rating)
        counts["satisfied"] += a.rating in SATISFIED_RATINGS
        counts["reopened"] += a.reopen_count > 0
    return counts


def counts_of(row: Indicators) -> dict[str, int]:
    return {
        name: getattr(row, name)
        for name in (
            "total",
            "response_due",
            "responded",
            "closure_due",
            "closed_on_time",
            "rated",
            "satisfied",
            "reopened",
        )
    }


def test_indicators_equal_an_independent_count(org: Org) -> None:
    seed(org)
    appeals = list(Appeal.objects.select_related("unit"))
    total, rows = unit_indicators(org.root, START, END, now=NOW)
    assert [row.label for row in rows] == ["本级", "运维部", "检修部"]
    assert counts_of(rows[0]) == by_hand([a for a in appeals if a.unit_id == org.root.pk], org.root.path)
    assert counts_of(rows[1]) == by_hand(appeals, org.branch_a.path)
    assert counts_of(rows[2]) == by_hand(appeals, org.branch_b.path)
    assert counts_of(total) == by_hand(appeals, org.root.path)
    expected = by_hand(appeals, org.root.path)
    assert total.response_rate == round(100 * expected["responded"] / expected["response_due"], 1)
    assert total.on_time_rate == round(100 * expected["closed_on_time"] / expected["closure_due"], 1)
    assert total.satisfaction_rate == round(100 * expected["satisfied"] / expected["rated"], 1)
    assert total.reopen_rate == round(100 * expected["reopened"] / expected["total"], 1)
    assert 0 < expected["responded"] < expected["response_due"]  # the data exercises both sides
    assert 0 < expected["satisfied"] < expected["rated"]


def test_a_branch_lists_its_grids_and_a_unit_without_appeals_has_no_rates(org: Org) -> None:
    seed(org)
    total, rows = unit_indicators(org.branch_b, START, END, now=NOW)
    assert [row.label for row in rows] == ["本级", "检修一班"]
    assert rows[1].total == 0 and rows[1].response_rate is None and rows[1].reopen_rate is None
    assert total.total == rows[0].total > 0


def test_one_aggregate_query_whatever_the_number_of_units(org: Org) -> None:
    seed(org)
    with CaptureQueriesContext(connection) as ctx:
        unit_indicators(org.root, START, END, now=NOW)
    assert len(ctx.captured_queries) == 2  # the children, and one grouped aggregate
    assert "GROUP BY" in ctx.captured_queries[1]["sql"]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_indicators_view(org: Org) -> None:
    seed(org)
    url = reverse("appeal_ledger_indicators")
    page = _client(org.department).get(url + "?start=2026-04-01&end=2026-06-30")
    assert page.status_code == 200 and "运维部" in page.content.decode() and "检修部" in page.content.decode()
    own = _client(org.secretary_a).get(url).content.decode()
    assert "运行一班" in own and "检修部" not in own
    assert _client(org.secretary_b).get(url + f"?unit={org.branch_a.pk}").status_code == 404
    assert _client(org.employee).get(url).status_code == 404
    assert _client(org.department).post(url).status_code == 405


@pytest.mark.parametrize("persona", ["department", "secretary_a"])
def test_the_ledger_page_loads_the_indicators_after_itself(org: Org, persona: str) -> None:
    page = _client(getattr(org, persona)).get(reverse("appeal_ledger")).content.decode()
    assert f'hx-get="{reverse("appeal_ledger_indicators")}"' in page
