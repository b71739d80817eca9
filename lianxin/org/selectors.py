"""Read-side queries for people: the filtered person list shared by the list page and the export, and the
pieces of a person's file (contacts, timeline)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, OrderBy, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.http import Http404
from django.utils import timezone

from lianxin.org.access import unit_for
from lianxin.org.models import (
    SENSITIVE_ROLES,
    CorrectionRequest,
    CorrectionStatus,
    Pairing,
    Person,
    PoliticalStatus,
    Responsibility,
    Unit,
)
from lianxin.org.scope import UserLike, people_visible_to, scope_paths

# Each sort matches an index (blank hire dates last either way, as person_hire_*_idx are built).
SORTS: dict[str, tuple[str | OrderBy | Concat, ...]] = {
    "name": ("name", "pk"),
    "employee_no": ("employee_no",),
    "hire_date": (F("hire_date").asc(nulls_last=True), "pk"),
    "-hire_date": (F("hire_date").desc(nulls_last=True), "-pk"),
}
DEFAULT_SORT = "name"
MAX_QUERY_LENGTH = 50
_TRUE = {"1", "true", "on", "yes"}


def _param(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    return value.strip() if isinstance(value, str) else ""


def selected_unit(user: UserLike, params: Mapping[str, str]) -> Unit | None:
    """The unit named by ?unit=, within the user's scope (404 otherwise); None when absent."""
    raw = _param(params, "unit")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("unit")
    return unit_for(user, int(raw))


def may_filter_key(user: UserLike) -> bool:
    """Only the branch secretary and above may filter by, or see, the key-person flag."""
    return bool(scope_paths(user, SENSITIVE_ROLES))


def _search(text: str) -> Q:
    """Name substring; for Latin text, employee-number prefix or pinyin-initials prefix instead.

    Splitting by script keeps the Latin searches on their prefix indexes: a substring match cannot use
    an index, and no name is written in Latin letters in these rosters.
    """
    text = text[:MAX_QUERY_LENGTH]
    if not text.isascii():
        return Q(name__contains=text)
    q = Q(employee_no__startswith=text)
    if text.upper() != text:
        q |= Q(employee_no__startswith=text.upper())
    if text.isalpha():
        q |= Q(name_initials__startswith=text.lower())
    return q


_UNRESOLVED = Unit()  # marks "look the unit up from params"


def _has_tag(tag_id: int) -> Q:
    """People carrying a difficulty tag.

    On PostgreSQL the tagged ids are gathered first (IN unnest(ARRAY(...)) hides the join from the
    planner): written as a plain join, it walks the whole name index looking for the few tagged people
    of the first page, 1.4 s against under 0.1 s at 500,000 people.
    """
    if connection.vendor != "postgresql":
        return Q(difficulty_tags__id=tag_id)
    tagged = RawSQL(
        'SELECT unnest(ARRAY(SELECT "person_id" FROM "org_person_difficulty_tags" '
        'WHERE "difficultytag_id" = %s))',
        [tag_id],
    )
    return Q(pk__in=tagged)


def filter_people(
    user: UserLike, params: Mapping[str, str], *, unit: Unit | None = _UNRESOLVED
) -> QuerySet[Person]:
    """The people the user may see, narrowed by the list page's GET parameters and sorted.

    unit: a unit id, its whole subtree (out of scope: 404); status: political status code; tag: a
    difficulty tag id; key: key people, honoured only for secretaries and above (and only where they are
    secretary and above), silently ignored for anyone else; q: search; sort: one of SORTS.
    A caller that has already resolved the unit with selected_unit() may pass it to save a query.
    """
    if unit is _UNRESOLVED:
        unit = selected_unit(user, params)
    if unit is not None:
        # Everyone under a unit in scope is visible, so the scope's own OR-filter would only repeat it.
        people = Person.objects.filter(unit__path__startswith=unit.path)
    else:
        people = people_visible_to(user)
    people = people.select_related("unit")
    status = _param(params, "status")
    if status in PoliticalStatus.values:
        people = people.filter(political_status=status)
    tag = _param(params, "tag")
    if tag.isdigit():
        people = people.filter(_has_tag(int(tag)))
    if _param(params, "key").lower() in _TRUE:
        paths = scope_paths(user, SENSITIVE_ROLES)
        if paths:
            where = Q()
            for path in paths:
                where |= Q(unit__path__startswith=path)
            people = people.filter(where, is_key_person=True)
    text = _param(params, "q")
    if text:
        people = people.filter(_search(text))
    order = SORTS.get(_param(params, "sort"), SORTS[DEFAULT_SORT])
    if text and not text.isascii() and order[0] == "name":
        # Names matching "%王%" cluster where names start with 王, but the planner assumes they are
        # spread evenly and walks the name index from the start (0.9 s at 500,000 people); sorting by
        # an expression makes it scan once and sort the few matches instead.
        order = (Concat("name", Value("")), *order[1:])
    return people.order_by(*order)


def count_capped(people: QuerySet[Person], cap: int) -> int:
    """The number of rows, but at most cap + 1: an exact COUNT over half a million rows costs more than
    the page itself, and nobody needs to know it is 431,207 rather than "more than 1,000"."""
    return people.order_by()[: cap + 1].count()


def unit_choices(user: UserLike, selected: Unit | None, limit: int = 300) -> list[Unit]:
    """Units for the filter's select: the user's top units, their children, and the selected unit with
    its children, so one can drill down without loading the whole tree."""
    tops = scope_paths(user)
    if not tops and selected is None:
        return []
    where = Q(path__in=tops)
    for path in tops:
        where |= Q(path__startswith=path, depth=len(path) // Unit.steplen + 1)
    if selected is not None:
        where |= Q(pk=selected.pk) | Q(path__startswith=selected.path, depth=selected.depth + 1)
    return list(Unit.objects.filter(where).only("pk", "name", "path", "depth").order_by("path")[:limit])


@dataclass(frozen=True)
class Contacts:
    """Who answers for a person: pairing contacts, the grid chief, and responsibility (包保) holders."""

    pairings: list[Pairing]
    grid: Unit | None
    responsibilities: list[Responsibility]

    @property
    def empty(self) -> bool:
        return (
            not self.pairings
            and (self.grid is None or self.grid.grid_chief is None)
            and not (self.responsibilities)
        )


def contacts_of(person: Person) -> Contacts:
    """Three queries whatever the depth of the tree."""
    today = timezone.localdate()
    pairings = list(
        Pairing.objects.active(today)
        .filter(person=person)
        .select_related("contact", "contact__unit")
        .order_by("start_date", "pk")
    )
    paths = Unit.ancestor_paths(person.unit.path)
    # The nearest grid at or above the person's unit.
    grid = (
        Unit.objects.filter(path__in=paths, is_grid=True)
        .select_related("grid_chief")
        .order_by("-depth")
        .first()
    )
    responsibilities = list(
        Responsibility.objects.filter(unit__path__in=paths, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("unit", "responsible_unit", "responsible_person")
        .order_by("level", "unit__path", "pk")
    )
    return Contacts(pairings=pairings, grid=grid, responsibilities=responsibilities)


def corrections_of(person: Person) -> list[CorrectionRequest]:
    return list(CorrectionRequest.objects.filter(person=person).order_by("-requested_at", "-pk")[:50])


def pending_corrections_for(user: UserLike) -> QuerySet[CorrectionRequest]:
    """Pending requests the user may decide: people under their secretary-or-above units, not their own."""
    paths = scope_paths(user, SENSITIVE_ROLES)
    if not paths:
        return CorrectionRequest.objects.none()
    where = Q()
    for path in paths:
        where |= Q(person__unit__path__startswith=path)
    return (
        CorrectionRequest.objects.filter(where, status=CorrectionStatus.PENDING)
        .exclude(person__user_id=user.pk)
        .select_related("person", "person__unit")
        .order_by("requested_at", "pk")
    )


# --- Timeline -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    """One dated event in a person's file (a talk, a visit, an appeal …), linked to its own page."""

    at: dt.datetime | dt.date
    kind: str
    title: str
    url: str = ""


TimelineSource = Callable[[UserLike, Person], Iterable[TimelineEntry]]
_timeline_sources: list[TimelineSource] = []


def register_timeline_source(source: TimelineSource) -> TimelineSource:
    """Apps add their events to the file's timeline by registering a source (usable as a decorator);
    each source applies its own access rules for the user."""
    if source not in _timeline_sources:
        _timeline_sources.append(source)
    return source


def _sort_key(entry: TimelineEntry) -> dt.datetime:
    at = entry.at
    if isinstance(at, dt.datetime):
        return at if timezone.is_aware(at) else timezone.make_aware(at)
    return timezone.make_aware(dt.datetime.combine(at, dt.time.min))


def timeline_for(user: UserLike, person: Person) -> list[TimelineEntry]:
    """The person's events from every registered source, newest first."""
    entries = [entry for source in _timeline_sources for entry in source(user, person)]
    return sorted(entries, key=_sort_key, reverse=True)
