"""Pages: the party-mass department's queue of unit move requests, and its decision on each."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_POST

from lianxin.audit.services import client_ip
from lianxin.org.models import UnitMoveStatus
from lianxin.org.scope import has_role
from lianxin.org.unit_moves import DECIDING_ROLES, moves_visible_to, unit_move_decide, unit_move_for


def _move_list(
    request: HttpRequest, *, errors: dict[int, list[str]] | None = None, status: int = 200
) -> HttpResponse:
    if not has_role(request.user, *DECIDING_ROLES):
        raise Http404("unit moves")
    moves = moves_visible_to(request.user)
    pending = list(moves.filter(status=UnitMoveStatus.PENDING).order_by("requested_at")[:200])
    for item in pending:
        item.errors = (errors or {}).get(item.pk, [])  # type: ignore[attr-defined]
    decided = list(moves.exclude(status=UnitMoveStatus.PENDING).order_by("-decided_at")[:50])
    return render(request, "org/unit_moves.html", {"pending": pending, "decided": decided}, status=status)


@require_GET
@login_required
def unit_move_list(request: HttpRequest) -> HttpResponse:
    return _move_list(request)


@require_POST
@login_required
def unit_move_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    move = unit_move_for(request.user, pk)
    decision = request.POST.get("decision")
    if decision not in {"approve", "decline"}:
        return _move_list(request, errors={move.pk: ["请选择批准或不予批准。"]}, status=400)
    try:
        unit_move_decide(
            actor=request.user,
            move=move,
            approve=decision == "approve",
            reason=request.POST.get("reason", "")[:1000],
            ip=client_ip(request.META),
        )
    except ValidationError as error:
        return _move_list(request, errors={move.pk: list(error.messages)}, status=400)
    return redirect("unit_move_list")


urlpatterns: list[URLPattern] = [
    path("org/moves/", unit_move_list, name="unit_move_list"),
    path("org/moves/<int:pk>/decide/", unit_move_decide_view, name="unit_move_decide"),
]
