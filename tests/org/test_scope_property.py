"""Scope as a property: over random trees, people, pairings and role assignments, no person, unit or list
row leaks out of scope.

The expected sets come from a naive oracle that walks parent links in plain Python; it never looks at
treebeard paths, so a mistake in path arithmetic cannot hide in both the code and the oracle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import Http404
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lianxin.org.access import person_for, unit_for
from lianxin.org.models import (
    DifficultyTag,
    InformantKind,
    Pairing,
    Person,
    PoliticalStatus,
    Role,
    RoleAssignment,
    Unit,
    UnitKind,
)
from lianxin.org.scope import can_see_sensitive, people_visible_to, units_visible_to
from lianxin.org.services import unit_create

User = get_user_model()

NOW = dt.datetime(2026, 6, 15, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = NOW.date()
MAX_DEPTH = 4
# Written out here rather than imported, so that the oracle does not share the code's definitions.
SCOPE_ROLE_CODES = {"grid_member", "secretary", "department", "leadership"}
SENSITIVE_ROLE_CODES = {"secretary", "department", "leadership"}
KIND_BY_DEPTH = {1: "enterprise", 2: "branch", 3: "team", 4: "party_group"}
STATUSES = [choice.value for choice in PoliticalStatus]

# How a pairing sits in time relative to TODAY: (start offset, end offset or None), in days.
PAIRING_TIMING = {
    "open": (-30, None),
    "until_later": (-30, 10),
    "ends_today": (-30, 0),
    "starts_today": (0, None),
    "ended": (-60, -1),
    "future": (1, 40),
}
ACTIVE_TIMINGS = {"open", "until_later", "ends_today", "starts_today"}


@dataclass
class PersonSpec:
    unit: int
    status: str
    key: bool
    tags: list[int]


@dataclass
class UserSpec:
    person: int | None
    roles: list[tuple[str, int]]


@dataclass
class World:
    parents: list[int | None]  # the parent of unit i, always an earlier unit; None for a root
    people: list[PersonSpec]
    pairings: list[tuple[int, int, str]]  # contact, person, timing
    users: list[UserSpec] = field(default_factory=list)

    def depth(self, unit: int) -> int:
        parent = self.parents[unit]
        return 1 if parent is None else 1 + self.depth(parent)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    n_units = draw(st.integers(1, 30))
    roots = draw(st.integers(1, 2))
    parents: list[int | None] = []
    depths: list[int] = []
    for i in range(n_units):
        if i < roots:
            parents.append(None)
            depths.append(1)
            continue
        parent = draw(st.sampled_from([j for j in range(i) if depths[j] < MAX_DEPTH]))
        parents.append(parent)
        depths.append(depths[parent] + 1)

    units = st.integers(0, n_units - 1)
    people = draw(
        st.lists(
            st.builds(
                PersonSpec,
                unit=units,
                status=st.sampled_from(STATUSES),
                key=st.booleans(),
                tags=st.lists(st.integers(0, 2), max_size=2, unique=True),
            ),
            max_size=24,
        )
    )
    pairings: list[tuple[int, int, str]] = []
    if len(people) >= 2:
        n = len(people)
        # (contact, offset): the paired person is another one, never the contact themself.
        drawn = draw(
            st.lists(
                st.tuples(
                    st.integers(0, n - 1), st.integers(1, n - 1), st.sampled_from(sorted(PAIRING_TIMING))
                ),
                max_size=16,
            )
        )
        pairings = [(contact, (contact + offset) % n, timing) for contact, offset, timing in drawn]
    # Contacts are the people most worth linking to users: that is where pairing widens scope.
    contacts = sorted({contact for contact, _, _ in pairings})
    linkable = st.one_of(st.none(), st.integers(0, len(people) - 1)) if people else st.none()
    if contacts:
        linkable = st.one_of(linkable, st.sampled_from(contacts))
    roles = st.lists(st.tuples(st.sampled_from([r.value for r in Role]), units), max_size=4, unique=True)
    user: st.SearchStrategy[UserSpec] = st.builds(UserSpec, person=linkable, roles=roles)
    # Someone who is a grid member in one place and secretary or above in another: scope and the
    # restricted parts then differ, which is where a mix-up would show.
    mixed_roles = st.tuples(
        st.tuples(st.just("grid_member"), units),
        st.tuples(st.sampled_from(sorted(SENSITIVE_ROLE_CODES)), units),
    ).map(lambda pair: sorted(set(pair)))
    user = st.one_of(user, st.builds(UserSpec, person=linkable, roles=mixed_roles))
    if contacts:
        # A grid member who is someone's contact: the case where pairing adds people beyond the subtree.
        grid_roles = st.lists(st.tuples(st.just("grid_member"), units), min_size=1, max_size=2, unique=True)
        user = st.one_of(user, st.builds(UserSpec, person=st.sampled_from(contacts), roles=grid_roles))
    users = draw(st.lists(user, min_size=1, max_size=6))
    taken: set[int] = set()
    for spec in users:  # a person is linked to one account at most
        if spec.person is not None and spec.person in taken:
            spec.person = None
        if spec.person is not None:
            taken.add(spec.person)
    return World(parents=parents, people=people, pairings=pairings, users=users)


# --- The oracle -----------------------------------------------------------------------------------


def ancestors_or_self(world: World, unit: int) -> set[int]:
    found = set()
    current: int | None = unit
    while current is not None:
        found.add(current)
        current = world.parents[current]
    return found


def pairing_dates(timing: str) -> tuple[dt.date, dt.date | None]:
    start, end = PAIRING_TIMING[timing]
    return TODAY + dt.timedelta(days=start), None if end is None else TODAY + dt.timedelta(days=end)


def is_active(timing: str) -> bool:
    start, end = pairing_dates(timing)
    return start <= TODAY and (end is None or end >= TODAY)


def expected_units(world: World, user: UserSpec) -> set[int]:
    held = {unit for role, unit in user.roles if role in SCOPE_ROLE_CODES}
    return {u for u in range(len(world.parents)) if ancestors_or_self(world, u) & held}


def expected_people(world: World, user: UserSpec) -> set[int]:
    units = expected_units(world, user)
    seen = {i for i, person in enumerate(world.people) if person.unit in units}
    if user.person is not None:
        seen.add(user.person)
        if any(role == "grid_member" for role, _ in user.roles):
            seen |= {
                person
                for contact, person, timing in world.pairings
                if contact == user.person and is_active(timing)
            }
    return seen


def expected_sensitive(world: World, user: UserSpec, person: int) -> bool:
    if user.person == person:
        return True
    held = {unit for role, unit in user.roles if role in SENSITIVE_ROLE_CODES}
    return bool(ancestors_or_self(world, world.people[person].unit) & held)


# --- Building the world in the database -----------------------------------------------------------


@dataclass
class Built:
    units: list[Unit]
    people: list[Person]
    users: list[Any]
    tags: list[DifficultyTag]


def build(world: World) -> Built:
    kinds = {code: UnitKind.objects.get(code=code) for code in KIND_BY_DEPTH.values()}
    units: list[Unit] = []
    for i, parent in enumerate(world.parents):
        units.append(
            unit_create(
                name=f"单位{i}",
                kind=kinds[KIND_BY_DEPTH[world.depth(i)]],
                parent=None if parent is None else units[parent],
            )
        )
    people = Person.objects.bulk_create(
        [
            Person(
                employee_no=f"P{i:04d}",
                name=f"人员{i}",
                name_initials=f"ry{i}",
                unit=units[spec.unit],
                political_status=spec.status,
                is_key_person=spec.key,
            )
            for i, spec in enumerate(world.people)
        ]
    )
    tags = list(DifficultyTag.objects.order_by("pk")[:3])
    Through = Person.difficulty_tags.through
    Through.objects.bulk_create(
        [
            Through(person_id=people[i].pk, difficultytag_id=tags[t].pk)
            for i, spec in enumerate(world.people)
            for t in spec.tags
        ]
    )
    Pairing.objects.bulk_create(
        [
            Pairing(contact=people[contact], person=people[person], start_date=start, end_date=end)
            for contact, person, timing in world.pairings
            for start, end in [pairing_dates(timing)]
        ]
    )
    users = []
    for i, spec in enumerate(world.users):
        user = User.objects.create(username=f"u{i}")
        if spec.person is not None:
            Person.objects.filter(pk=people[spec.person].pk).update(user=user)
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(
                    user=user,
                    role=role,
                    unit=units[unit],
                    informant_kind=InformantKind.THOUGHT if role == Role.INFORMANT else "",
                )
                for role, unit in spec.roles
            ]
        )
        users.append(user)
    people = list(Person.objects.select_related("unit").order_by("employee_no"))
    return Built(units=units, people=people, users=users, tags=tags)


@contextmanager
def rolled_back_world() -> Iterator[None]:
    """Each example runs at a fixed moment in a transaction that is rolled back afterwards."""
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        yield
        transaction.set_rollback(True)


PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- The properties -------------------------------------------------------------------------------


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(world=worlds())
def test_scope_agrees_with_the_oracle(world: World) -> None:
    with rolled_back_world():
        built = build(world)
        unit_index = {unit.pk: i for i, unit in enumerate(built.units)}
        person_index = {person.pk: i for i, person in enumerate(built.people)}
        missing_pk = max([0, *person_index, *unit_index]) + 1000
        for spec, user in zip(world.users, built.users, strict=True):
            want_people = expected_people(world, spec)
            want_units = expected_units(world, spec)

            if want_people - {i for i, p in enumerate(world.people) if p.unit in want_units} - {spec.person}:
                event("pairing widens a grid member's scope")
            rows = list(people_visible_to(user).values_list("pk", flat=True))
            assert len(rows) == len(set(rows)), "a person is listed twice"
            assert {person_index[pk] for pk in rows} == want_people

            unit_rows = list(units_visible_to(user).values_list("pk", flat=True))
            assert len(unit_rows) == len(set(unit_rows)), "a unit is listed twice"
            assert {unit_index[pk] for pk in unit_rows} == want_units

            for i, person in enumerate(built.people):
                if i in want_people:
                    assert person_for(user, person.pk).pk == person.pk
                else:
                    with pytest.raises(Http404):
                        person_for(user, person.pk)
                assert can_see_sensitive(user, person) == expected_sensitive(world, spec, i), (i, spec)
            for i, unit in enumerate(built.units):
                if i in want_units:
                    assert unit_for(user, unit.pk).pk == unit.pk
                else:
                    with pytest.raises(Http404):
                        unit_for(user, unit.pk)
            with pytest.raises(Http404):
                person_for(user, missing_pk)
            with pytest.raises(Http404):
                unit_for(user, missing_pk)

        anonymous = AnonymousUser()
        assert not people_visible_to(anonymous).exists()
        assert not units_visible_to(anonymous).exists()


@st.composite
def list_params(draw: st.DrawFn, n_units: int) -> dict[str, str]:
    params: dict[str, str] = {}
    if draw(st.booleans()):
        params["unit"] = str(draw(st.integers(0, n_units - 1)))  # an index, turned into a pk below
    if draw(st.booleans()):
        params["status"] = draw(st.sampled_from([*STATUSES, "bogus"]))
    if draw(st.booleans()):
        params["tag"] = str(draw(st.integers(0, 2)))  # an index too
    if draw(st.booleans()):
        params["key"] = draw(st.sampled_from(["1", "1", "on", "0"]))
    if draw(st.booleans()):
        params["q"] = draw(st.sampled_from(["人员1", "P00", "ry", "p001", "x", "员"]))
    if draw(st.booleans()):
        params["sort"] = draw(st.sampled_from(["name", "employee_no", "hire_date", "-hire_date", "bogus"]))
    return params


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(data=st.data(), world=worlds())
def test_person_list_rows_stay_in_scope(data: st.DataObject, world: World) -> None:
    """The person list's filters only ever narrow the visible set: no combination widens it."""
    selectors = pytest.importorskip("lianxin.org.selectors")
    with rolled_back_world():
        built = build(world)
        person_index = {person.pk: i for i, person in enumerate(built.people)}
        for spec, user in [pair for pair in zip(world.users, built.users, strict=True) for _ in range(4)]:
            raw = data.draw(list_params(len(built.units)), label="params")
            params = dict(raw)
            unit = None
            if "unit" in raw:
                unit = int(raw["unit"])
                params["unit"] = str(built.units[unit].pk)
            if "tag" in raw:
                params["tag"] = str(built.tags[int(raw["tag"])].pk)
            visible = expected_people(world, spec)
            if unit is not None and unit not in expected_units(world, spec):
                with pytest.raises(Http404):
                    list(selectors.filter_people(user, params))
                continue
            rows = list(selectors.filter_people(user, params).values_list("pk", flat=True))
            assert len(rows) == len(set(rows)), "a person is listed twice"
            got = {person_index[pk] for pk in rows}
            assert got <= visible, f"rows outside scope: {got - visible} for {params}"
            if "q" in params:
                continue  # search semantics belong to the list's own tests; scope is what matters here
            # Without a search the narrowing is exact: unit subtree, status, tag and the key-person flag.
            want = set(visible)
            if unit is not None:
                want = {i for i in want if unit in ancestors_or_self(world, world.people[i].unit)}
            if params.get("status") in STATUSES:
                want = {i for i in want if world.people[i].status == params["status"]}
            if "tag" in raw:
                want = {i for i in want if int(raw["tag"]) in world.people[i].tags}
            if params.get("key") in {"1", "on"}:
                held = {u for role, u in spec.roles if role in SENSITIVE_ROLE_CODES}
                if held:  # the flag is honoured only where the user may see it
                    narrowed = {
                        i
                        for i in want
                        if world.people[i].key and ancestors_or_self(world, world.people[i].unit) & held
                    }
                    if narrowed != {i for i in want if world.people[i].key}:
                        event("key-person filter hides key people outside the sensitive subtrees")
                    want = narrowed
            assert got == want, params
