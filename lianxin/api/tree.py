"""Unit rows for the API: parents and subtree people counts for a page of units, in constant queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lianxin.org.counts import subtree_counts
from lianxin.org.models import Unit

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
    summed from the stored per-unit counts: one query per distinct depth among the paths, over unit
    rows only, never the person table."""
    if not paths:
        return {}
    outer = _outermost(paths)
    within = outer[0] if len(outer) == 1 else ""
    return {path: people for path, (people, _covered) in subtree_counts(paths, within=within).items()}


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
