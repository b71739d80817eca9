"""Read-side queries for units: subtree people counts and pairing coverage (结对覆盖), summed from the
stored per-unit counts in a constant number of queries however large the tree is."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet

from lianxin.org.counts import subtree_counts
from lianxin.org.models import Pairing, Person, PersonStatus, Responsibility, Unit, UnitCount
from lianxin.org.scope import UserLike, own_person_id, scope_paths


@dataclass
class Stats:
    """People in a subtree and how many of them have at least one active contact."""

    people: int = 0
    covered: int = 0

    @property
    def gaps(self) -> int:
        return self.people - self.covered

    @property
    def rate(self) -> float | None:
        """Coverage as a percentage, None when there is nobody to cover."""
        return round(100.0 * self.covered / self.people, 1) if self.people else None


@dataclass
class Coverage(Stats):
    uncovered: QuerySet[Person] = field(default_factory=Person.objects.none)


def counted_people() -> QuerySet[Person]:
    """The people a unit answers for: everyone on its roll except those who have left."""
    return Person.objects.exclude(status=PersonStatus.LEFT)


def _has_active_contact() -> Exists:
    return Exists(Pairing.objects.active().filter(person_id=OuterRef("pk")))


def _subtree_people(path: str) -> QuerySet[Person]:
    return counted_people().filter(unit__path__startswith=path)


def coverage_for(unit: Unit, stats: Stats | None = None) -> Coverage:
    """Counts for the unit's whole subtree in one query (none when `stats` are given, already counted);
    `uncovered` is a lazy queryset of the gaps."""
    if stats is None:
        stats = subtree_stats([unit], within=unit.path)[unit.pk]
    # Only units whose stored counts show a gap are searched, so a large subtree with few gaps is not
    # scanned person by person; ordered by id so that a first page of gaps stops early.
    with_gaps = UnitCount.objects.filter(unit__path__startswith=unit.path, people__gt=F("covered"))
    uncovered = (
        _subtree_people(unit.path)
        .filter(unit_id__in=with_gaps.values("unit_id"))
        .filter(~_has_active_contact())
        .select_related("unit")
    )
    uncovered = uncovered.order_by("pk")
    return Coverage(people=stats.people, covered=stats.covered, uncovered=uncovered)


def subtree_stats(units: Iterable[Unit], *, within: str = "") -> dict[int, Stats]:
    """Stats for each unit's subtree, keyed by unit id, summed from the stored per-unit counts
    (lianxin.org.counts): one query per distinct depth among the units, over unit rows only.
    `within`, when given, is the path of an ancestor of (or one of) the units; it narrows the scan."""
    units = list(units)
    sums = subtree_counts([unit.path for unit in units], within=within)
    return {unit.pk: Stats(*sums[unit.path]) for unit in units}


def children_of(unit: Unit) -> QuerySet[Unit]:
    children: QuerySet[Unit] = (
        Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1)
        .select_related("kind", "grid_chief")
        .order_by("path")
    )
    return children


def top_units_for(user: UserLike) -> list[Unit]:
    """The units at the top of the user's scope: the roots of the subtrees they may see."""
    paths = scope_paths(user)
    if not paths:
        return []
    return list(Unit.objects.filter(path__in=paths).select_related("kind", "grid_chief").order_by("path"))


def with_stats(units: Sequence[Unit], *, within: str = "") -> list[tuple[Unit, Stats]]:
    stats = subtree_stats(units, within=within)
    return [(unit, stats[unit.pk]) for unit in units]


def top_units_with_stats(top: Sequence[Unit]) -> list[tuple[Unit, Stats]]:
    """The user's top units with their subtree stats."""
    return with_stats(top, within=top[0].path if len(top) == 1 else "")


# Rows on a unit page's breakdown table; past this the table says how many more there are.
# A big branch has hundreds of sections: rows beyond these are reached by paging or by opening a child.
BREAKDOWN_LIMIT = 50
CHILDREN_PER_PAGE = 50


@dataclass
class UnitOverview:
    coverage: Coverage
    children: list[tuple[Unit, Stats]]
    children_page: Page[Unit]
    breakdown_kind: str
    breakdown: list[tuple[Unit, Stats]]
    breakdown_more: bool


def unit_overview(unit: Unit, children_page: str | int | None = None) -> UnitOverview:
    """Everything a unit page counts, in one stats pass: the unit, its children and its branches or
    grids share a single `subtree_stats` call, so units at the same depth share one query."""
    page = Paginator(children_of(unit), CHILDREN_PER_PAGE).get_page(children_page)
    children = list(page.object_list)
    breakdown_kind, breakdown_qs = breakdown_units(unit)
    breakdown = list(breakdown_qs[: BREAKDOWN_LIMIT + 1])
    more = len(breakdown) > BREAKDOWN_LIMIT
    breakdown = breakdown[:BREAKDOWN_LIMIT]
    stats = subtree_stats([unit, *children, *breakdown], within=unit.path)
    return UnitOverview(
        coverage=coverage_for(unit, stats[unit.pk]),
        children=[(u, stats[u.pk]) for u in children],
        children_page=page,
        breakdown_kind=breakdown_kind,
        breakdown=[(u, stats[u.pk]) for u in breakdown],
        breakdown_more=more,
    )


def breakdown_units(unit: Unit) -> tuple[str, QuerySet[Unit]]:
    """The units worth a coverage row under this unit: branches above branch level, else grids."""
    below = Unit.objects.filter(path__startswith=unit.path, depth__gt=unit.depth)
    branches = below.filter(kind__is_branch=True)
    if not unit.kind.is_branch and branches.exists():
        return "branch", branches.select_related("kind").order_by("path")
    return "grid", below.filter(is_grid=True).select_related("kind", "grid_chief").order_by("path")


def responsibilities_of(unit: Unit) -> QuerySet[Responsibility]:
    return (
        Responsibility.objects.filter(unit=unit)
        .select_related("responsible_unit", "responsible_person")
        .order_by("level", "start_date", "pk")
    )


def grid_of(unit: Unit) -> Unit | None:
    """The grid a unit belongs to: the unit itself or its nearest grid ancestor."""
    if unit.is_grid:
        return unit
    step = Unit.steplen
    prefixes = [unit.path[: step * d] for d in range(1, unit.depth)]
    above = Unit.objects.filter(path__in=prefixes, is_grid=True).select_related("grid_chief")
    grid: Unit | None = above.order_by("-depth").first()
    return grid


def grid_people(grid: Unit, *, only_gaps: bool = False) -> QuerySet[Person]:
    """A grid's people, each with their active contacts as `active_pairings`, gaps first."""
    people = _subtree_people(grid.path).alias(has_contact=_has_active_contact())
    if only_gaps:
        people = people.filter(has_contact=False)
    return (
        people.select_related("unit")
        .prefetch_related(
            Prefetch(
                "pairings",
                queryset=Pairing.objects.active().select_related("contact").order_by("start_date", "pk"),
                to_attr="active_pairings",
            )
        )
        .order_by("has_contact", "name", "pk")
    )


def paired_people_of(user: UserLike) -> QuerySet[Person]:
    """The people the user's own person is an active contact for (a grid member's charges)."""
    me = own_person_id(user)
    if me is None:
        return Person.objects.none()
    paired = Pairing.objects.active().filter(contact_id=me).values("person_id")
    return Person.objects.filter(pk__in=paired).select_related("unit").order_by("name", "pk")


def my_contacts(user: UserLike) -> QuerySet[Person]:
    """The people who are the user's own active contacts."""
    me = own_person_id(user)
    if me is None:
        return Person.objects.none()
    contacts = Pairing.objects.active().filter(person_id=me).values("contact_id")
    return Person.objects.filter(pk__in=contacts).select_related("unit").order_by("name", "pk")


def unit_totals(unit: Unit) -> dict[str, int]:
    """How many units, branches and grids lie in the unit's subtree (itself included), in one query."""
    row = Unit.objects.filter(path__startswith=unit.path).aggregate(
        units=Count("pk"),
        branches=Count("pk", filter=Q(kind__is_branch=True)),
        grids=Count("pk", filter=Q(is_grid=True)),
    )
    return {key: value or 0 for key, value in row.items()}
