"""The month's figures of a report, computed set-based for several units at once.

Every figure is an aggregate over a unit's subtree (by unit path): no row of a person, an appeal's words
or a name ever leaves the database here. Units are grouped by the length of their path, and for each
length one grouped query per source counts the rows of every unit of that length together (`GROUP BY` the
path prefix), so drafting all branches and the enterprise costs two passes over the month's rows, not one
per branch.

Definitions (the month is [first day, first day of the next month) in local time):
- people: people in the subtree who have not left (the stored UnitCount rows);
- contacted: distinct people talked to or visited in the month while in the subtree (each link keeps the
  person's unit on the day: a person who moved later still counts where they were); talks and visits:
  distinct records of the month with at least one such link, by kind (TALK_KINDS, VISIT_KINDS);
- appeals: appeals received in the month whose unit lies in the subtree, merged duplicates excluded, by
  category, grade and state at drafting time;
- on time: of the appeals whose closure deadline fell in the month, those answered by it (as the board);
- satisfaction: of the ratings and return visits recorded in the month, 非常满意/满意/基本满意;
- warnings: opened in the month, by level and source; open now, by level; trend warnings of the month;
- required talks and visits (必谈必访): due items whose due date fell in the month, done by their deadline;
- key people and care plans: open at the end of the month (counts only); 三违 cases dated in the month.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from os.path import commonprefix
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from lianxin.appeals.codes import SATISFIED_RATINGS, EventKind, State
from lianxin.appeals.models import Appeal, AppealEvent
from lianxin.care.codes import ContactKind
from lianxin.care.models import CarePlan, ContactPerson, DueItem, KeyPersonFlag, ViolationCase
from lianxin.insight.codes import OPEN_WARNING_STATES, WarningSource
from lianxin.insight.models import Warning
from lianxin.org.counts import subtree_counts

TALK_KINDS = (ContactKind.TALK, ContactKind.GROUP_TALK, ContactKind.PHONE)
VISIT_KINDS = (ContactKind.HOME_VISIT, ContactKind.HOSPITAL_VISIT)
# States of an appeal that has had its answer (办结 counts too).
ANSWERED_STATES = (State.ANSWERED, State.RATED, State.CLOSED)
OPEN_STATES = (State.RECEIVED, State.ACCEPTED, State.IN_PROGRESS)
# Memory for sorts and hashes while drafting (a batch job, a few at a time).
BATCH_WORK_MEM = "64MB"
# At most this many trend warnings are cited per report.
TREND_LIMIT = 20
# Evidence keys of a trend warning that a report may cite: numbers only (never example appeals).
# (The trend detector of lianxin.insight.trends writes count, baseline_mean, expected, p_value, unit_count,
# direct_count, and lists of weeks and units, whose lengths are kept.)
EVIDENCE_NUMBERS = (
    "count",
    "baseline_mean",
    "baseline",
    "expected",
    "p_value",
    "unit_count",
    "direct_count",
    "weeks",
    "units",
)
EVIDENCE_LISTS = ("weeks", "units")


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month as [start, end) in local time, aware."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(first, dt.time.min, tzinfo=tz), dt.datetime.combine(
        following, dt.time.min, tzinfo=tz
    )


def previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def empty_figures() -> dict[str, Any]:
    return {
        "people": 0,
        "contacted": 0,
        "talks": 0,
        "visits": 0,
        "contact_links": 0,
        "appeals": 0,
        "by_category": {},
        "by_grade": {},
        "answered": 0,
        "open": 0,
        "prev_appeals": 0,
        "prev_by_category": {},
        "due": 0,
        "on_time": 0,
        "on_time_rate": None,
        "rated": 0,
        "satisfied": 0,
        "satisfaction_rate": None,
        "warnings": 0,
        "warnings_by_level": {},
        "warnings_by_source": {},
        "open_warnings": 0,
        "open_warnings_by_level": {},
        "trends": [],
        "must_due": 0,
        "must_done_on_time": 0,
        "must_open": 0,
        "key_people": 0,
        "key_people_new": 0,
        "care_plans": 0,
        "violations": 0,
    }


def _grouped(qs: QuerySet[Any], path_field: str, length: int, *fields: str) -> QuerySet[Any]:
    grouped: QuerySet[Any] = qs.annotate(prefix=Substr(path_field, 1, length)).values("prefix", *fields)
    return grouped.order_by()


def _add(bucket: dict[str, int], key: str | None, n: int) -> None:
    name = key or ""
    bucket[name] = bucket.get(name, 0) + n


def _numbers(evidence: Any) -> dict[str, float | int]:
    """The numeric facts of a trend's evidence; anything else (texts, example appeals) is left out."""
    if not isinstance(evidence, dict):
        return {}
    out: dict[str, float | int] = {}
    for key in EVIDENCE_NUMBERS:
        value = evidence.get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            out[key] = round(value, 2) if isinstance(value, float) else value
        elif isinstance(value, list | dict) and key in EVIDENCE_LISTS:
            out[key] = len(value)
    return out


def _pass(group: list[str], length: int, month: dt.date, result: dict[str, dict[str, Any]]) -> None:
    """One grouped query per source for the units whose paths in `group` all have `length` characters."""
    narrow = commonprefix(group)
    wanted = set(group)
    start, end = month_bounds(month)
    prev_start, _prev_end = month_bounds(previous_month(month))
    first, last = start.date(), end.date() - dt.timedelta(days=1)

    def rows(qs: QuerySet[Any], path_field: str, *fields: str, **aggregates: Any) -> Iterable[dict[str, Any]]:
        scoped = qs.filter(**{f"{path_field}__startswith": narrow})
        if len(group) == 1:
            # One unit: a plain aggregate, with no sort or hash by path prefix.
            if not fields:
                yield {**scoped.aggregate(**aggregates), "prefix": narrow}
                return
            for row in scoped.values(*fields).order_by().annotate(**aggregates):
                yield {**row, "prefix": narrow}
            return
        for row in _grouped(scoped, path_field, length, *fields).annotate(**aggregates):
            if row["prefix"] in wanted:
                yield row

    # Placed by the unit stored on each link (the person's unit on the day of the talk): the month's links
    # of a path range on the (unit, date) index, without joining the person table.
    # The same range on the records (a link's date is its record's) lets their date index serve the join
    # when the records of years are stored, instead of reading them all.
    contacts = ContactPerson.objects.filter(
        date__gte=first, date__lte=last, record__date__gte=first, record__date__lte=last
    )
    for row in rows(
        contacts,
        "unit__path",
        contacted=Count("person_id", distinct=True),
        talks=Count("record_id", distinct=True, filter=Q(record__kind__in=TALK_KINDS)),
        visits=Count("record_id", distinct=True, filter=Q(record__kind__in=VISIT_KINDS)),
        links=Count("pk"),
    ):
        figures = result[row["prefix"]]
        figures["contacted"], figures["talks"], figures["visits"] = (
            row["contacted"],
            row["talks"],
            row["visits"],
        )
        figures["contact_links"] = row["links"]

    appeals = Appeal.objects.exclude(state=State.MERGED)
    received = appeals.filter(received_at__gte=start, received_at__lt=end)
    for row in rows(received, "unit__path", "category_id", "grade", "state", n=Count("pk")):
        figures = result[row["prefix"]]
        n = row["n"]
        figures["appeals"] += n
        _add(figures["by_category"], row["category_id"], n)
        _add(figures["by_grade"], row["grade"], n)
        if row["state"] in ANSWERED_STATES:
            figures["answered"] += n
        elif row["state"] in OPEN_STATES:
            figures["open"] += n

    before = appeals.filter(received_at__gte=prev_start, received_at__lt=start)
    for row in rows(before, "unit__path", "category_id", n=Count("pk")):
        figures = result[row["prefix"]]
        figures["prev_appeals"] += row["n"]
        _add(figures["prev_by_category"], row["category_id"], row["n"])

    due = appeals.filter(closure_due__gte=start, closure_due__lt=end)
    for row in rows(
        due, "unit__path", due=Count("pk"), on_time=Count("pk", filter=Q(answered_at__lte=F("closure_due")))
    ):
        figures = result[row["prefix"]]
        figures["due"], figures["on_time"] = row["due"], row["on_time"]

    ratings = AppealEvent.objects.filter(
        kind__in=[EventKind.RATED, EventKind.RETURN_VISIT], at__gte=start, at__lt=end
    )
    for row in rows(
        ratings,
        "appeal__unit__path",
        rated=Count("pk"),
        satisfied=Count("pk", filter=Q(data__rating__in=list(SATISFIED_RATINGS))),
    ):
        figures = result[row["prefix"]]
        figures["rated"], figures["satisfied"] = row["rated"], row["satisfied"]

    opened = Warning.objects.filter(opened_at__gte=start, opened_at__lt=end)
    for row in rows(opened, "unit__path", "level", "source", n=Count("pk")):
        figures = result[row["prefix"]]
        figures["warnings"] += row["n"]
        _add(figures["warnings_by_level"], row["level"], row["n"])
        _add(figures["warnings_by_source"], row["source"], row["n"])

    still_open = Warning.objects.filter(status__in=OPEN_WARNING_STATES, opened_at__lt=end)
    for row in rows(still_open, "unit__path", "level", n=Count("pk")):
        figures = result[row["prefix"]]
        figures["open_warnings"] += row["n"]
        _add(figures["open_warnings_by_level"], row["level"], row["n"])

    trends = (
        opened.filter(source=WarningSource.TREND, unit__path__startswith=narrow)
        .order_by("-opened_at", "-pk")
        .values_list("unit__path", "unit__name", "level", "category", "rule", "evidence")
    )
    for path, unit_name, level, category, rule, evidence in trends[: TREND_LIMIT * 10]:
        target = result.get(path[:length]) if path[:length] in wanted else None
        if target is not None and len(target["trends"]) < TREND_LIMIT:
            target["trends"].append(
                {
                    "unit": unit_name,
                    "level": level,
                    "category": category or "",
                    "rule": rule,
                    "evidence": _numbers(evidence),
                }
            )

    items = DueItem.objects.filter(due_date__gte=first, due_date__lte=last)
    for row in rows(
        items,
        "unit__path",
        due=Count("pk"),
        on_time=Count("pk", filter=Q(done_at__lte=F("due_at"))),
        still_open=Count("pk", filter=Q(done_at__isnull=True)),
    ):
        figures = result[row["prefix"]]
        figures["must_due"], figures["must_done_on_time"] = row["due"], row["on_time"]
        figures["must_open"] = row["still_open"]

    open_at_end = Q(opened_at__lt=end) & (Q(closed_at__isnull=True) | Q(closed_at__gte=end))
    flags = KeyPersonFlag.objects.filter(open_at_end)
    for row in rows(
        flags,
        "person__unit__path",
        n=Count("person_id", distinct=True),
        new=Count("person_id", distinct=True, filter=Q(opened_at__gte=start)),
    ):
        figures = result[row["prefix"]]
        figures["key_people"], figures["key_people_new"] = row["n"], row["new"]

    for row in rows(CarePlan.objects.filter(open_at_end), "person__unit__path", n=Count("pk")):
        result[row["prefix"]]["care_plans"] = row["n"]

    cases = ViolationCase.objects.filter(date__gte=first, date__lte=last)
    for row in rows(cases, "person__unit__path", n=Count("pk")):
        result[row["prefix"]]["violations"] = row["n"]


def _batch_memory() -> None:
    """On PostgreSQL, let this transaction's distinct counts and hashes run in memory: the stock 4 MB
    spills a 140,000-row branch to disk. SET LOCAL ends with the transaction."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL work_mem = '{BATCH_WORK_MEM}'")


def month_figures(paths: Iterable[str], month: dt.date) -> dict[str, dict[str, Any]]:
    """The figures of each unit path's subtree for the month (see the module's definitions)."""
    _batch_memory()
    wanted = sorted(set(paths))
    result = {path: empty_figures() for path in wanted}
    by_length: dict[int, list[str]] = defaultdict(list)
    for path in wanted:
        by_length[len(path)].append(path)
    for length, group in sorted(by_length.items()):
        _pass(group, length, month, result)
    for path, (people, _covered) in subtree_counts(wanted).items():
        result[path]["people"] = people
    for figures in result.values():
        figures["on_time_rate"] = rate(figures["on_time"], figures["due"])
        figures["satisfaction_rate"] = rate(figures["satisfied"], figures["rated"])
    return result
