"""Page: due talks and visits — mine, and for supervisors the overdue ones in their subtree."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET

from lianxin.care.access import require_care_staff
from lianxin.care.selectors import due_items_open
from lianxin.org.models import SENSITIVE_ROLES
from lianxin.org.scope import scope_paths

LIST_SIZE = 200


@require_GET
@login_required
def due_items(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_care_staff(user)
    now = timezone.now()
    opened = due_items_open(user).select_related("person__unit")
    mine = list(opened.filter(responsible_id=user.pk)[:LIST_SIZE])
    supervisor = bool(scope_paths(user, SENSITIVE_ROLES))
    overdue = []
    if supervisor:
        overdue = list(opened.exclude(responsible_id=user.pk).filter(due_at__lt=now)[:LIST_SIZE])
    return render(
        request,
        "care/due_items.html",
        {"mine": mine, "overdue": overdue, "supervisor": supervisor, "now": now},
    )


urlpatterns: list[URLPattern] = [path("due/", due_items, name="due_items")]
