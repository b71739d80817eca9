"""Pages: the monthly public board (一月一公开) — reading published boards, and drafting, rewriting,
approving and publishing them for staff."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianxin.appeals import board as boards
from lianxin.appeals.models import Appeal, Board, BoardItem, BoardStatus
from lianxin.org.models import Unit


def _error_text(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [m for messages_ in error.message_dict.values() for m in messages_]
    return list(error.messages)


@require_GET
@login_required
def board_index(request: HttpRequest) -> HttpResponse:
    user = request.user
    visible = list(
        boards.boards_visible_to(user).select_related("unit").order_by("-month", "unit__path")[:120]
    )
    published = [b for b in visible if b.status == BoardStatus.PUBLISHED]
    drafts = [b for b in visible if b.status == BoardStatus.DRAFT]
    managed = boards.manageable_units(user)
    return render(
        request,
        "appeals/board/index.html",
        {
            "published": published,
            "drafts": drafts,
            "managed": managed,
            "this_month": f"{timezone.localdate():%Y-%m}",
        },
    )


@require_POST
@login_required
def board_create(request: HttpRequest) -> HttpResponse:
    """Create the month's draft (or recount an existing draft) for a unit the user manages."""
    raw = request.POST.get("unit", "")
    units = {str(u.pk): u for u in boards.manageable_units(request.user)}
    unit: Unit | None = units.get(raw)
    if unit is None:
        raise Http404("unit")
    try:
        month = boards.parse_month(request.POST.get("month", ""))
        board = boards.board_draft_create(unit=unit, month=month, actor=request.user)
    except ValidationError as error:
        for text in _error_text(error):
            messages.error(request, text)
        return redirect("board_index")
    messages.success(request, _("已统计 %(month)s 的数据。") % {"month": f"{board.month:%Y-%m}"})
    return redirect("board_detail", pk=board.pk)


@require_GET
@login_required
def board_detail(request: HttpRequest, pk: int) -> HttpResponse:
    board = boards.board_for(request.user, pk)
    context: dict[str, Any] = {"board": board, "stats": board.stats}
    if board.status == BoardStatus.DRAFT:
        # Only those who manage the unit can reach a draft (board_for returns nothing else).
        context["items"] = list(
            board.items.select_related("appeal", "appeal__category", "approved_by").order_by("pk")
        )
        context["candidates"] = list(boards.board_candidates(board)[: boards.CANDIDATE_LIMIT])
        return render(request, "appeals/board/draft.html", context)
    context["items"] = list(boards.published_items(board))
    return render(request, "appeals/board/detail.html", context)


def _item_form(request: HttpRequest, board: Board, appeal: Appeal, item: BoardItem | None) -> HttpResponse:
    """Add or rewrite an item. A new item's summary starts from the category label only, never from the
    original words, so no name is carried over by accident."""
    if request.method == "POST":
        summary, handling = request.POST.get("summary", ""), request.POST.get("handling", "")
        try:
            if item is None:
                boards.board_item_add(
                    board=board, appeal=appeal, actor=request.user, summary=summary, handling=handling
                )
            else:
                boards.board_item_update(item=item, actor=request.user, summary=summary, handling=handling)
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {}
            general = [] if errors else list(error.messages)
            return render(
                request,
                "appeals/board/item_form.html",
                {
                    "board": board,
                    "appeal": appeal,
                    "item": item,
                    "summary": summary,
                    "handling": handling,
                    "errors": errors,
                    "general_errors": general,
                },
                status=400,
            )
        messages.success(request, _("已保存，审核后方可公示。"))
        return redirect("board_detail", pk=board.pk)
    if item is None:
        summary = appeal.category.label if appeal.category else ""
        handling = ""
    else:
        summary, handling = item.summary, item.handling
    return render(
        request,
        "appeals/board/item_form.html",
        {
            "board": board,
            "appeal": appeal,
            "item": item,
            "summary": summary,
            "handling": handling,
            "errors": {},
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def board_item_new(request: HttpRequest, pk: int, appeal_pk: int) -> HttpResponse:
    board = boards.board_for(request.user, pk, manage=True)
    appeal = boards.board_candidates(board).filter(pk=appeal_pk).first()
    if appeal is None:
        raise Http404("appeal")
    return _item_form(request, board, appeal, None)


@require_http_methods(["GET", "POST"])
@login_required
def board_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = boards.board_item_for(request.user, pk)
    appeal = Appeal.objects.select_related("category").get(pk=item.appeal_id)
    return _item_form(request, item.board, appeal, item)


def _item_action(request: HttpRequest, pk: int, approve: bool) -> HttpResponse:
    item = boards.board_item_for(request.user, pk)
    try:
        if approve:
            boards.board_item_approve(item=item, actor=request.user)
            messages.success(request, _("已审核通过。"))
        else:
            boards.board_item_remove(item=item, actor=request.user)
            messages.success(request, _("已移出公示。"))
    except ValidationError as error:
        for text in _error_text(error):
            messages.error(request, text)
    return redirect("board_detail", pk=item.board_id)


@require_POST
@login_required
def board_item_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_action(request, pk, approve=True)


@require_POST
@login_required
def board_item_remove(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_action(request, pk, approve=False)


@require_POST
@login_required
def board_publish(request: HttpRequest, pk: int) -> HttpResponse:
    board = boards.board_for(request.user, pk, manage=True)
    try:
        boards.board_publish(board=board, actor=request.user)
    except ValidationError as error:
        for text in _error_text(error):
            messages.error(request, text)
    else:
        messages.success(request, _("已发布。只有审核通过的条目会公示。"))
    return redirect("board_detail", pk=board.pk)


urlpatterns: list[URLPattern] = [
    path("board/", board_index, name="board_index"),
    path("board/new/", board_create, name="board_create"),
    path("board/<int:pk>/", board_detail, name="board_detail"),
    path("board/<int:pk>/publish/", board_publish, name="board_publish"),
    path("board/<int:pk>/add/<int:appeal_pk>/", board_item_new, name="board_item_new"),
    path("board/item/<int:pk>/edit/", board_item_edit, name="board_item_edit"),
    path("board/item/<int:pk>/approve/", board_item_approve, name="board_item_approve"),
    path("board/item/<int:pk>/remove/", board_item_remove, name="board_item_remove"),
]
