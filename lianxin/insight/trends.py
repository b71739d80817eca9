"""Trend detection (见微知著): per unit subtree and category, this week's appeals against the weeks before;
and the terms that newly spread across several units. A trend raises a unit (or topic) warning that carries
its evidence: counts per week, the baseline, the p-value, the contributing units and example appeals.

The window. The daily run looks at the ISO week that holds yesterday, up to now: on Monday morning the whole
past week, on other days the current week so far. Each baseline week is cut at the same point of the week
(Monday to Tuesday 05:00 is compared with Monday to Tuesday 05:00 of the weeks before), so a partial week
is never compared with whole ones and the weekday rhythm of appeals cancels out.

The test. Under "nothing changed" the appeals of a cell (unit subtree × category) fall in the current week
and the baseline weeks alike, so given their total the current count is binomial with share 1 / (weeks + 1):
the exact test for a jump of a Poisson rate against a baseline estimated from the same kind of counts. The
plug-in test (poisson.sf with the baseline mean) treats that mean as known and raises false alarms where
the baseline is small (measured in tests/insight/test_trends_noise.py). A cell must also reach a minimum
count and a minimum ratio over its baseline mean, and the p-values of all tests of the run (every target
unit × category, and every term seen) go through Benjamini–Hochberg.

Where. Counts are grouped in one SQL query by (unit, category, week), an appeal counting at its submitter's
unit when named and at the unit it was routed to when anonymous (so an anonymous appeal is never placed
closer to its author than its routing), and rolled up to every ancestor in numpy, linear in the units.
Targets are all units down to the grids. When a unit and some of its descendants are flagged, the unit is
kept only if its counts without those descendants are still a significant jump: the warning goes to the
deepest unit that explains it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from functools import reduce
from operator import or_
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Case, Count, IntegerField, Min, Q, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _
from scipy.stats import binom  # type: ignore[import-untyped]

from lianxin.appeals.models import Appeal, Category
from lianxin.insight import terms as t
from lianxin.insight.codes import OPEN_WARNING_STATES, TargetKind, WarningLevel, WarningSource, WarningStatus
from lianxin.insight.models import Warning
from lianxin.insight.warnings import warning_raise
from lianxin.insight.words import count_words, span_words
from lianxin.org.models import Unit

STEP = Unit.steplen


@dataclass(frozen=True)
class TrendConfig:
    """Thresholds of trend detection; settings.LIANXIN_TRENDS (a dict) overrides any of them."""

    baseline_weeks: int = 12
    min_baseline_weeks: int = 8
    min_count: int = 5  # appeals in the current week, at least
    min_ratio: float = 2.0  # times the baseline mean, at least
    fdr: float = 0.01  # Benjamini–Hochberg over all tests of the run
    orange_excess: float = 20.0  # appeals above the baseline mean that make a unit trend orange
    term_min_docs: int = 5
    term_min_units: int = 3  # distinct units (teams, grids, or the unit an anonymous appeal was routed to)
    term_min_ratio: float = 3.0
    term_orange_docs: int = 30
    term_orange_units: int = 10
    examples: int = 10  # example appeal ids kept in the evidence
    evidence_units: int = 20


def trend_config() -> TrendConfig:
    overrides = getattr(settings, "LIANXIN_TRENDS", {}) or {}
    known = {f.name for f in fields(TrendConfig)}
    return TrendConfig(**{k: v for k, v in overrides.items() if k in known})


@dataclass(frozen=True)
class Window:
    week_start: dt.date
    start: dt.datetime
    end: dt.datetime  # exclusive; at most a week after start
    baseline: list[dt.date]  # Mondays of the baseline weeks that count, oldest first

    @property
    def label(self) -> str:
        return iso_week(self.week_start)

    @property
    def words(self) -> str:
        """The window's days as a title says them: 12月1日—12月7日."""
        last = timezone.localdate(self.end - dt.timedelta(microseconds=1))
        return span_words(timezone.localdate(self.start), last)

    @property
    def full_week(self) -> bool:
        return self.end - self.start >= dt.timedelta(days=7)

    def span(self, week_start: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """The same part of another week."""
        shift = self.week_start - week_start
        return self.start - shift, self.end - shift


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def trend_window(*, week_start: dt.date | None, now: dt.datetime, cfg: TrendConfig) -> Window | None:
    """The window of a run, or None when there is not yet history enough for a baseline."""
    if week_start is None:
        yesterday = timezone.localdate(now) - dt.timedelta(days=1)
        week_start = yesterday - dt.timedelta(days=yesterday.weekday())
    week_start -= dt.timedelta(days=week_start.weekday())
    start, full_end = t.week_bounds(week_start)
    end = min(full_end, now)
    if end <= start:
        return None
    first = Appeal.objects.aggregate(first=Min("received_at"))["first"]
    if first is None:
        return None
    # A baseline week counts only if the platform already took appeals when its span began.
    candidates = [week_start - dt.timedelta(weeks=k) for k in range(cfg.baseline_weeks, 0, -1)]
    baseline = [w for w in candidates if t.week_bounds(w)[0] >= first]
    if len(baseline) < cfg.min_baseline_weeks:
        return None
    return Window(week_start, start, end, baseline)


# --- the unit tree --------------------------------------------------------------------------------------


@dataclass
class Tree:
    ids: np.ndarray
    paths: list[str]
    names: list[str]
    depth: np.ndarray
    parent: np.ndarray  # index of the parent, -1 at a root
    target: np.ndarray  # tested: every unit not inside a grid
    index: dict[int, int]
    by_path: dict[str, int]


def _tree() -> Tree:
    rows = list(Unit.objects.order_by("path").values_list("pk", "path", "name", "depth", "is_grid"))
    index = {pk: i for i, (pk, *_rest) in enumerate(rows)}
    by_path = {path: i for i, (_pk, path, *_rest) in enumerate(rows)}
    parent = np.full(len(rows), -1, dtype=np.int64)
    target = np.ones(len(rows), dtype=bool)
    inside_grid = np.zeros(len(rows), dtype=bool)
    for i, (_pk, path, _name, _depth, _grid) in enumerate(rows):
        p = by_path.get(path[:-STEP], -1) if len(path) > STEP else -1
        parent[i] = p
        if p >= 0:  # rows are in path order, so the parent's flags are known
            inside_grid[i] = inside_grid[p] or rows[p][4]
    target &= ~inside_grid
    return Tree(
        ids=np.array([r[0] for r in rows], dtype=np.int64),
        paths=[r[1] for r in rows],
        names=[r[2] for r in rows],
        depth=np.array([r[3] for r in rows], dtype=np.int64),
        parent=parent,
        target=target,
        index=index,
        by_path=by_path,
    )


def _location() -> Coalesce:
    # Named: the submitter's unit; anonymous (no submitter): the routed unit, nothing closer.
    return Coalesce("submitter__unit_id", "unit_id")


def _category() -> Coalesce:
    return Coalesce("category_id", NullIf("suggested_category", Value("")))


def _counts(window: Window, tree: Tree, categories: list[str]) -> np.ndarray:
    """Appeals per (unit, category, week) rolled up to every ancestor: shape units × categories ×
    (baseline weeks + 1), the current week last."""
    weeks = [*window.baseline, window.week_start]
    spans = [window.span(w) for w in weeks]
    week_of = Case(
        *[When(received_at__gte=s, received_at__lt=e, then=Value(k)) for k, (s, e) in enumerate(spans)],
        output_field=IntegerField(),
    )
    in_spans = reduce(or_, [Q(received_at__gte=s, received_at__lt=e) for s, e in spans])
    rows = (
        Appeal.objects.filter(in_spans)
        .annotate(loc=_location(), cat=_category(), wk=week_of)
        .order_by()
        .values("loc", "cat", "wk")
        .annotate(n=Count("pk"))
        .values_list("loc", "cat", "wk", "n")
    )
    cat_index = {c: i for i, c in enumerate(categories)}
    counts = np.zeros((len(tree.ids), len(categories), len(weeks)), dtype=np.int64)
    # Some 600,000 groups at a million appeals: read them from the cursor and place them with numpy,
    # not row by row through model tuples (measured 5 s → about 1 s).
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        grouped = cursor.fetchall()
    if grouped:
        loc, cat, wk, n = zip(*grouped, strict=True)
        li = np.array([tree.index.get(x, -1) for x in loc], dtype=np.int64)
        ci = np.array([cat_index.get(x, -1) if x is not None else -1 for x in cat], dtype=np.int64)
        wi = np.array([-1 if x is None else x for x in wk], dtype=np.int64)
        ok = (li >= 0) & (ci >= 0) & (wi >= 0)
        np.add.at(counts, (li[ok], ci[ok], wi[ok]), np.array(n, dtype=np.int64)[ok])
    # Deepest first, each level adds into its parents: every appeal reaches each ancestor once.
    for depth in range(int(tree.depth.max(initial=0)), 1, -1):
        level = np.nonzero((tree.depth == depth) & (tree.parent >= 0))[0]
        np.add.at(counts, tree.parent[level], counts[level])
    return counts


# --- statistics -----------------------------------------------------------------------------------------


def p_values(current: np.ndarray, baseline_sum: np.ndarray, weeks: int) -> np.ndarray:
    """One-sided p-value that the current count exceeds a baseline of `weeks` weeks (conditional binomial)."""
    total = current + baseline_sum
    return np.asarray(binom.sf(current - 1, total, 1.0 / (weeks + 1)), dtype=float)


def bh_threshold(p: np.ndarray, m: int, q: float) -> float:
    """Benjamini–Hochberg: the largest p-value rejected among m tests (p holds the ones that may be small,
    the rest are counted in m), or -1 when none is."""
    if m == 0 or not len(p):
        return -1.0
    ordered = np.sort(p)
    ranks = np.arange(1, len(ordered) + 1)
    ok = np.nonzero(ordered <= ranks * q / m)[0]
    return float(ordered[ok[-1]]) if len(ok) else -1.0


@dataclass
class Cell:
    unit: int  # tree index
    category: int
    current: int
    baseline: int  # sum over the baseline weeks
    p_value: float


def _gate(current: np.ndarray, baseline_sum: np.ndarray, weeks: int, cfg: TrendConfig) -> np.ndarray:
    return (current >= cfg.min_count) & (current * weeks >= cfg.min_ratio * baseline_sum)


def _deepest(flagged: list[Cell], tree: Tree, weeks: int, cfg: TrendConfig, threshold: float) -> list[Cell]:
    """Keep a flagged unit only if its jump is still significant without its kept flagged descendants."""
    kept: list[Cell] = []
    for cell in sorted(flagged, key=lambda c: (-int(tree.depth[c.unit]), tree.paths[c.unit])):
        path = tree.paths[cell.unit]
        below = [
            k
            for k in kept
            if k.category == cell.category and tree.paths[k.unit].startswith(path) and k is not cell
        ]
        outermost = [
            k
            for k in below
            if not any(o is not k and tree.paths[k.unit].startswith(tree.paths[o.unit]) for o in below)
        ]
        if outermost:
            current = cell.current - sum(k.current for k in outermost)
            baseline = cell.baseline - sum(k.baseline for k in outermost)
            gate = _gate(np.array([current]), np.array([baseline]), weeks, cfg)[0]
            p = float(p_values(np.array([current]), np.array([baseline]), weeks)[0])
            if not gate or p > threshold:
                continue
        kept.append(cell)
    return kept


# --- the run --------------------------------------------------------------------------------------------


def trends_detect(
    *, week_start: dt.date | None = None, now: dt.datetime | None = None, config: TrendConfig | None = None
) -> list[Warning]:
    """Detect this window's trends and raise (or refresh) their warnings; returns them.

    Running again finds the same trends and changes nothing unless their counts moved. A trend whose
    warning was closed in the same week is raised again only when it grew by at least `min_count`."""
    cfg = config or trend_config()
    moment = now or timezone.now()
    window = trend_window(week_start=week_start, now=moment, cfg=cfg)
    if window is None:
        return []
    tree = _tree()
    categories = list(Category.objects.order_by("order", "code").values_list("code", flat=True))
    labels = dict(Category.objects.values_list("code", "label"))
    weeks = len(window.baseline)
    counts = _counts(window, tree, categories)
    current = counts[:, :, -1]
    baseline_sum = counts[:, :, :-1].sum(axis=2)
    gated = _gate(current, baseline_sum, weeks, cfg) & tree.target[:, None]
    units_idx, cats_idx = np.nonzero(gated)
    cell_p = p_values(current[units_idx, cats_idx], baseline_sum[units_idx, cats_idx], weeks)
    m_cells = int(tree.target.sum()) * len(categories)

    # Terms: the stored past weeks, the current window tokenised now.
    stored = t.weeks_stored(window.baseline, now=moment)
    base_weeks = [stored[w] for w in window.baseline if w in stored]
    rows = list(
        Appeal.objects.filter(received_at__gte=window.start, received_at__lt=window.end)
        .annotate(loc=_location(), cat=_category())
        .order_by("-received_at", "-pk")
        .values_list("pk", "text", "loc", "cat")
    )
    docs = t.current_docs(rows)
    term_tests, m_terms = t.term_tests(
        docs,
        base_weeks,
        min_docs=cfg.term_min_docs,
        min_units=cfg.term_min_units,
        min_ratio=cfg.term_min_ratio,
    )
    threshold = bh_threshold(
        np.concatenate([cell_p, np.array([x.p_value for x in term_tests])]), m_cells + m_terms, cfg.fdr
    )
    flagged = [
        Cell(int(u), int(k), int(current[u, k]), int(baseline_sum[u, k]), float(p))
        for u, k, p in zip(units_idx, cats_idx, cell_p, strict=True)
        if p <= threshold
    ]
    cells = _deepest(flagged, tree, weeks, cfg, threshold)
    raised = [_unit_warning(c, counts, tree, categories, labels, window, cfg) for c in cells]
    for topic in t.topics_group(docs, [x for x in term_tests if x.p_value <= threshold]):
        found = _topic_warning(topic, docs, tree, window, cfg)
        if found is not None:
            raised.append(found)
    t.weeks_forget(before=window.week_start - dt.timedelta(weeks=cfg.baseline_weeks + 4))
    return _raise_all(raised, moment, cfg)


# --- warnings -------------------------------------------------------------------------------------------

Raise = dict[str, Any]


def _week_rows(window: Window, series: list[int]) -> list[dict[str, Any]]:
    weeks = [*window.baseline, window.week_start]
    return [{"week": iso_week(w), "count": int(n)} for w, n in zip(weeks, series, strict=True)]


def _examples(q: Q, window: Window, limit: int) -> list[int]:
    return list(
        Appeal.objects.filter(q, received_at__gte=window.start, received_at__lt=window.end)
        .order_by("-received_at", "-pk")
        .values_list("pk", flat=True)[:limit]
    )


def _in_subtree(path: str) -> Q:
    return Q(submitter__unit__path__startswith=path) | Q(submitter__isnull=True, unit__path__startswith=path)


def _unit_warning(
    cell: Cell,
    counts: np.ndarray,
    tree: Tree,
    categories: list[str],
    labels: dict[str, str],
    window: Window,
    cfg: TrendConfig,
) -> Raise:
    weeks = len(window.baseline)
    code = categories[cell.category]
    unit_id = int(tree.ids[cell.unit])
    mean = cell.baseline / weeks
    children = np.nonzero(tree.parent == cell.unit)[0]
    contributing: list[dict[str, Any]] = sorted(
        (
            {
                "unit_id": int(tree.ids[c]),
                "name": tree.names[c],
                "count": int(counts[c, cell.category, -1]),
                "baseline_mean": round(float(counts[c, cell.category, :-1].sum()) / weeks, 2),
            }
            for c in children
            if counts[c, cell.category, -1] > 0
        ),
        key=_by_count,
    )
    direct = cell.current - sum(row["count"] for row in contributing)
    category_q = Q(category_id=code) | Q(category__isnull=True, suggested_category=code)
    level = WarningLevel.ORANGE if cell.current - mean >= cfg.orange_excess else WarningLevel.YELLOW
    name = tree.names[cell.unit]
    return {
        "level": level,
        "rule": "trend_count",
        "target_kind": TargetKind.UNIT,
        "unit_id": unit_id,
        "category": code,
        "topic": "",
        "count": cell.current,
        "title": _(
            "%(unit)s「%(category)s」类诉求明显增多："
            "%(period)s %(count)d 件，此前 %(weeks)d 周平均 %(mean)s 件"
        )
        % {
            "unit": name,
            "category": labels.get(code, code),
            "period": window.words,
            "count": cell.current,
            "weeks": weeks,
            "mean": count_words(mean),
        },
        "dedupe_key": f"trend:{unit_id}:{code}:{window.label}",
        "evidence": {
            "kind": "unit",
            "unit": {"unit_id": unit_id, "name": name},
            "category": code,
            "count": cell.current,
            "weeks": _week_rows(window, counts[cell.unit, cell.category].tolist()),
            "baseline_mean": round(mean, 2),
            "p_value": cell.p_value,
            "units": contributing[: cfg.evidence_units],
            "direct_count": direct,
            "appeal_ids": _examples(_in_subtree(tree.paths[cell.unit]) & category_q, window, cfg.examples),
            **_span(window),
        },
    }


def _by_count(row: dict[str, Any]) -> tuple[int, str]:
    return -int(row["count"]), str(row["name"])


def _span(window: Window) -> dict[str, Any]:
    return {
        "span": {
            "start": window.start.isoformat(),
            "end": window.end.isoformat(),
            "full_week": window.full_week,
        }
    }


def _common_path(paths: list[str]) -> str:
    first, last = min(paths), max(paths)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[: n - n % STEP]


def _topic_warning(
    topic: t.Topic,
    docs: t.CurrentDocs,
    tree: Tree,
    window: Window,
    cfg: TrendConfig,
) -> Raise | None:
    lead = topic.tests[0]
    per_unit: dict[int, int] = {}
    for i in topic.doc_index:
        loc = int(docs.units[i])
        per_unit[loc] = per_unit.get(loc, 0) + 1
    known = [u for u in per_unit if u in tree.index]
    if not known:
        return None
    root_path = (
        _common_path([tree.paths[tree.index[u]] for u in known]) or tree.paths[tree.index[known[0]]][:STEP]
    )
    root = tree.by_path.get(root_path)
    if root is None:
        return None
    cats: dict[str, int] = {}
    for i in topic.doc_index:
        cat = docs.categories[i]
        if cat:
            cats[cat] = cats.get(cat, 0) + 1
    main = max(cats.items(), key=lambda kv: (kv[1], kv[0]))[0] if cats else ""
    count = len(topic.doc_index)
    words = [x.term for x in topic.tests[:3]]
    big = count >= cfg.term_orange_docs or len(per_unit) >= cfg.term_orange_units
    series = [*lead.baseline, lead.count]
    contributing: list[dict[str, Any]] = sorted(
        (
            {"unit_id": u, "name": tree.names[tree.index[u]], "count": n}
            for u, n in per_unit.items()
            if u in tree.index
        ),
        key=_by_count,
    )
    return {
        "level": WarningLevel.ORANGE if big else WarningLevel.YELLOW,
        "rule": "trend_term",
        "target_kind": TargetKind.TOPIC,
        "unit_id": int(tree.ids[root]),
        "category": main if cats.get(main, 0) * 2 > count else "",
        "topic": "、".join(words),
        "count": count,
        "title": _("新出现的议题「%(terms)s」：%(period)s %(count)d 件诉求，涉及 %(units)d 个单位")
        % {"terms": "、".join(words), "period": window.words, "count": count, "units": len(per_unit)},
        "dedupe_key": f"trend:term:{lead.term}:{window.label}",
        "evidence": {
            "kind": "term",
            "term": lead.term,
            "terms": [
                {"term": x.term, "count": x.count, "units": x.units, "p_value": x.p_value}
                for x in topic.tests
            ],
            "count": count,
            "weeks": _week_rows(window, series),
            "baseline_mean": round(sum(lead.baseline) / max(len(lead.baseline), 1), 2),
            "expected": round(lead.expected, 2),
            "p_value": lead.p_value,
            "units": contributing[: cfg.evidence_units],
            "unit_count": len(per_unit),
            "category_counts": cats,
            "appeal_ids": [docs.ids[i] for i in sorted(topic.doc_index)[: cfg.examples]],
            **_span(window),
        },
    }


def _raise_all(raised: list[Raise], moment: dt.datetime, cfg: TrendConfig) -> list[Warning]:
    keys = [r["dedupe_key"] for r in raised]
    previous = Warning.objects.filter(dedupe_key__in=keys).only("pk", "dedupe_key", "status", "evidence")
    open_by_key = {w.dedupe_key: w for w in previous if w.status in OPEN_WARNING_STATES}
    closed_count: dict[str, int] = {}
    for w in previous:
        if w.status == WarningStatus.CLOSED:
            n = int((w.evidence or {}).get("count", 0))
            closed_count[w.dedupe_key] = max(closed_count.get(w.dedupe_key, 0), n)
    units = Unit.objects.in_bulk([r["unit_id"] for r in raised])
    out: list[Warning] = []
    for r in raised:
        key = r["dedupe_key"]
        existing = open_by_key.get(key)
        if existing is not None and (existing.evidence or {}).get("count") == r["count"]:
            out.append(existing)  # the same finding as the last run: nothing to add
            continue
        if existing is None and key in closed_count and r["count"] < closed_count[key] + cfg.min_count:
            continue  # closed this week by a person, and not grown since
        warning, _new = warning_raise(
            level=r["level"],
            source=WarningSource.TREND,
            rule=r["rule"],
            target_kind=r["target_kind"],
            unit=units[r["unit_id"]],
            title=r["title"],
            dedupe_key=key,
            topic=r["topic"],
            category=r["category"],
            evidence=r["evidence"],
            now=moment,
        )
        out.append(warning)
    return out
