"""Who sees which people and units, persona by persona."""

from __future__ import annotations

import pytest
from django.http import Http404

from lianxin.org.access import person_for, unit_for
from lianxin.org.scope import can_see_sensitive, people_visible_to, units_visible_to
from tests.factories import Org


def names(qs: object) -> set[str]:
    return {p.name for p in qs}  # type: ignore[attr-defined]


def test_employee_sees_only_own_file(org: Org) -> None:
    assert names(people_visible_to(org.employee)) == {"张伟"}
    assert not units_visible_to(org.employee).exists()
    with pytest.raises(Http404):
        person_for(org.employee, org.grid_person.pk)


def test_grid_member_sees_grid_and_paired_people(org: Org) -> None:
    assert names(people_visible_to(org.grid_member)) == {"张伟", "李娜", "王芳"}
    assert person_for(org.grid_member, org.paired_person.pk) == org.paired_person
    with pytest.raises(Http404):
        unit_for(org.grid_member, org.grid_a2.pk)  # sees the paired person, not their whole team


def test_secretary_sees_own_branch_only(org: Org) -> None:
    assert names(people_visible_to(org.secretary_a)) == {"张伟", "李娜", "王芳", "陈静"}
    with pytest.raises(Http404):
        person_for(org.secretary_a, org.stranger.pk)
    assert names(people_visible_to(org.secretary_b)) == {"刘洋"}


def test_department_and_leadership_see_the_enterprise(org: Org) -> None:
    assert people_visible_to(org.department).count() == 5
    assert people_visible_to(org.leader).count() == 5
    assert units_visible_to(org.leader).count() == 6


def test_auditor_and_informant_see_no_files(org: Org) -> None:
    assert not people_visible_to(org.auditor).exists()
    assert not people_visible_to(org.informant).exists()


def test_sensitive_parts_for_self_and_secretary_up(org: Org) -> None:
    person = org.employee_person
    assert can_see_sensitive(org.employee, person)
    assert can_see_sensitive(org.secretary_a, person)
    assert can_see_sensitive(org.leader, person)
    assert not can_see_sensitive(org.grid_member, person)
    assert not can_see_sensitive(org.secretary_b, person)


def test_pinyin_initials_are_kept(org: Org) -> None:
    assert org.employee_person.name_initials == "zw"
