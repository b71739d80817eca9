"""How a warning reads. A secretary or a leader gets a briefing: one sentence with the numbers, a small
chart of the weekly counts against the baseline, the facts in words, category names in Chinese and dates
as a person writes them. The statistical basis (p-values, codes, ISO weeks and time spans) is the party-mass
department's working material and is kept apart, for them only. The page and the API both call
`warning_brief`, so the same person is shown the same thing on either."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals.codes import Grade
from lianxin.appeals.models import Appeal, Category
from lianxin.appeals.scope import appeals_visible_to
from lianxin.insight.access import may_see_statistics
from lianxin.insight.models import Warning
from lianxin.insight.words import count_words, day_words, moment_words, span_words
from lianxin.org.context_processors import url_or_none
from lianxin.org.models import Unit
from lianxin.org.scope import UserLike

# Evidence kept for the machine (and the department): never part of the briefing itself.
MACHINE_ONLY = frozenset({"marker"})
# Evidence shown in its own place on the page, not among the statistical tables.
SHOWN_APART = frozenset({"appeal_ids", "record_id", "plan_id", "words", "note"})
MAX_EXAMPLES = 20


# --- the briefing -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekCount:
    start: dt.date  # the Monday of the week
    iso_week: str
    count: int
    current: bool


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    current: bool
    title: str


@dataclass(frozen=True)
class Chart:
    """A small bar chart drawn by the template as inline SVG (no script: the CSP forbids inline ones)."""

    bars: list[Bar]
    baseline_y: float
    caption: str  # what the dashed line and the dark bar stand for, in words
    ticks: list[tuple[float, str, str]]  # x, text-anchor, label
    current_label: tuple[float, float, str]  # x, y, the count above the current week's bar
    description: str
    width: int = 300
    height: int = 140


@dataclass
class Example:
    appeal: Appeal
    category_label: str
    received: str
    url: str | None  # the appeal's page (every example shown is one the viewer may open)


@dataclass
class Brief:
    sentence: str = ""
    period: str = ""
    chart: Chart | None = None
    facts: list[tuple[str, str]] = field(default_factory=list)
    units: list[tuple[str, int]] = field(default_factory=list)
    category_label: str = ""
    examples: list[Example] = field(default_factory=list)
    hidden_examples: int = 0  # example appeals the viewer may not open: counted, never shown
    weeks: list[WeekCount] = field(default_factory=list)
    baseline_mean: float | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None  # the last day, inclusive
    full_week: bool = True
    statistics: dict[str, Any] | None = None  # the department's 统计依据, None for anyone else

    @property
    def statistics_tables(self) -> list[dict[str, Any]]:
        return statistics_tables(self.statistics or {})


def warning_brief(user: UserLike, warning: Warning, *, today: dt.date | None = None) -> Brief:
    """The briefing of a warning for this viewer (who must already hold it through `warning_for`)."""
    day = today or timezone.localdate()
    evidence = warning.evidence if isinstance(warning.evidence, dict) else {}
    labels = dict(Category.objects.values_list("code", "label"))
    brief = Brief(category_label=labels.get(warning.category, "") if warning.category else "")
    kind = evidence.get("kind")
    if kind in ("unit", "term"):
        _trend(brief, warning, evidence, labels, day)
    elif warning.rule == "key_cadence":
        _cadence(brief, evidence, day)
    elif warning.rule == "repeat_appeals":
        if isinstance(evidence.get("count"), int) and isinstance(evidence.get("days"), int):
            brief.facts.append(
                (
                    _("反映次数"),
                    _("%(days)d 天内 %(n)d 件") % {"days": evidence["days"], "n": evidence["count"]},
                )
            )
    elif warning.rule == "appeal_grade" and evidence.get("grade") in Grade.values:
        brief.facts.append((_("诉求等级"), str(Grade(evidence["grade"]).label)))
    _examples(brief, user, warning, evidence, labels, day)
    if may_see_statistics(user, warning):
        brief.statistics = statistics_fields(evidence)
    return brief


def _examples(
    brief: Brief,
    user: UserLike,
    warning: Warning,
    evidence: dict[str, Any],
    labels: dict[str, str],
    day: dt.date,
) -> None:
    ids = [i for i in evidence.get("appeal_ids", []) if isinstance(i, int)]
    if warning.appeal_id is not None and warning.appeal_id not in ids:
        ids.append(warning.appeal_id)
    # Only those the viewer may open, whatever the evidence lists; the others are only counted.
    visible: QuerySet[Appeal] = appeals_visible_to(user).filter(pk__in=ids)
    rows = list(visible.select_related("category").order_by("-received_at", "-pk")[:MAX_EXAMPLES])
    brief.hidden_examples = len(set(ids)) - visible.count()
    for appeal in rows:
        if appeal.category_id:
            label = appeal.category.label if appeal.category else ""
        elif appeal.suggested_category:
            label = _("%(label)s（待确认）") % {"label": labels.get(appeal.suggested_category, _("未分类"))}
        else:
            label = ""
        received = day_words(timezone.localdate(appeal.received_at), today=day)
        brief.examples.append(Example(appeal, label, received, url_or_none("appeal_detail", appeal.pk)))


def _cadence(brief: Brief, evidence: dict[str, Any], day: dt.date) -> None:
    cadence = evidence.get("cadence_days")
    if isinstance(cadence, int):
        brief.facts.append((_("帮扶周期"), _("每 %(n)d 天至少谈访一次") % {"n": cadence}))
    last = _date(evidence.get("last_contact"))
    brief.facts.append((_("上次谈访"), day_words(last, today=day) if last else _("帮扶以来尚未谈访")))
    due = _date(evidence.get("due_since"))
    if due is not None:
        late = (day - due).days
        text = day_words(due, today=day)
        if late > 0:
            text += _("，已超过 %(n)d 天") % {"n": late}
        brief.facts.append((_("应谈访日期"), text))


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _moment(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _weeks(evidence: dict[str, Any]) -> list[WeekCount]:
    rows = [r for r in evidence.get("weeks") or [] if isinstance(r, dict)]
    weeks: list[WeekCount] = []
    for index, row in enumerate(rows):
        label = str(row.get("week", ""))
        try:
            year, week = label.split("-W")
            start = dt.date.fromisocalendar(int(year), int(week), 1)
        except ValueError:
            return []
        count = row.get("count")
        if not isinstance(count, int):
            return []
        weeks.append(WeekCount(start, label, count, index == len(rows) - 1))
    return weeks


def _when(first: dt.date, last: dt.date, day: dt.date) -> str:
    """本周 / 上周 when the window is the current or the last week, else its days."""
    monday = day - dt.timedelta(days=day.weekday())
    if first >= monday:
        return _("本周")
    if first >= monday - dt.timedelta(days=7) and last < monday:
        return _("上周")
    return span_words(first, last, today=day)


def _week_name(monday: dt.date, day: dt.date, *, whole: bool = False) -> str:
    """本周, 上周, else the week's Monday (11月9日, or 11月9日起的一周 as a whole phrase)."""
    this_monday = day - dt.timedelta(days=day.weekday())
    if monday >= this_monday:
        return _("本周")
    if monday == this_monday - dt.timedelta(days=7):
        return _("上周")
    if whole:
        return _("%(day)s起的一周") % {"day": day_words(monday, today=day)}
    return day_words(monday, today=day)


def _unit_noun(unit_ids: list[int]) -> str:
    """班组 when every unit named is a team, and so on; 单位 when they are of several kinds."""
    kinds = set(
        Unit.objects.filter(pk__in=unit_ids).order_by().values_list("kind__name", flat=True).distinct()
    )
    return kinds.pop() if len(kinds) == 1 else _("单位")


def _trend(
    brief: Brief, warning: Warning, evidence: dict[str, Any], labels: dict[str, str], day: dt.date
) -> None:
    weeks = _weeks(evidence)
    brief.weeks = weeks
    raw_count = evidence.get("count")
    count = raw_count if isinstance(raw_count, int) else (weeks[-1].count if weeks else 0)
    baseline = weeks[:-1]
    if baseline:
        mean = sum(w.count for w in baseline) / len(baseline)
    else:
        raw = evidence.get("baseline_mean")
        mean = float(raw) if isinstance(raw, int | float) else 0.0
    brief.baseline_mean = round(mean, 2)
    raw_span = evidence.get("span")
    span: dict[str, Any] = raw_span if isinstance(raw_span, dict) else {}
    start, end = _moment(span.get("start")), _moment(span.get("end"))
    if start is not None and end is not None and end > start:
        first = timezone.localdate(start)
        last = timezone.localdate(end - dt.timedelta(microseconds=1))
        brief.full_week = bool(span.get("full_week", True))
    elif weeks:
        first, last = weeks[-1].start, weeks[-1].start + dt.timedelta(days=6)
    else:
        first = last = timezone.localdate(warning.opened_at)
    brief.period_start, brief.period_end = first, last
    brief.period = span_words(first, last, today=day)
    if not brief.full_week and end is not None:
        brief.period += _("（截至%(moment)s）") % {"moment": moment_words(end, today=day)}
    when = _when(first, last, day)
    units = [
        u for u in evidence.get("units") or [] if isinstance(u, dict) and isinstance(u.get("count"), int)
    ]
    brief.units = [(str(u.get("name", "")), int(u["count"])) for u in units]
    unit_count = evidence.get("unit_count") if isinstance(evidence.get("unit_count"), int) else len(units)
    noun = (
        _unit_noun([int(u["unit_id"]) for u in units if isinstance(u.get("unit_id"), int)]) if units else ""
    )
    numbers = {
        "when": when,
        "count": count,
        "weeks": len(baseline),
        "mean": count_words(mean),
        "units": unit_count,
        "noun": noun,
    }
    if evidence.get("kind") == "term":
        terms = [
            str(t.get("term")) for t in evidence.get("terms") or [] if isinstance(t, dict) and t.get("term")
        ]
        numbers["terms"] = "」「".join(terms[:3]) or str(evidence.get("term", ""))
        sentence = _("%(when)s %(count)d 件诉求提到「%(terms)s」") % numbers
    else:
        sentence = _("%(when)s %(count)d 件") % numbers
    if baseline:
        if mean > 0:
            sentence += _("，此前 %(weeks)d 周平均 %(mean)s 件") % numbers
        else:
            sentence += _("，此前 %(weeks)d 周没有") % numbers
    if unit_count:
        sentence += _("，涉及 %(units)d 个%(noun)s") % numbers
    brief.sentence = sentence
    brief.facts.append((_("统计周期"), brief.period))
    cats = evidence.get("category_counts")
    if mean > 0 and count:
        brief.facts.append(
            (_("与此前相比"), _("约为此前每周平均的 %(n)s 倍") % {"n": count_words(count / mean)})
        )
    direct = evidence.get("direct_count")
    if isinstance(direct, int) and direct > 0:
        unit_name = warning.unit.name if warning.unit_id else ""
        brief.facts.append(
            (_("其余"), _("%(n)d 件来自%(unit)s本级或匿名提交") % {"n": direct, "unit": unit_name})
        )
    if isinstance(cats, dict) and cats:
        ranked = sorted(((str(k), v) for k, v in cats.items() if isinstance(v, int)), key=lambda kv: -kv[1])
        brief.facts.append(
            (
                _("类别分布"),
                "、".join(
                    _("%(label)s %(n)d 件") % {"label": labels.get(k, _("未分类")), "n": v} for k, v in ranked
                ),
            )
        )
    brief.chart = chart(weeks, mean, day) if weeks else None


# --- the chart --------------------------------------------------------------------------------------------


def chart(weeks: list[WeekCount], mean: float, day: dt.date, *, width: int = 300, height: int = 140) -> Chart:
    """Bars of the weekly counts, the current week marked, and a dashed line at the baseline mean."""
    left, right, top, bottom = 2.0, 2.0, 18.0, 24.0
    plot_h = height - top - bottom
    peak = max([w.count for w in weeks] + [mean, 1.0])
    slot = (width - left - right) / len(weeks)
    bar_w = slot * 0.68
    bars: list[Bar] = []
    for i, week in enumerate(weeks):
        h = plot_h * week.count / peak
        x = left + i * slot + (slot - bar_w) / 2
        title = _("%(day)s起的一周：%(n)d 件") % {"day": day_words(week.start, today=day), "n": week.count}
        bars.append(
            Bar(round(x, 1), round(top + plot_h - h, 1), round(bar_w, 1), round(h, 1), week.current, title)
        )
    baseline_y = round(top + plot_h - plot_h * mean / peak, 1)
    last = bars[-1]
    current = weeks[-1].start
    ticks = [
        (left, "start", day_words(weeks[0].start, today=day)),
        (width - right, "end", _week_name(current, day)),
    ]
    description = _("最近 %(n)d 周每周件数：%(counts)s；此前平均 %(mean)s 件") % {
        "n": len(weeks),
        "counts": "、".join(str(w.count) for w in weeks),
        "mean": count_words(mean),
    }
    return Chart(
        bars=bars,
        baseline_y=baseline_y,
        caption=_("虚线为此前 %(weeks)d 周的平均（%(mean)s 件），深色为%(when)s。")
        % {"weeks": len(weeks) - 1, "mean": count_words(mean), "when": _week_name(current, day, whole=True)},
        ticks=ticks,
        current_label=(
            round(last.x + last.width / 2, 1),
            round(max(last.y - 5, 13), 1),
            str(weeks[-1].count),
        ),
        description=description,
        width=width,
        height=height,
    )


# --- the statistical basis (the department's) ------------------------------------------------------------


def statistics_fields(evidence: dict[str, Any]) -> dict[str, Any]:
    """Everything the detector recorded but the parts shown apart and its own bookkeeping: p-values, codes,
    ISO weeks and spans, as stored."""
    return {k: v for k, v in evidence.items() if k not in SHOWN_APART and k not in MACHINE_ONLY}


def statistics_tables(fields: dict[str, Any]) -> list[dict[str, Any]]:
    """The statistical basis as small tables for the page."""
    tables: list[dict[str, Any]] = []
    scalars: list[tuple[str, Any]] = []
    for key, value in fields.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            columns: list[str] = []
            for item in value:
                columns += [c for c in item if c not in columns]
            body = [[_flat(item.get(c, "")) for c in columns] for item in value[:50]]
            tables.append({"title": key, "columns": columns, "rows": body})
        elif isinstance(value, dict):
            tables.append(
                {"title": key, "columns": [], "rows": [[k, _flat(v)] for k, v in list(value.items())[:50]]}
            )
        else:
            scalars.append((key, _flat(value)))
    if scalars:
        tables.insert(0, {"title": "", "columns": [], "rows": [list(pair) for pair in scalars]})
    return tables


def _flat(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
