"""My home: what I am responsible for, by role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from lianxin.org import selectors_units as units
from lianxin.org.home_panels import home_panels
from lianxin.org.models import SCOPE_ROLES, Person, Role
from lianxin.org.scope import own_person_id, roles_of


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    roles = roles_of(user)
    me_id = own_person_id(user)
    me = Person.objects.select_related("unit").filter(pk=me_id).first() if me_id is not None else None
    grid = units.grid_of(me.unit) if me is not None else None
    top = units.top_units_for(user) if roles & SCOPE_ROLES else []
    context = {
        "me": me,
        "my_units": units.top_units_with_stats(top),
        "totals": [(unit, units.unit_totals(unit)) for unit in top]
        if roles & {Role.DEPARTMENT, Role.LEADERSHIP}
        else [],
        "is_grid_member": Role.GRID_MEMBER in roles,
        "paired": list(units.paired_people_of(user)[:200]) if Role.GRID_MEMBER in roles else [],
        "contacts": list(units.my_contacts(user)) if me is not None else [],
        "grid": grid,
        "grid_chief": grid.grid_chief if grid is not None else None,
        "panels": home_panels(request),
    }
    return render(request, "org/home.html", context)


urlpatterns = [path("", home, name="home")]
