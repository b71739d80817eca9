"""Stored per-unit people counts and pairing coverage (UnitCount), and subtree totals summed from them,
so that no page aggregates the person table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from os.path import commonprefix
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import Substr
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from lianxin.org.models import Pairing, Person, PersonStatus, Unit, UnitCount

# Upserts are sent in batches of this many rows (a few parameters each, far under any backend's limit).
BATCH_SIZE = 2000
# A refresh of more units than this counts the whole table: one scan beats a very long IN list.
TARGETED_LIMIT = 5000


def _direct_counts(unit_ids: Collection[int] | None) -> dict[int, tuple[int, int]]:
    """People (all but those who have left) and covered people per unit, in two grouped queries.

    `covered` is a semi-join on today's active pairings rather than an EXISTS per person: PostgreSQL
    hashes the pairings once instead of probing the index 500,000 times.
    """
    people = Person.objects.exclude(status=PersonStatus.LEFT)
    if unit_ids is not None:
        people = people.filter(unit_id__in=list(unit_ids))
    active = Pairing.objects.active().values("person_id")
    totals = people.values_list("unit_id").annotate(n=Count("pk")).order_by()
    covered = dict(people.filter(pk__in=active).values_list("unit_id").annotate(n=Count("pk")).order_by())
    return {unit_id: (n, covered.get(unit_id, 0)) for unit_id, n in totals}


def unit_counts_refresh(*, unit_ids: Iterable[int] | None = None) -> None:
    """Recompute the stored counts of the given units (of every unit when None) from the person and
    pairing tables, and write them with one upsert per batch. A full refresh writes only the rows whose
    numbers changed, so `refreshed_at` is when a unit's numbers were last found different."""
    ids = None if unit_ids is None else sorted({int(pk) for pk in unit_ids})
    if ids is not None and not ids:
        return
    if ids is not None and len(ids) > TARGETED_LIMIT:
        ids = None
    full = ids is None
    with transaction.atomic():
        if ids is None:
            ids = list(Unit.objects.order_by("pk").values_list("pk", flat=True))
            counts = _direct_counts(None)
        else:
            # Lock the units so that two writers to one unit count one after the other: the second
            # then sees the first's people once it commits, instead of overwriting them with a stale
            # count. NO KEY UPDATE does not wait for people being inserted under these units.
            ids = list(
                Unit.objects.select_for_update(no_key=True)
                .filter(pk__in=ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            counts = _direct_counts(ids)
        fresh = {pk: counts.get(pk, (0, 0)) for pk in ids}
        if full:
            # The periodic full refresh rewrites only the rows that changed, not 40,000 every time.
            stored = UnitCount.objects.values_list("unit_id", "people", "covered").iterator(chunk_size=10000)
            for pk, people, covered in stored:
                if fresh.get(pk) == (people, covered):
                    del fresh[pk]
        now = timezone.now()
        rows = [
            UnitCount(unit_id=pk, people=people, covered=covered, refreshed_at=now)
            for pk, (people, covered) in fresh.items()
        ]
        UnitCount.objects.bulk_create(
            rows,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["unit"],
            update_fields=["people", "covered", "refreshed_at"],
        )


def subtree_counts(paths: Iterable[str], *, within: str = "") -> dict[str, tuple[int, int]]:
    """(people, covered) in the subtree of each unit path, summed from the stored counts.

    One grouped query per distinct path length among `paths`: the units under the longest common
    prefix of those paths (an index range scan) are grouped by the prefix of their path of that
    length. `within`, the path of a unit that contains all of `paths`, when itself one of `paths`
    alongside longer ones, is the sum of the longer groups and costs no query of its own.
    """
    by_length: dict[int, set[str]] = defaultdict(set)
    for path in paths:
        by_length[len(path)].add(path)
    result: dict[str, tuple[int, int]] = {p: (0, 0) for group in by_length.values() for p in group}
    summed = ""
    if within and within in by_length.get(len(within), set()) and len(by_length) > 1:
        summed = within
        by_length[len(within)].discard(within)
        if not by_length[len(within)]:
            del by_length[len(within)]
    for length, group in sorted(by_length.items()):
        # The query that also yields the summed total must cover that unit's whole subtree.
        narrow = commonprefix([*group, summed] if summed else list(group))
        rows = UnitCount.objects.filter(unit__path__startswith=narrow) if narrow else UnitCount.objects.all()
        grouped = (
            rows.annotate(prefix=Substr("unit__path", 1, length))
            .values("prefix")
            .annotate(people=Sum("people"), covered=Sum("covered"))
            .order_by()
            .values_list("prefix", "people", "covered")
        )
        sums = [(prefix, people or 0, covered or 0) for prefix, people, covered in grouped]
        for prefix, people, covered in sums:
            if prefix in group:
                result[prefix] = (people, covered)
        if summed:
            result[summed] = (sum(s[1] for s in sums), sum(s[2] for s in sums))
            summed = ""
    return result


# --- Keeping the counts fresh on row-level writes -------------------------------------------------
# Services that write people or pairings row by row (pairing_create, the admin, correction_decide)
# go through Model.save / delete, so these receivers refresh the affected units in the same
# transaction. Bulk writers (the roster import, the demo seed) bypass signals and call
# unit_counts_refresh themselves; the periodic task catches pairings that start or end by date.

# Fields of a person whose change can move a count: which unit, and whether they have left.
COUNTED_FIELDS = frozenset({"unit", "unit_id", "status"})


def _affects_counts(kwargs: dict[str, Any]) -> bool:
    update_fields = kwargs.get("update_fields")
    return update_fields is None or bool(COUNTED_FIELDS & set(update_fields))


def _person_units(person_ids: Iterable[int | None]) -> set[int]:
    ids = [pk for pk in person_ids if pk is not None]
    return set(Person.objects.filter(pk__in=ids).values_list("unit_id", flat=True)) if ids else set()


def _remember_person_unit(sender: type[Person], instance: Person, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None or not _affects_counts(kwargs):
        return
    instance._counted_units = _person_units([instance.pk])  # type: ignore[attr-defined]


def _person_saved(sender: type[Person], instance: Person, raw: bool = False, **kwargs: Any) -> None:
    if raw or not _affects_counts(kwargs):
        return
    before: set[int] = getattr(instance, "_counted_units", set())
    unit_counts_refresh(unit_ids={instance.unit_id, *before})


def _person_deleted(sender: type[Person], instance: Person, **kwargs: Any) -> None:
    unit_counts_refresh(unit_ids=[instance.unit_id])


def _remember_pairing_units(
    sender: type[Pairing], instance: Pairing, raw: bool = False, **kwargs: Any
) -> None:
    if raw or instance.pk is None:
        return
    old = Pairing.objects.filter(pk=instance.pk).values_list("person_id", flat=True).first()
    instance._counted_units = _person_units([old])  # type: ignore[attr-defined]


def _pairing_changed(sender: type[Pairing], instance: Pairing, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    before: set[int] = getattr(instance, "_counted_units", set())
    unit_counts_refresh(unit_ids=_person_units([instance.person_id]) | before)


def connect_signals() -> None:
    uid = "lianxin.org.counts"
    pre_save.connect(_remember_person_unit, sender=Person, dispatch_uid=f"{uid}.person.pre")
    post_save.connect(_person_saved, sender=Person, dispatch_uid=f"{uid}.person.post")
    post_delete.connect(_person_deleted, sender=Person, dispatch_uid=f"{uid}.person.delete")
    pre_save.connect(_remember_pairing_units, sender=Pairing, dispatch_uid=f"{uid}.pairing.pre")
    post_save.connect(_pairing_changed, sender=Pairing, dispatch_uid=f"{uid}.pairing.post")
    post_delete.connect(_pairing_changed, sender=Pairing, dispatch_uid=f"{uid}.pairing.delete")
