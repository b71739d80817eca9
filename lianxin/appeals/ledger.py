"""台账: the supervisors' ledger of appeals — its filters, the .xlsx export with the columns enterprises use,
and the per-unit indicators (response, on-time closure, satisfaction and reopen rates)."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import connection
from django.db.models import CharField, Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Substr, TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from lianxin.appeals.codes import SATISFIED_RATINGS, Channel, EventKind, Grade, Rating, State
from lianxin.appeals.models import Appeal, AppealEvent, BoardItem, BoardStatus, Category
from lianxin.appeals.presenters import submitter_label_of
from lianxin.audit.models import EventKind as AuditKind
from lianxin.audit.services import data_read_record
from lianxin.org.export import neutralise, unit_labels
from lianxin.org.models import SENSITIVE_ROLES, Unit
from lianxin.org.scope import UserLike, scope_paths

logger = logging.getLogger("lianxin.appeals.ledger")

PAGE_SIZE = 50
COUNT_CAP = 1000
MAX_PAGE = 200
CHUNK = 2000
MAX_CELL = 32000  # Excel refuses cells over 32,767 characters
OPEN_STATES = [State.RECEIVED, State.ACCEPTED, State.IN_PROGRESS]
_TRUE = {"1", "true", "on", "yes"}


# --- scope and filters ---------------------------------------------------------------------------


def supervised_paths(user: UserLike) -> list[str]:
    return scope_paths(user, SENSITIVE_ROLES)


def may_use_ledger(user: UserLike) -> bool:
    return bool(supervised_paths(user))


# Past this many units holding appeals, a subtree is filtered by a join on the unit path.
SUBTREE_ID_LIMIT = 20_000

# The distinct units that hold appeals, found by one index probe per unit (a loose index scan), then
# narrowed to the subtree. Appeals gather on few units (branches, the company level), so this is a
# handful of probes however many units the subtree has.
_UNITS_HOLDING_APPEALS = """
WITH RECURSIVE held(unit_id) AS (
    (SELECT unit_id FROM appeals_appeal ORDER BY unit_id LIMIT 1)
    UNION ALL
    SELECT (SELECT a.unit_id FROM appeals_appeal a WHERE a.unit_id > held.unit_id ORDER BY a.unit_id LIMIT 1)
    FROM held WHERE held.unit_id IS NOT NULL
)
SELECT u.id FROM held JOIN org_unit u ON u.id = held.unit_id WHERE u.path LIKE %s
LIMIT %s
"""


def subtree_q(unit_path: str) -> Q:
    """Appeals whose unit lies under the path.

    On PostgreSQL a branch's subtree is sent as the ids of its units that hold appeals: the planner then
    reads from the statistics how many appeals those are. Written as a join on the path, it cannot, and
    for a branch with few appeals it walks the whole received_at index looking for them (1.9 s against
    under 10 ms at 1,000,000 appeals). The whole tree (a root) needs no list: every appeal is under it.
    """
    if connection.vendor != "postgresql" or len(unit_path) <= Unit.steplen:
        return Q(unit__path__startswith=unit_path)
    with connection.cursor() as cursor:
        cursor.execute(_UNITS_HOLDING_APPEALS, [unit_path + "%", SUBTREE_ID_LIMIT + 1])
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) > SUBTREE_ID_LIMIT:
        return Q(unit__path__startswith=unit_path)
    return Q(unit_id__in=ids)


def ledger_base(user: UserLike) -> QuerySet[Appeal]:
    """appeals_visible_to narrowed to the appeals the user supervises (secretary and above): the ledger
    is a supervisor's document, so a handler's own or co-handled appeals elsewhere do not belong in it."""
    paths = supervised_paths(user)
    if not paths:
        return Appeal.objects.none()
    where = Q()
    for path in paths:
        where |= subtree_q(path)
    return Appeal.objects.filter(where)


@dataclass
class LedgerFilter:
    unit: Unit | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    category: str = ""
    grade: str = ""
    state: str = ""
    overdue: bool = False
    errors: list[str] = field(default_factory=list)

    def as_params(self) -> dict[str, str]:
        """The filter as GET parameters, to hand to a background export."""
        params = {
            "unit": str(self.unit.pk) if self.unit else "",
            "start": self.start.isoformat() if self.start else "",
            "end": self.end.isoformat() if self.end else "",
            "category": self.category,
            "grade": self.grade,
            "state": self.state,
            "overdue": "1" if self.overdue else "",
        }
        return {k: v for k, v in params.items() if v}


def _param(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    return value.strip() if isinstance(value, str) else ""


def _date(raw: str, label: str, errors: list[str]) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors.append(_("%(label)s日期格式不正确，应为 2026-03-01。") % {"label": label})
        return None


def ledger_unit(user: UserLike, raw: str) -> Unit | None:
    """?unit= within the supervised scope (404 otherwise)."""
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404("unit")
    unit: Unit | None = Unit.objects.filter(pk=int(raw)).select_related("kind").first()
    if unit is None or not any(unit.path.startswith(p) for p in supervised_paths(user)):
        raise Http404("unit")
    return unit


def parse_filter(user: UserLike, params: Mapping[str, str]) -> LedgerFilter:
    """Read the ledger's GET parameters; a bad value is reported in `errors` and not applied."""
    errors: list[str] = []
    result = LedgerFilter(unit=ledger_unit(user, _param(params, "unit")), errors=errors)
    result.start = _date(_param(params, "start"), _("起始"), errors)
    result.end = _date(_param(params, "end"), _("截止"), errors)
    if result.start and result.end and result.start > result.end:
        errors.append(_("起始日期不能晚于截止日期。"))
        result.start = result.end = None
    checks: list[tuple[str, Callable[[str], bool], str]] = [
        ("category", lambda v: Category.objects.filter(code=v).exists(), _("未知的类别。")),
        ("grade", lambda v: v in Grade.values, _("未知的等级。")),
        ("state", lambda v: v in State.values, _("未知的状态。")),
    ]
    for name, valid, message in checks:
        value = _param(params, name)
        if value and not valid(value):
            errors.append(message)
        elif value:
            setattr(result, name, value)
    result.overdue = _param(params, "overdue").lower() in _TRUE
    return result


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def filter_ledger(user: UserLike, flt: LedgerFilter, *, now: dt.datetime | None = None) -> QuerySet[Appeal]:
    """The ledger's appeals, newest first."""
    if flt.unit is not None:
        # Everything under a supervised unit is supervised, so the scope's OR-filter would only repeat it.
        appeals: QuerySet[Appeal] = Appeal.objects.filter(subtree_q(flt.unit.path))
    else:
        appeals = ledger_base(user)
    if flt.start:
        appeals = appeals.filter(received_at__gte=local_midnight(flt.start))
    if flt.end:
        appeals = appeals.filter(received_at__lt=local_midnight(flt.end + dt.timedelta(days=1)))
    if flt.category:
        appeals = appeals.filter(category_id=flt.category)
    if flt.grade:
        appeals = appeals.filter(grade=flt.grade)
    if flt.state:
        appeals = appeals.filter(state=flt.state)
    if flt.overdue:
        appeals = appeals.filter(state__in=OPEN_STATES, closure_due__lt=now or timezone.now())
    return appeals.order_by("-received_at", "-pk")


# The handler's name from their file, else their login name.
_HANDLER_NAME = Coalesce(F("handler__person__name"), F("handler__username"), Value(""))


def count_capped(appeals: QuerySet[Appeal], cap: int = COUNT_CAP) -> int:
    """At most cap + 1: an exact COUNT over a million rows costs more than the page (as for people)."""
    return appeals.order_by()[: cap + 1].count()


@dataclass
class LedgerPage:
    rows: list[Appeal]
    number: int
    has_next: bool
    first: int
    last: int
    total: int
    total_capped: bool


def ledger_page(appeals: QuerySet[Appeal], number: int) -> LedgerPage:
    """One page, one row more to know whether another follows; a capped count only when needed."""
    number = min(max(number, 1), MAX_PAGE)
    offset = (number - 1) * PAGE_SIZE
    rows: list[Appeal] = list(
        appeals.select_related("unit", "category")
        .defer("text", "measure", "receipt_hash", "unit__party_name")
        .annotate(text_head=Substr("text", 1, 60), handler_name=_HANDLER_NAME)[
            offset : offset + PAGE_SIZE + 1
        ]
    )
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if (rows or number == 1) and not more:  # the last page knows the exact total
        total, capped = offset + len(rows), False
    else:
        total = count_capped(appeals)
        total, capped = min(total, COUNT_CAP), total > COUNT_CAP
    return LedgerPage(
        rows=rows,
        number=number,
        has_next=more and number < MAX_PAGE,
        first=offset + 1 if rows else 0,
        last=offset + len(rows),
        total=total,
        total_capped=capped,
    )


# --- export --------------------------------------------------------------------------------------


def export_headers() -> list[str]:
    return [
        _("序号"),
        _("编号"),
        _("受理日期"),
        _("渠道"),
        _("诉求人"),
        _("部门"),
        _("类别"),
        _("等级"),
        _("诉求内容"),
        _("责任人"),
        _("措施"),
        _("时限"),
        _("办理过程"),
        _("答复内容及日期"),
        _("是否办结"),
        _("回访满意度"),
        _("是否公示"),
    ]


_EXPORT_FIELDS = (
    "pk",
    "number",
    "received_day",
    "channel",
    "is_anonymous",
    "submitter_name",
    "unit_id",
    "category__label",
    "grade",
    "text",
    "handler_name",
    "measure",
    "due_day",
    "state",
    "rating",
    "on_board",
)


def _export_queryset(appeals: QuerySet[Appeal]) -> QuerySet[Any]:
    published = BoardItem.objects.filter(
        appeal_id=OuterRef("pk"), approved=True, board__status=BoardStatus.PUBLISHED
    )
    return appeals.annotate(
        # Local days from the database: cheaper than converting aware datetimes row by row.
        received_day=TruncDate("received_at"),
        due_day=TruncDate("closure_due"),
        submitter_name=F("submitter__name"),
        handler_name=_HANDLER_NAME,
        on_board=Exists(published),
    ).values_list(*_EXPORT_FIELDS)


def _events_of(ids: list[int]) -> dict[int, list[tuple[str, str, str]]]:
    """Every event of a chunk of appeals in one query, internal notes included (the ledger is internal).
    The database gives the local day as text: converting 100,000s of aware datetimes in Python costs more
    than the query."""
    events: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    rows = (
        AppealEvent.objects.filter(appeal_id__in=ids)
        .annotate(day=Cast(TruncDate("at"), CharField()))
        .order_by("appeal_id", "at", "pk")
        .values_list("appeal_id", "day", "kind", "text")
    )
    for appeal_id, day, kind, text in rows:
        events[appeal_id].append((day, kind, text))
    return events


def _process(events: list[tuple[str, str, str]], kinds: dict[str, str]) -> tuple[str, str]:
    """(办理过程, 答复内容及日期) from an appeal's events."""
    lines: list[str] = []
    reply = ""
    for day, kind, text in events:
        label = kinds.get(kind, kind)
        lines.append(f"{day} {label}：{text}" if text else f"{day} {label}")
        if kind == EventKind.REPLIED:
            reply = f"{text}（{day}）"
    return "\n".join(lines)[:MAX_CELL], reply[:MAX_CELL]


def ledger_rows(appeals: QuerySet[Appeal]) -> Iterator[list[Any]]:
    """The export's rows in the ledger's order; events, unit labels and board flags come per chunk of
    appeals (one events query per chunk), never per appeal."""
    channels = {k: str(v) for k, v in Channel.choices}
    grades = {k: str(v) for k, v in Grade.choices}
    ratings = {k: str(v) for k, v in Rating.choices}
    kinds = {k: str(v) for k, v in EventKind.choices}
    yes, no = _("是"), _("否")
    labels: dict[int, str] = {}
    chunk: list[tuple[Any, ...]] = []
    serial = 0

    def flush() -> Iterator[list[Any]]:
        nonlocal serial
        if not chunk:
            return
        labels.update(unit_labels({r[6] for r in chunk} - labels.keys()))
        events = _events_of([r[0] for r in chunk])
        for (
            pk,
            number,
            received,
            channel,
            is_anon,
            person,
            unit_id,
            category,
            grade,
            text,
            handler,
            measure,
            due,
            state,
            rating,
            on_board,
        ) in chunk:
            serial += 1
            process, reply = _process(events.get(pk, []), kinds)
            yield [
                serial,
                number,
                received,
                channels.get(channel, channel),
                submitter_label_of(is_anon, person) or "",
                labels.get(unit_id, ""),
                category or "",
                grades.get(grade, grade),
                text,
                handler,
                measure,
                due,
                process,
                reply,
                yes if state == State.CLOSED else no,
                ratings.get(rating, rating),
                yes if on_board else no,
            ]
        chunk.clear()

    for row in _export_queryset(appeals).iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield from flush()
    yield from flush()


def write_ledger_xlsx(
    appeals: QuerySet[Appeal], out: IO[bytes], *, progress: Callable[[int], None] | None = None
) -> int:
    """Write the ledger as .xlsx (write-only: memory stays flat); returns the number of rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("诉求台账"))
    for column, width in (("B", 20), ("F", 24), ("I", 40), ("M", 50), ("N", 30)):
        sheet.column_dimensions[column].width = width
    sheet.append(export_headers())
    count = 0
    for row in ledger_rows(appeals):
        # Plain values: openpyxl gives a date the yyyy-mm-dd format by itself, and a cell object per
        # date would cost a third of the export's time.
        sheet.append([neutralise(value) if isinstance(value, str) else value for value in row])
        count += 1
        if progress is not None and count % CHUNK == 0:
            progress(count)
    workbook.save(out)
    return count


def export_ledger_bytes(appeals: QuerySet[Appeal]) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    rows = write_ledger_xlsx(appeals, buffer)
    return buffer.getvalue(), rows


def log_export(
    *, user: UserLike, rows: int, background: bool, flt: LedgerFilter | None = None, ip: str | None = None
) -> None:
    """The record of who exported how much, in the audit events: never the content, only the filter's
    codes."""
    data_read_record(
        kind=AuditKind.EXPORT,
        actor=user,
        what="appeals-ledger.xlsx",
        rows=rows,
        filters={**(flt.as_params() if flt else {}), "background": background},
        ip=ip,
    )
    logger.info(
        "ledger export user_id=%s rows=%d background=%s filter=%s",
        getattr(user, "pk", None),
        rows,
        background,
        flt.as_params() if flt else {},
    )


# --- indicators ----------------------------------------------------------------------------------


@dataclass
class Indicators:
    """One unit's rates, each a percentage or None when nothing counts towards it."""

    unit: Unit | None
    label: str
    total: int = 0
    response_due: int = 0
    responded: int = 0
    closure_due: int = 0
    closed_on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    reopened: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100.0 * part / whole, 1) if whole else None

    @property
    def response_rate(self) -> float | None:
        return self._rate(self.responded, self.response_due)

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.closed_on_time, self.closure_due)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.rated)

    @property
    def reopen_rate(self) -> float | None:
        return self._rate(self.reopened, self.total)

    def add(self, other: Indicators) -> None:
        for name in (
            "total",
            "response_due",
            "responded",
            "closure_due",
            "closed_on_time",
            "rated",
            "satisfied",
            "reopened",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _indicator_counts(now: dt.datetime) -> dict[str, Count]:
    """Conditional counts. A deadline counts once it has passed or been met: an appeal still inside its
    time limit is neither on time nor late yet."""
    response_counted = Q(response_due__isnull=False) & (
        Q(first_response_at__isnull=False) | Q(response_due__lt=now)
    )
    closure_counted = Q(closure_due__isnull=False) & (Q(answered_at__isnull=False) | Q(closure_due__lt=now))
    counts = {
        "total": Count("pk"),
        "response_due": Count("pk", filter=response_counted),
        "responded": Count("pk", filter=Q(first_response_at__lte=F("response_due"))),
        "closure_due": Count("pk", filter=closure_counted),
        "closed_on_time": Count("pk", filter=Q(answered_at__lte=F("closure_due"))),
        "rated": Count("pk", filter=~Q(rating="")),
        "satisfied": Count("pk", filter=Q(rating__in=list(SATISFIED_RATINGS))),
        "reopened": Count("pk", filter=Q(reopen_count__gt=0)),
    }
    # Prefixed: an annotation may not share a name with a field (response_due, closure_due).
    return {f"n_{name}": count for name, count in counts.items()}


def unit_indicators(
    unit: Unit, start: dt.datetime, end: dt.datetime, *, now: dt.datetime | None = None
) -> tuple[Indicators, list[Indicators]]:
    """(the unit's own totals, one row per child unit plus one for appeals at the unit itself) for appeals
    received in [start, end), merged duplicates left out. Two queries: the children, and one aggregate
    grouped by the child's path prefix."""
    moment = now or timezone.now()
    children = list(
        Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1)
        .only("pk", "name", "path")
        .order_by("path")
    )
    width = (unit.depth + 1) * Unit.steplen
    grouped = (
        Appeal.objects.filter(unit__path__startswith=unit.path, received_at__gte=start, received_at__lt=end)
        .exclude(state=State.MERGED)
        .annotate(prefix=Substr("unit__path", 1, width))
        .values("prefix")
        .annotate(**_indicator_counts(moment))
        .order_by()
    )
    by_prefix = {
        row.pop("prefix"): {name.removeprefix("n_"): value for name, value in row.items()} for row in grouped
    }
    rows: list[Indicators] = []
    own = by_prefix.get(unit.path)
    if own:
        rows.append(Indicators(unit, _("本级"), **own))
    for child in children:
        rows.append(Indicators(child, child.name, **by_prefix.get(child.path, {})))
    total = Indicators(unit, unit.name)
    for row in rows:
        total.add(row)
    return total, rows
