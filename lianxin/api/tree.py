"""Unit rows for the API: parents and subtree people counts for a page of units, in constant queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Q

from lianxin.org.models import Unit
from lianxin.org.selectors_units import counted_people

STEPLEN: int = Unit.steplen

UNIT_FIELDS = ("id", "path", "depth", "name", "party_name", "kind__code", "is_grid")


def _outermost(paths: Sequence[str]) -> list[str]:
    """Drop paths that lie inside another path of the list."""
    kept: list[str] = []
    for path in sorted(paths):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def subtree_people_counts(paths: Sequence[str]) -> dict[str, int]:
    """People in the subtree of each path (counted as on the tree page: all but those who have left),
    from ONE grouped query over the outermost subtrees.

    The database counts people per unit; each unit's count is then added to every page path that is
    a prefix of it, which costs at most depth dictionary lookups per counted unit.
    """
    totals = dict.fromkeys(paths, 0)
    outer = _outermost(paths)
    if not outer:
        return totals
    if len(totals) == 1:
        # One unit (the detail view): a plain COUNT skips grouping, several times cheaper on a big subtree.
        totals[outer[0]] = counted_people().filter(unit__path__startswith=outer[0]).count()
        return totals
    q = Q()
    for path in outer:
        q |= Q(unit__path__startswith=path)
    rows = counted_people().filter(q).values_list("unit__path").annotate(n=Count("id")).order_by()
    for unit_path, n in rows:
        for end in range(STEPLEN, len(unit_path) + 1, STEPLEN):
            prefix = unit_path[:end]
            if prefix in totals:
                totals[prefix] += n
    return totals


def parent_ids(paths: Sequence[str], known: dict[str, int]) -> dict[str, int | None]:
    """The parent id of each path; parents not in `known` (path → id) are fetched in one query."""
    wanted = {p[:-STEPLEN] for p in paths if len(p) > STEPLEN}
    missing = wanted - known.keys()
    found = dict(known)
    if missing:
        found.update(Unit.objects.filter(path__in=missing).values_list("path", "id"))
    return {p: found.get(p[:-STEPLEN]) if len(p) > STEPLEN else None for p in paths}


def unit_rows(values: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Turn `Unit.objects.values(*UNIT_FIELDS)` rows into UnitOut dicts (two more queries at most)."""
    paths = [v["path"] for v in values]
    counts = subtree_people_counts(paths)
    parents = parent_ids(paths, {v["path"]: v["id"] for v in values})
    return [
        {
            "id": v["id"],
            "parent_id": parents[v["path"]],
            "path": v["path"],
            "depth": v["depth"],
            "name": v["name"],
            "party_name": v["party_name"],
            "kind": v["kind__code"],
            "is_grid": v["is_grid"],
            "people_count": counts[v["path"]],
        }
        for v in values
    ]
