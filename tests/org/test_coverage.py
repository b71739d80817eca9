"""Coverage (结对覆盖): who has at least one active contact, per unit subtree, grid and branch."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from lianxin.org.models import Pairing, PersonStatus
from lianxin.org.selectors_units import coverage_for, grid_of, subtree_stats
from tests.factories import Org, make_person, make_unit

pytestmark = pytest.mark.django_db


def test_branch_coverage_counts_covered_people_and_lists_the_gaps(org: Org) -> None:
    cov = coverage_for(org.branch_a)

    # 张伟, 李娜, 王芳 and 陈静 are in 运维部; only 王芳 has a contact (李娜).
    assert (cov.people, cov.covered, cov.gaps) == (4, 1, 3)
    assert cov.rate == 25.0
    assert {p.name for p in cov.uncovered} == {"张伟", "李娜", "陈静"}


def test_a_person_with_two_contacts_is_covered_once(org: Org) -> None:
    Pairing.objects.create(contact=org.secretary_a_person, person=org.paired_person)

    cov = coverage_for(org.grid_a2)

    assert (cov.people, cov.covered) == (1, 1)
    assert cov.rate == 100.0
    assert list(cov.uncovered) == []


def test_ended_and_future_pairings_leave_a_gap(org: Org) -> None:
    today = timezone.localdate()
    Pairing.objects.create(
        contact=org.grid_person,
        person=org.employee_person,
        start_date=today - dt.timedelta(days=90),
        end_date=today - dt.timedelta(days=1),
    )
    Pairing.objects.create(
        contact=org.secretary_a_person, person=org.employee_person, start_date=today + dt.timedelta(days=3)
    )

    cov = coverage_for(org.grid_a1)

    assert (cov.people, cov.covered) == (2, 0)
    assert org.employee_person in cov.uncovered


def test_pairing_ending_today_still_counts(org: Org) -> None:
    today = timezone.localdate()
    Pairing.objects.create(
        contact=org.grid_person,
        person=org.employee_person,
        start_date=today - dt.timedelta(days=5),
        end_date=today,
    )

    assert coverage_for(org.grid_a1).covered == 1


def test_people_who_left_are_not_counted(org: Org) -> None:
    make_person(org.grid_b1, "离职者", status=PersonStatus.LEFT)
    make_person(org.grid_b1, "退休者", status=PersonStatus.RETIRED)

    cov = coverage_for(org.grid_b1)

    assert cov.people == 2  # 刘洋 and the retiree; the leaver has no one to be covered by
    assert {p.name for p in cov.uncovered} == {"刘洋", "退休者"}


def test_empty_unit_has_no_rate(org: Org) -> None:
    empty = make_unit("新班组", "team", org.branch_b, is_grid=True)

    cov = coverage_for(empty)

    assert (cov.people, cov.covered, cov.rate) == (0, 0, None)


def test_subtree_stats_for_siblings_match_coverage_for_each(org: Org) -> None:
    stats = subtree_stats([org.branch_a, org.branch_b], within=org.root.path)

    for unit in (org.branch_a, org.branch_b):
        cov = coverage_for(unit)
        assert (stats[unit.pk].people, stats[unit.pk].covered) == (cov.people, cov.covered)
    assert (stats[org.branch_b.pk].people, stats[org.branch_b.pk].covered) == (1, 0)


def test_subtree_stats_handles_units_at_different_depths(org: Org) -> None:
    stats = subtree_stats([org.root, org.grid_a2, org.grid_b1])

    assert stats[org.root.pk].people == 5
    assert stats[org.root.pk].covered == 1
    assert (stats[org.grid_a2.pk].people, stats[org.grid_a2.pk].covered) == (1, 1)
    assert (stats[org.grid_b1.pk].people, stats[org.grid_b1.pk].covered) == (1, 0)


def test_subtree_stats_is_one_query_per_depth_however_many_units(
    org: Org, django_assert_num_queries: object
) -> None:
    teams = [make_unit(f"班组{i}", "team", org.branch_b, is_grid=True) for i in range(12)]
    for i, team in enumerate(teams):
        for j in range(i % 3 + 1):
            person = make_person(team, f"员工{i}-{j}")
            if j == 0:
                Pairing.objects.create(contact=org.stranger, person=person)

    with django_assert_num_queries(1):  # type: ignore[operator]
        stats = subtree_stats(teams, within=org.branch_b.path)

    assert [stats[t.pk].people for t in teams[:3]] == [1, 2, 3]
    assert all(stats[t.pk].covered == 1 for t in teams)


def test_coverage_for_is_one_query_for_the_counts(org: Org, django_assert_num_queries: object) -> None:
    for i in range(30):
        make_person(org.grid_b1, f"批量{i}")

    with django_assert_num_queries(1):  # type: ignore[operator]
        cov = coverage_for(org.root)

    assert cov.people == 35


def test_grid_of_finds_the_nearest_grid_above(org: Org) -> None:
    squad = make_unit("一组", "party_group", org.grid_a1)

    assert grid_of(squad) == org.grid_a1
    assert grid_of(org.grid_a1) == org.grid_a1
    assert grid_of(org.branch_a) is None


def test_counts_follow_every_write_and_never_read_people(
    org: Org, django_assert_max_num_queries: Any
) -> None:
    # A new pairing shows at once, in the grid and at the top of the tree.
    assert coverage_for(org.grid_a1).covered == 0
    Pairing.objects.create(contact=org.grid_person, person=org.employee_person)
    assert coverage_for(org.grid_a1).covered == 1

    # The enterprise total is summed from stored per-unit counts: the person table is not read.
    with django_assert_max_num_queries(1) as ctx:
        stats = subtree_stats([org.root], within=org.root.path)[org.root.pk]
    assert (stats.people, stats.covered) == (5, 2)
    assert not any("org_person" in q["sql"] for q in ctx.captured_queries)
