"""Stored contact coverage per unit (UnitContactCount): the people directly in a unit and how many were
talked to or visited within CARE_UNCONTACTED_DAYS, so that a branch's coverage page sums a few thousand
stored rows instead of probing the contacts of every person in the branch.

A stored row counts only while it is current: computed today (contacts age out of the window as days
pass), for the configured window, and after the unit's last people change (org.UnitCount.refreshed_at,
which lianxin.org.counts moves whenever people join, move or leave). Any other unit is counted live in
the same query, so the numbers always equal the live count. contact_record refreshes the units of the
people it touched; a periodic task refreshes every unit shortly after midnight and every few hours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from lianxin.care.models import ContactPerson, UnitContactCount
from lianxin.org.models import Person, PersonStatus, Unit

# Upserts are sent in batches of this many rows (six parameters each, far under any backend's limit).
BATCH_SIZE = 2000
# A refresh of more units than this counts the whole table: one scan beats a very long IN list.
TARGETED_LIMIT = 5000


def uncontacted_days() -> int:
    return int(getattr(settings, "CARE_UNCONTACTED_DAYS", 90))


def window_start(days: int, today: dt.date) -> dt.date:
    """The first day a contact still counts: people not contacted since are flagged."""
    return today - dt.timedelta(days=days)


def _direct_counts(unit_ids: Collection[int] | None, since: dt.date) -> dict[int, tuple[int, int]]:
    """(people not left, people contacted since `since`) per unit, in two grouped queries.

    `contacted` is an IN over the window's contact links: for the whole table PostgreSQL hashes the
    links of the window once; for a few units it probes the (person, date) index per person."""
    people = Person.objects.exclude(status=PersonStatus.LEFT)
    if unit_ids is not None:
        people = people.filter(unit_id__in=list(unit_ids))
    recent = ContactPerson.objects.filter(date__gte=since).values("person_id")
    totals = people.values_list("unit_id").annotate(n=Count("pk")).order_by()
    contacted = dict(people.filter(pk__in=recent).values_list("unit_id").annotate(n=Count("pk")).order_by())
    return {unit_id: (n, contacted.get(unit_id, 0)) for unit_id, n in totals}


def contact_counts_refresh(*, unit_ids: Iterable[int] | None = None, today: dt.date | None = None) -> int:
    """Recompute the stored coverage of the given units (of every unit when None) for today and the
    configured window, and write it with one upsert per batch. Returns how many rows were written.

    A targeted refresh locks its units first, as lianxin.org.counts does, so that a concurrent move of a
    person into one of them is either seen here or stamps the unit's people count after this row."""
    ids = None if unit_ids is None else sorted({int(pk) for pk in unit_ids if pk is not None})
    if ids is not None and not ids:
        return 0
    if ids is not None and len(ids) > TARGETED_LIMIT:
        ids = None
    days = uncontacted_days()
    with transaction.atomic():
        if ids is None:
            ids = list(Unit.objects.order_by("pk").values_list("pk", flat=True))
            on = today or timezone.localdate()
            counts = _direct_counts(None, window_start(days, on))
        else:
            ids = list(
                Unit.objects.select_for_update(no_key=True)
                .filter(pk__in=ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            on = today or timezone.localdate()
            counts = _direct_counts(ids, window_start(days, on))
        # Stamped after the counts were read: a people change committed later stamps its unit later.
        now = timezone.now()
        rows = [
            UnitContactCount(
                unit_id=pk,
                days=days,
                people=counts.get(pk, (0, 0))[0],
                contacted=counts.get(pk, (0, 0))[1],
                computed_on=on,
                computed_at=now,
            )
            for pk in ids
        ]
        UnitContactCount.objects.bulk_create(
            rows,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["unit"],
            update_fields=["days", "people", "contacted", "computed_on", "computed_at"],
        )
    return len(rows)


def current_row_q(days: int, today: dt.date, prefix: str = "") -> Q:
    """Units whose stored row may be used as it stands (see the module's docstring)."""
    row = f"{prefix}contact_count__"
    return Q(**{f"{row}days": days, f"{row}computed_on": today}) & (
        Q(**{f"{prefix}count__isnull": True})
        | Q(**{f"{row}computed_at__gt": F(f"{prefix}count__refreshed_at")})
    )


def _live(days: int, today: dt.date) -> tuple[Any, Any]:
    """Correlated counts of one unit's people and contacted people, for units without a current row."""
    people = Person.objects.filter(unit_id=OuterRef("pk")).exclude(status=PersonStatus.LEFT).order_by()
    recent = ContactPerson.objects.filter(person=OuterRef("pk"), date__gte=window_start(days, today))
    total = people.values("unit_id").annotate(n=Count("pk")).values("n")
    contacted = people.filter(Exists(recent)).values("unit_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(total), Value(0)), Coalesce(Subquery(contacted), Value(0))


def _counted_units(unit: Unit, days: int, today: dt.date) -> QuerySet[Unit]:
    """The units of the subtree with `n_people` and `n_contacted`: the stored row where it is current,
    else counted live for that unit alone (the CASE evaluates the subqueries only there)."""
    current = current_row_q(days, today)
    live_people, live_contacted = _live(days, today)
    units: QuerySet[Unit] = (
        Unit.objects.filter(unit.subtree_q())
        .annotate(
            n_people=Case(When(current, then=F("contact_count__people")), default=live_people),
            n_contacted=Case(When(current, then=F("contact_count__contacted")), default=live_contacted),
        )
        .order_by()
    )
    return units


def subtree_sums(
    unit: Unit, prefixes: Sequence[str], *, days: int, today: dt.date
) -> dict[str, tuple[int, int]]:
    """(people, contacted) of the whole subtree of each path in `prefixes` (paths in the unit's subtree),
    summed in the database in one query: nothing per unit comes back to Python."""
    sums: dict[str, Any] = {}
    for i, prefix in enumerate(prefixes):
        inside = Q(path__startswith=prefix)
        sums[f"p{i}"] = Sum("n_people", filter=inside, default=0)
        sums[f"c{i}"] = Sum("n_contacted", filter=inside, default=0)
    if not sums:
        return {}
    found = _counted_units(unit, days, today).aggregate(**sums)
    return {prefix: (int(found[f"p{i}"]), int(found[f"c{i}"])) for i, prefix in enumerate(prefixes)}


def subtree_unit_counts(
    unit: Unit, *, days: int, today: dt.date, within: Q | None = None
) -> list[tuple[str, int, int]]:
    """(path, people, contacted) of every unit in the unit's subtree (those matching `within` when given),
    in one query. With every row current this reads the units and their rows and nothing of the people."""
    units = _counted_units(unit, days, today)
    if within is not None:
        units = units.filter(within)
    rows = units.values_list("path", "n_people", "n_contacted")  # type: ignore[misc]  # annotations
    # Fetched through the cursor: for ten thousand rows Django's per-row converters cost more than the
    # query itself, and the three columns need none.
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            (path, int(people or 0), int(contacted or 0)) for path, people, contacted in cursor.fetchall()
        ]
