"""一月一公开: the monthly public board of a branch or of the enterprise — who may see and edit it, its
statistics, and the rewritten, approved summaries that alone are published."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals.codes import SATISFIED_RATINGS, EventKind, State
from lianxin.appeals.models import Appeal, AppealEvent, Board, BoardItem, BoardStatus, Category
from lianxin.org.models import Role, Unit
from lianxin.org.scope import UserLike, grants_of, own_person_id, scope_paths

MAX_SUMMARY = 500
# Appeals with an answer: the only ones worth a line on the board.
HANDLED_STATES = (State.ANSWERED, State.RATED, State.CLOSED)
CANDIDATE_LIMIT = 200


# --- months --------------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month as [start, end) in local time, aware."""
    first = month_start(month)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(following, dt.time.min, tzinfo=tz),
    )


def parse_month(raw: str) -> dt.date:
    """'2026-03' → 2026-03-01; anything else is a ValidationError with a clear message."""
    try:
        return dt.datetime.strptime((raw or "").strip(), "%Y-%m").date()  # noqa: DTZ007 - a date only
    except ValueError:
        raise ValidationError({"month": _("请选择月份（格式：2026-03）。")}, code="bad_month") from None


# --- who may do what -----------------------------------------------------------------------------


def is_board_unit(unit: Unit) -> bool:
    """Boards exist for the enterprise (a root) and for each branch."""
    return unit.depth == 1 or unit.kind.is_branch


def can_manage_board(user: UserLike, unit: Unit) -> bool:
    """The secretary of the branch itself; the party-mass department for the enterprise and any branch."""
    for grant in grants_of(user):
        if grant.role == Role.SECRETARY and grant.path == unit.path:
            return True
        if grant.role == Role.DEPARTMENT and unit.path.startswith(grant.path):
            return True
    return False


def manageable_units(user: UserLike) -> list[Unit]:
    """The board units the user may draft boards for, the enterprise first."""
    secretary = [g.path for g in grants_of(user) if g.role == Role.SECRETARY]
    department = [g.path for g in grants_of(user) if g.role == Role.DEPARTMENT]
    if not secretary and not department:
        return []
    where = Q(path__in=secretary)
    for path in department:
        where |= Q(path__startswith=path) & (Q(depth=1) | Q(kind__is_branch=True))
    units = Unit.objects.filter(where).select_related("kind").order_by("path")
    return [u for u in units if is_board_unit(u)]


def _reader_paths(user: UserLike) -> tuple[set[str], list[str]]:
    """(exact paths, subtree prefixes) of the units whose published boards the user may read: their own
    branch and their enterprise; staff also every board unit in their scope."""
    exact: set[str] = set()
    prefixes = scope_paths(user)
    me = own_person_id(user)
    if me is not None:
        unit = Unit.objects.filter(people__pk=me).select_related("kind").first()
        if unit is not None:
            from lianxin.appeals.services import branch_of

            exact.add(branch_of(unit).path)
            exact.add(unit.path[: Unit.steplen])
    for path in {g.path for g in grants_of(user)}:
        exact.add(path[: Unit.steplen])  # anyone holding a role belongs to that enterprise
    return exact, prefixes


def boards_visible_to(user: UserLike) -> QuerySet[Board]:
    """Published boards of the user's branch and enterprise (and, for staff, their scope); drafts only for
    those who may manage them."""
    if user is None or not user.is_authenticated:
        return Board.objects.none()
    exact, prefixes = _reader_paths(user)
    readable = Q(unit__path__in=exact)
    for path in prefixes:
        readable |= Q(unit__path__startswith=path)
    where = Q(status=BoardStatus.PUBLISHED) & readable
    managed = [u.pk for u in manageable_units(user)]
    if managed:
        where |= Q(unit_id__in=managed)
    return Board.objects.filter(where)


def board_for(user: UserLike, pk: int, *, manage: bool = False) -> Board:
    """The board within the user's reach, or 404; manage: a draft the user may edit."""
    try:
        board = boards_visible_to(user).select_related("unit", "unit__kind").get(pk=pk)
    except (Board.DoesNotExist, ValueError, TypeError):
        raise Http404("board") from None
    if manage and (board.status != BoardStatus.DRAFT or not can_manage_board(user, board.unit)):
        raise Http404("board")
    return board


def board_item_for(user: UserLike, pk: int) -> BoardItem:
    """An item of a draft the user may edit, or 404."""
    try:
        item = BoardItem.objects.select_related("board", "board__unit", "board__unit__kind", "appeal").get(
            pk=pk
        )
    except (BoardItem.DoesNotExist, ValueError, TypeError):
        raise Http404("board item") from None
    if item.board.status != BoardStatus.DRAFT or not can_manage_board(user, item.board.unit):
        raise Http404("board item")
    return item


# --- statistics ----------------------------------------------------------------------------------


def _unit_appeals(unit: Unit) -> QuerySet[Appeal]:
    # A merged duplicate is counted once, under the appeal it was merged into.
    return Appeal.objects.filter(unit__path__startswith=unit.path).exclude(state=State.MERGED)


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def board_stats(unit: Unit, month: dt.date) -> dict[str, Any]:
    """The month's numbers for the unit's subtree, in three queries.

    received: appeals received in the month, by category; on time: among the appeals whose closure
    deadline fell in the month, those answered by it; satisfaction: among the ratings and return visits
    recorded in the month, the share of 非常满意/满意/基本满意.
    """
    start, end = month_bounds(month)
    appeals = _unit_appeals(unit)
    by_category: dict[str | None, int] = dict(
        appeals.filter(received_at__gte=start, received_at__lt=end)
        .values_list("category_id")
        .annotate(n=Count("pk"))
        .values_list("category_id", "n")
    )
    timing = appeals.filter(closure_due__gte=start, closure_due__lt=end).aggregate(
        due=Count("pk"), on_time=Count("pk", filter=Q(answered_at__lte=F("closure_due")))
    )
    ratings = AppealEvent.objects.filter(
        appeal__unit__path__startswith=unit.path,
        kind__in=[EventKind.RATED, EventKind.RETURN_VISIT],
        at__gte=start,
        at__lt=end,
    ).aggregate(rated=Count("pk"), satisfied=Count("pk", filter=Q(data__rating__in=list(SATISFIED_RATINGS))))
    labels = dict(Category.objects.values_list("code", "label"))
    rows = [
        {"code": code, "label": label, "count": by_category[code]}
        for code, label in labels.items()
        if by_category.get(code)
    ]
    if by_category.get(None):
        rows.append({"code": "", "label": _("未分类"), "count": by_category[None]})
    due, on_time = timing["due"] or 0, timing["on_time"] or 0
    rated, satisfied = ratings["rated"] or 0, ratings["satisfied"] or 0
    return {
        "received": sum(by_category.values()),
        "by_category": rows,
        "due": due,
        "on_time": on_time,
        "on_time_rate": _rate(on_time, due),
        "rated": rated,
        "satisfied": satisfied,
        "satisfaction_rate": _rate(satisfied, rated),
        "computed_at": timezone.now().isoformat(),
    }


# --- services ------------------------------------------------------------------------------------


def _require_manager(actor: UserLike, unit: Unit) -> None:
    if not can_manage_board(actor, unit):
        raise ValidationError(_("您无权编辑该单位的月度公示。"), code="forbidden")


@transaction.atomic
def board_draft_create(*, unit: Unit, month: dt.date, actor: UserLike) -> Board:
    """Create the month's draft, or recount a draft that exists; a published board is final."""
    if not is_board_unit(unit):
        raise ValidationError({"unit": _("月度公示只面向企业和党支部。")}, code="not_board_unit")
    _require_manager(actor, unit)
    first = month_start(month)
    if first > timezone.localdate():
        raise ValidationError({"month": _("不能为未来的月份编制公示。")}, code="future_month")
    board, _created = Board.objects.select_for_update().get_or_create(unit=unit, month=first)
    if board.status == BoardStatus.PUBLISHED:
        raise ValidationError({"month": _("该月公示已发布，不能再修改。")}, code="published")
    board.stats = board_stats(unit, first)
    board.save(update_fields=["stats"])
    return board


def board_candidates(board: Board) -> QuerySet[Appeal]:
    """Handled appeals of the board's unit answered in its month and not yet on it."""
    start, end = month_bounds(board.month)
    on_board = BoardItem.objects.filter(board=board).values("appeal_id")
    return (
        _unit_appeals(board.unit)
        .filter(state__in=HANDLED_STATES, answered_at__gte=start, answered_at__lt=end)
        .exclude(pk__in=on_board)
        .select_related("category")
        .order_by("answered_at", "pk")
    )


def _clean_summary(appeal: Appeal, text: str, field: str) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise ValidationError({field: _("内容不能为空。")}, code="empty")
    if len(cleaned) > MAX_SUMMARY:
        raise ValidationError({field: _("不能超过 %(max)d 个字。") % {"max": MAX_SUMMARY}}, code="too_long")
    # A last guard against leaking who raised it: the person's name or number, or the original words.
    person = appeal.submitter
    leaks = [appeal.text.strip()] if len(appeal.text.strip()) >= 8 else []
    if person is not None:
        leaks += [person.name, person.employee_no]
    if any(leak and leak in cleaned for leak in leaks):
        raise ValidationError(
            {field: _("公示内容不得包含诉求人姓名、工号或诉求原文，请改写。")}, code="personal_details"
        )
    return cleaned


@dataclass(frozen=True)
class ItemText:
    summary: str
    handling: str


def _clean_item(appeal: Appeal, summary: str, handling: str) -> ItemText:
    errors: dict[str, Any] = {}
    cleaned: dict[str, str] = {}
    for field, value in (("summary", summary), ("handling", handling)):
        try:
            cleaned[field] = _clean_summary(appeal, value, field)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return ItemText(cleaned["summary"], cleaned["handling"])


@transaction.atomic
def board_item_add(
    *, board: Board, appeal: Appeal, actor: UserLike, summary: str, handling: str
) -> BoardItem:
    """A handled appeal on the draft, in words rewritten by staff; it waits for approval."""
    board = Board.objects.select_for_update().select_related("unit", "unit__kind").get(pk=board.pk)
    if board.status != BoardStatus.DRAFT:
        raise ValidationError(_("该月公示已发布，不能再修改。"), code="published")
    _require_manager(actor, board.unit)
    appeal = Appeal.objects.select_related("submitter", "unit").get(pk=appeal.pk)
    if not appeal.unit.path.startswith(board.unit.path) or appeal.state not in HANDLED_STATES:
        raise ValidationError(_("只能公示本单位已答复的诉求。"), code="not_candidate")
    if BoardItem.objects.filter(board=board, appeal=appeal).exists():
        raise ValidationError(_("该诉求已在本月公示中。"), code="duplicate")
    text = _clean_item(appeal, summary, handling)
    return BoardItem.objects.create(board=board, appeal=appeal, summary=text.summary, handling=text.handling)


def _locked_item(pk: int, *related: str) -> BoardItem:
    # of=self: the submitter is an outer join, which PostgreSQL will not lock.
    items = BoardItem.objects.select_for_update(of=("self",))
    locked: BoardItem = items.select_related("board__unit__kind", *related).get(pk=pk)
    return locked


@transaction.atomic
def board_item_update(*, item: BoardItem, actor: UserLike, summary: str, handling: str) -> BoardItem:
    """Rewrite an item; a changed text must be approved again."""
    item = _locked_item(item.pk, "appeal__submitter")
    if item.board.status != BoardStatus.DRAFT:
        raise ValidationError(_("该月公示已发布，不能再修改。"), code="published")
    _require_manager(actor, item.board.unit)
    text = _clean_item(item.appeal, summary, handling)
    if (text.summary, text.handling) != (item.summary, item.handling):
        item.summary, item.handling = text.summary, text.handling
        item.approved, item.approved_by = False, None
        item.save(update_fields=["summary", "handling", "approved", "approved_by"])
    return item


@transaction.atomic
def board_item_approve(*, item: BoardItem, actor: UserLike) -> BoardItem:
    item = _locked_item(item.pk)
    if item.board.status != BoardStatus.DRAFT:
        raise ValidationError(_("该月公示已发布，不能再修改。"), code="published")
    _require_manager(actor, item.board.unit)
    item.approved, item.approved_by = True, actor
    item.save(update_fields=["approved", "approved_by"])
    return item


@transaction.atomic
def board_item_remove(*, item: BoardItem, actor: UserLike) -> None:
    item = _locked_item(item.pk)
    if item.board.status != BoardStatus.DRAFT:
        raise ValidationError(_("该月公示已发布，不能再修改。"), code="published")
    _require_manager(actor, item.board.unit)
    item.delete()


@transaction.atomic
def board_publish(*, board: Board, actor: UserLike) -> Board:
    """Publish the draft: its statistics and its approved items; unapproved items are never shown."""
    board = Board.objects.select_for_update().select_related("unit", "unit__kind").get(pk=board.pk)
    if board.status != BoardStatus.DRAFT:
        raise ValidationError(_("该月公示已发布。"), code="published")
    _require_manager(actor, board.unit)
    board.status = BoardStatus.PUBLISHED
    board.published_at = timezone.now()
    board.published_by = actor
    board.save(update_fields=["status", "published_at", "published_by"])
    return board


def published_items(board: Board) -> QuerySet[BoardItem]:
    """What readers see: approved items only, and only their rewritten words."""
    items: QuerySet[BoardItem] = (
        board.items.filter(approved=True)
        .annotate(category_label=F("appeal__category__label"))
        .only("pk", "board_id", "summary", "handling")
        .order_by("pk")
    )
    return items
