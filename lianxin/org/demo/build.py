"""Builds the demo plant in one transaction: units with precomputed tree paths, people, pairing (结对),
three-level responsibility (包保), and the persona logins."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from lianxin.org.counts import unit_counts_refresh
from lianxin.org.demo.accounts import create_personas
from lianxin.org.demo.people import PERSON_FIELDS, PersonMaker
from lianxin.org.demo.rows import drop_plain_indexes, insert_rows, reset_sequences, restore_indexes
from lianxin.org.demo.structure import BRANCHES, DEFAULT_PEOPLE, UnitPlan, assign_paths, plan_plant
from lianxin.org.models import (
    DifficultyTag,
    Pairing,
    Person,
    Responsibility,
    ResponsibilityLevel,
    Unit,
    UnitKind,
)

KIND_DEFAULTS = {
    "enterprise": ("企业/党委", 0, False),
    "branch": ("党支部", 1, True),
    "district": ("区队", 1, False),
    "team": ("班组", 2, False),
    "party_group": ("党小组", 2, False),
}
Progress = Callable[[str], None]


@dataclass
class SeedResult:
    people: int = 0
    units: int = 0
    grids: int = 0
    pairings: int = 0
    responsibilities: int = 0
    gaps: int = 0
    seconds: float = 0.0
    personas: dict[str, int] = field(default_factory=dict)  # persona key → person id


@dataclass
class _Ids:
    """Who sits where, by person id, gathered while the people are drawn."""

    heads: dict[int, list[int]] = field(default_factory=dict)  # unit id → its heads in order
    chiefs: dict[int, int] = field(default_factory=dict)  # team id → its chief


def _kinds() -> dict[str, int]:
    ids = {}
    for code, (name, level, is_branch) in KIND_DEFAULTS.items():
        kind, _ = UnitKind.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "is_branch": is_branch}
        )
        ids[code] = kind.pk
    return ids


def _pick(rng: random.Random, pool: list[int], count: int) -> set[int]:
    return set(rng.sample(pool, min(count, len(pool))))


@transaction.atomic
def seed_demo(
    *, people: int = DEFAULT_PEOPLE, seed: int = 2026, progress: Progress | None = None
) -> SeedResult:
    """Build the plant for `people` people; the same seed gives the same people. Returns what was made."""
    started = time.perf_counter()
    report = progress or (lambda _msg: None)

    def say(msg: str) -> None:
        report(f"{time.perf_counter() - started:6.1f} s  {msg}")

    rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
    today = timezone.localdate()
    kinds = _kinds()
    tags = list(DifficultyTag.objects.values_list("pk", "name"))

    root = plan_plant(people)
    last_root = Unit.objects.get_last_root_node()
    root_position = Unit._str2int(last_root.path) + 1 if last_root else 1
    first_unit_id = (Unit.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
    units = assign_paths(root, root_position, first_unit_id)
    first_person_id = (Person.objects.aggregate(m=Max("pk"))["m"] or 0) + 1

    # Where each unit's people start, counted in drawing order (the tree order of their units).
    start: dict[int, int] = {}
    ordinal = 0
    for unit in units:
        start[unit.id] = ordinal
        ordinal += unit.people
    teams = [u for u in units if u.role == "team"]
    by_code = {spec.code: [t for t in teams if t.branch is spec] for spec in BRANCHES}
    branches = {u.branch.code: u for u in units if u.role == "branch" and u.branch is not None}
    reserved = {
        "grid_member": start[by_code["yunxing"][0].id],
        "employee": start[by_code["yunxing"][0].id] + 1,
        "informant": start[by_code["yunxing"][1].id] + 1,
        "secretary_yunxing": start[branches["yunxing"].id] + 1,
        "secretary_jianxiu": start[branches["jianxiu"].id] + 1,
        "department": start[by_code["zonghe"][0].id],
        "leader": start[root.id] + 1,
    }
    # Ordinary team members (not the chief) from whom the gaps and file notes are drawn.
    members = [start[t.id] + k for t in teams for k in range(1, t.members)]
    eligible = [o for o in members if o not in reserved.values()]
    gaps = _pick(rng, eligible, max(3, round(people * 0.02)))
    key_people = _pick(rng, members, max(3, round(people * 0.012)))
    health = _pick(rng, members, max(4, round(people * 0.025)))
    hardship = _pick(rng, members, max(6, round(people * 0.03)))

    indexes = drop_plain_indexes(Unit, Person, Pairing, Responsibility)
    say(f"units: {len(units)}")
    insert_rows(
        Unit,
        ("id", "path", "depth", "numchild", "name", "party_name", "kind_id", "is_grid", "grid_chief_id"),
        (
            (
                u.id,
                u.path,
                len(u.path) // 4,
                len(u.children),
                u.name,
                u.party_name,
                kinds[u.kind],
                u.is_grid,
                first_person_id + start[u.id] if u.is_grid else None,
            )
            for u in units
        ),
    )

    maker = PersonMaker(rng, today, max(6, len(str(people))))
    ids = _Ids()
    pairings: list[tuple[int, int, dt.date]] = []
    tag_rows: list[tuple[int, int]] = []

    def since() -> dt.date:
        return today - dt.timedelta(days=rng.randint(30, 900))

    def draw_people() -> Iterator[tuple[object, ...]]:
        for unit in units:
            spec = unit.branch
            retired = bool(spec and spec.retired)
            male = spec.male_share if spec else 0.8
            base = start[unit.id]
            heads = ids.heads.setdefault(unit.id, [])
            for k, position in enumerate(unit.head_positions):
                pk = first_person_id + base + k
                heads.append(pk)
                yield maker.draw(
                    pk=pk,
                    ordinal=base + k,
                    unit_id=unit.id,
                    position=position,
                    male_share=male,
                    retired=False,
                    party=True,
                    senior=True,
                ).row
            members_drawn: list[tuple[int, bool]] = []
            for k in range(unit.members):
                o = base + k
                pk = first_person_id + o
                position = (
                    spec.chief_position
                    if k == 0 and spec
                    else (
                        rng.choices([p for p, _ in spec.positions], [w for _, w in spec.positions])[0]
                        if spec
                        else "职员"
                    )
                )
                party: bool | None = True if (k == 0 or o == reserved["informant"]) else None
                if o in gaps or o == reserved["employee"]:
                    party = False
                tag = ""
                if o in hardship and tags:
                    tag_id, tag = rng.choice(tags)
                    tag_rows.append((pk, tag_id))
                drawn = maker.draw(
                    pk=pk,
                    ordinal=o,
                    unit_id=unit.id,
                    position=position,
                    male_share=male,
                    retired=retired,
                    party=party,
                    senior=k == 0,
                    hardship=tag,
                    key_person=o in key_people,
                    health=o in health,
                )
                if k == 0:
                    ids.chiefs[unit.id] = pk
                if o not in gaps:
                    members_drawn.append((pk, drawn.is_party))
                yield drawn.row
            if unit.role == "team":
                _pair_team(unit, members_drawn, ids, pairings, since)
            else:
                _pair_heads(unit, ids, pairings, since)

    say(f"people: {people}")
    count = insert_rows(Person, PERSON_FIELDS, draw_people())
    insert_rows(Person.difficulty_tags.through, ("person_id", "difficultytag_id"), tag_rows)
    say(f"pairings: {len(pairings)}")
    insert_rows(Pairing, ("contact_id", "person_id", "start_date"), pairings)
    responsibilities = _responsibilities(units, ids, by_code["zonghe"][0].id, today)
    insert_rows(
        Responsibility,
        ("unit_id", "level", "responsible_unit_id", "responsible_person_id", "start_date"),
        responsibilities,
    )
    reset_sequences(Unit, Person, Pairing, Responsibility, Person.difficulty_tags.through)
    say(f"indexes: {len(indexes)}")
    restore_indexes(indexes)
    say("logins")

    persona_ids = {key: first_person_id + o for key, o in reserved.items()}
    create_personas(
        persona_ids,
        root_id=root.id,
        branch_ids={c: b.id for c, b in branches.items()},
        grid_id=by_code["yunxing"][0].id,
    )
    say("counts")
    unit_counts_refresh()  # the rows above were written without model signals
    say("done; committing")
    return SeedResult(
        people=count,
        units=len(units),
        grids=len(teams),
        pairings=len(pairings),
        responsibilities=len(responsibilities),
        gaps=len(gaps),
        personas=persona_ids,
        seconds=time.perf_counter() - started,
    )


def _secretary_above(unit: UnitPlan, ids: _Ids) -> int:
    """The contact for a unit's chief: the section head, else the branch secretary."""
    parent = _parent(unit)
    return ids.heads[parent.id][0] if parent.role == "section" else ids.heads[parent.id][1]


def _parent(unit: UnitPlan) -> UnitPlan:
    if unit.parent is None:
        raise ValueError(f"{unit.name} has no parent")
    return unit.parent


def _pair_team(
    unit: UnitPlan,
    drawn: list[tuple[int, bool]],
    ids: _Ids,
    out: list[tuple[int, int, dt.date]],
    since: Callable[[], dt.date],
) -> None:
    """Seed 004's chain: the group leader pairs with the members, the members with the masses."""
    chief = drawn[0][0]
    party = [pk for pk, is_party in drawn if is_party]
    masses = [pk for pk, is_party in drawn if not is_party]
    out.append((_secretary_above(unit, ids), chief, since()))
    out.extend((chief, pk, since()) for pk in party[1:])
    out.extend((party[j % len(party)], pk, since()) for j, pk in enumerate(masses))


def _pair_heads(
    unit: UnitPlan, ids: _Ids, out: list[tuple[int, int, dt.date]], since: Callable[[], dt.date]
) -> None:
    heads = ids.heads[unit.id]
    if unit.role == "root":  # the party secretary and the director look after each other
        secretary = heads[1]
        out.append((heads[0], secretary, since()))
        out.extend((secretary, pk, since()) for pk in heads if pk != secretary)
    elif unit.role == "branch":  # 党委联系支部: the party secretary pairs with the branch secretary
        committee_secretary = ids.heads[_parent(unit).id][1]
        out.append((committee_secretary, heads[1], since()))
        out.append((heads[1], heads[0], since()))
    elif unit.role == "section":
        out.append((ids.heads[_parent(unit).id][1], heads[0], since()))


def _responsibilities(
    units: list[UnitPlan], ids: _Ids, department_unit: int, today: dt.date
) -> list[tuple[int, int, int | None, int | None, dt.date]]:
    """Seed 003's three levels: the department covers branches, cadres cover teams, teams cover people."""
    began = today - dt.timedelta(days=400)
    rows: list[tuple[int, int, int | None, int | None, dt.date]] = []
    for n, unit in enumerate(units):
        if unit.role in {"branch", "section"}:
            rows.append((unit.id, ResponsibilityLevel.DEPARTMENT, department_unit, None, began))
        elif unit.role == "team":
            cadres = ids.heads[_parent(unit).id]
            rows.append((unit.id, ResponsibilityLevel.CADRE, None, cadres[n % len(cadres)], began))
            # A team's chief (its first member, also the grid chief) answers for each of its people.
            rows.append((unit.id, ResponsibilityLevel.TEAM, None, ids.chiefs[unit.id], began))
    return rows
