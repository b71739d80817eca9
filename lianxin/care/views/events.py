"""Page: staff raise a life event for a person in their scope; the shipped rule makes its due item."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lianxin.care import services
from lianxin.care.codes import EventSource
from lianxin.care.forms import LifeEventForm
from lianxin.care.models import EventKind
from lianxin.care.views import error_messages
from lianxin.org.access import person_for
from lianxin.org.models import SCOPE_ROLES
from lianxin.org.scope import scope_paths


@require_http_methods(["GET", "POST"])
@login_required
def life_event_new(request: HttpRequest, person_id: int) -> HttpResponse:
    if not scope_paths(request.user, SCOPE_ROLES):
        raise Http404("life event")
    person = person_for(request.user, person_id)
    kinds = [(k.code, k.label) for k in EventKind.objects.filter(active=True, rule__isnull=False)]
    form = LifeEventForm(request.POST or None, kinds=kinds)
    errors: list[str] = []
    if request.method == "POST":
        if form.is_valid():
            try:
                services.life_event_raise(
                    person=person,
                    kind=form.cleaned_data["kind"],
                    date=form.cleaned_data["date"],
                    source=EventSource.STAFF,
                    actor=request.user,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                errors = error_messages(error)
            else:
                return redirect("due_items")
        else:
            errors = [str(e) for field in form.errors.values() for e in field]
    context = {"form": form, "errors": errors, "person": person, "title": _("登记必谈必访事件")}
    return render(request, "care/form.html", context, status=400 if request.method == "POST" else 200)


urlpatterns: list[URLPattern] = [
    path("people/<int:person_id>/events/new/", life_event_new, name="life_event_new"),
]
