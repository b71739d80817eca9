"""Pages: the org tree (expanded lazily with htmx), a unit, and a grid with its people and gaps."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from lianxin.audit.models import EventKind
from lianxin.audit.services import client_ip, data_read_record, query_filters
from lianxin.org import selectors_units as units
from lianxin.org.access import unit_for
from lianxin.org.models import Unit
from lianxin.org.scope import scope_paths


def _visible_ancestors(user: object, unit: Unit) -> list[Unit]:
    """The unit's ancestors that the user may open, for the breadcrumb; outer ones are not shown."""
    paths = scope_paths(user)
    step = Unit.steplen
    prefixes = [unit.path[: step * d] for d in range(1, unit.depth)]
    visible = [p for p in prefixes if any(p.startswith(s) for s in paths)]
    return list(Unit.objects.filter(path__in=visible).order_by("path")) if visible else []


@require_GET
@login_required
def org_tree(request: HttpRequest) -> HttpResponse:
    rows = units.top_units_with_stats(units.top_units_for(request.user))
    return render(request, "org/tree.html", {"rows": rows})


@require_GET
@login_required
def unit_children(request: HttpRequest, pk: int) -> HttpResponse:
    unit = unit_for(request.user, pk)
    children = list(units.children_of(unit))
    return render(
        request,
        "org/_tree_children.html",
        {"rows": units.with_stats(children, within=unit.path), "parent": unit},
    )


@require_GET
@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = unit_for(request.user, pk)
    overview = units.unit_overview(unit, request.GET.get("page"))
    return render(
        request,
        "org/unit.html",
        {
            "unit": unit,
            "ancestors": _visible_ancestors(request.user, unit),
            "grid": units.grid_of(unit),
            "coverage": overview.coverage,
            "gaps": list(overview.coverage.uncovered[:20]),
            "children": overview.children,
            "children_page": overview.children_page,
            "breakdown_kind": overview.breakdown_kind,
            "breakdown": overview.breakdown,
            "breakdown_more": overview.breakdown_more,
            "responsibilities": list(units.responsibilities_of(unit)),
        },
    )


@require_GET
@login_required
def grid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    grid = unit_for(request.user, pk)
    if not grid.is_grid:
        raise Http404("grid")
    only_gaps = request.GET.get("gaps") == "1"
    people = units.grid_people(grid, only_gaps=only_gaps)
    page = Paginator(people, settings.PERSON_PAGE_SIZE).get_page(request.GET.get("page"))
    data_read_record(
        kind=EventKind.LIST_READ,
        actor=request.user,
        what=f"grid:{grid.pk}",
        rows=len(page.object_list),
        filters=query_filters(request.GET) | {"page": page.number},
        ip=client_ip(request.META),
    )
    return render(
        request,
        "org/grid.html",
        {
            "grid": grid,
            "ancestors": _visible_ancestors(request.user, grid),
            "coverage": units.coverage_for(grid),
            "page": page,
            "only_gaps": only_gaps,
        },
    )


urlpatterns = [
    path("org/", org_tree, name="org_tree"),
    path("org/units/<int:pk>/", unit_detail, name="unit_detail"),
    path("org/units/<int:pk>/children/", unit_children, name="unit_children"),
    path("org/grids/<int:pk>/", grid_detail, name="grid_detail"),
]
