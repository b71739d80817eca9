"""Pages: a grid member's people with their last contact, and contact coverage per grid and branch."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET

from lianxin.care.access import my_people_for
from lianxin.care.selectors import coverage_page, uncontacted, uncontacted_days
from lianxin.org.models import SCOPE_ROLES, Unit
from lianxin.org.scope import scope_paths, units_visible_to
from lianxin.paging import page_number

PAGE_SIZE = 50
# Every grid and branch of the largest enterprise benchmarked (40,000 units) stays reachable.
LAST_PAGE = 10_000


@require_GET
@login_required
def my_people_page(request: HttpRequest) -> HttpResponse:
    people = list(my_people_for(request.user))
    days = uncontacted_days()
    cutoff = timezone.localdate() - dt.timedelta(days=days)
    for person in people:
        person.stale = person.last_contact is None or person.last_contact < cutoff  # type: ignore[attr-defined]
    return render(request, "care/my_people.html", {"people": people, "days": days})


@require_GET
@login_required
def care_coverage(request: HttpRequest) -> HttpResponse:
    """Coverage of each unit at the top of the user's scope, its grids and branches a page at a time."""
    paths = scope_paths(request.user, SCOPE_ROLES)
    if not paths:
        raise Http404("coverage")
    number = page_number(request, last=LAST_PAGE)
    days = uncontacted_days()
    pages = [
        coverage_page(unit, page=number, size=PAGE_SIZE, days=days)
        for unit in Unit.objects.filter(path__in=paths).select_related("kind").order_by("path")
    ]
    context = {
        "pages": pages,
        "days": days,
        "number": number,
        "has_next": any(p.has_next for p in pages),
        "has_previous": number > 1,
    }
    return render(request, "care/coverage.html", context)


@require_GET
@login_required
def uncontacted_page(request: HttpRequest, unit_id: int) -> HttpResponse:
    """People of a unit in the user's scope with no talk or visit in the last N days, longest first."""
    if not scope_paths(request.user, SCOPE_ROLES):
        raise Http404("uncontacted")
    unit = get_object_or_404(units_visible_to(request.user), pk=unit_id)
    days = uncontacted_days()
    number = page_number(request, last=LAST_PAGE)
    start = (number - 1) * PAGE_SIZE
    found = list(
        uncontacted(unit, days)
        .select_related("unit")
        .order_by(F("last_contact").asc(nulls_first=True), "unit__path", "name", "pk")[
            start : start + PAGE_SIZE + 1
        ]
    )
    context = {
        "unit": unit,
        "people": found[:PAGE_SIZE],
        "days": days,
        "number": number,
        "has_next": len(found) > PAGE_SIZE,
        "has_previous": number > 1,
    }
    return render(request, "care/uncontacted.html", context)


urlpatterns: list[URLPattern] = [
    path("people/", my_people_page, name="my_people"),
    path("coverage/", care_coverage, name="care_coverage"),
    path("coverage/<int:unit_id>/uncontacted/", uncontacted_page, name="care_uncontacted"),
]
