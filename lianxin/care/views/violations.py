"""Pages: safety-violation help-education (三违帮教) — the list, opening a case (which raises the must-talk
event), completing its steps and closing it. Secretary and above, and the case's helper."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lianxin.care import plans
from lianxin.care.access import violation_case_for
from lianxin.care.forms import TextForm, ViolationForm
from lianxin.care.scope import violation_cases_visible_to
from lianxin.care.views import error_messages
from lianxin.care.views.key import _form_errors, _supervised_person, helper_choices
from lianxin.org.models import SENSITIVE_ROLES, Unit
from lianxin.org.scope import scope_paths

LIST_SIZE = 200
# The reporting safety department sits near the top of the tree, usually outside a branch's own scope.
REPORTING_DEPTH = 2


@require_GET
@login_required
def violation_list(request: HttpRequest) -> HttpResponse:
    cases = (
        violation_cases_visible_to(request.user)
        .select_related("person", "person__unit", "helper")
        .order_by("closed_at", "-date", "-pk")[:LIST_SIZE]
    )
    if not scope_paths(request.user, SENSITIVE_ROLES) and not cases:
        raise Http404("violations")
    return render(request, "care/violations.html", {"cases": cases})


@require_http_methods(["GET", "POST"])
@login_required
def violation_new(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _supervised_person(request.user, person_id)
    units = [(u.pk, u.name) for u in Unit.objects.filter(depth__lte=REPORTING_DEPTH).order_by("path")]
    form = ViolationForm(
        request.POST or None,
        units=units,
        helpers=helper_choices(request.user, person),
        initial={"date": timezone.localdate()},
    )
    errors: list[str] = []
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = plans.violation_case_open(
                    actor=request.user,
                    person=person,
                    date=data["date"],
                    kind=data["kind"],
                    severity=data["severity"],
                    reported_by_unit=Unit.objects.get(pk=data["reported_by_unit"]),
                    helper=get_user_model().objects.get(pk=data["helper"]),
                    description=data["description"],
                )
            except ValidationError as error:
                errors = error_messages(error)
            else:
                return redirect("violation_detail", case.pk)
        else:
            errors = _form_errors(form)
    context = {"form": form, "errors": errors, "person": person, "title": _("三违帮教立案")}
    return render(request, "care/form.html", context, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@login_required
def violation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = violation_case_for(request.user, pk)
    errors: list[str] = []
    if request.method == "POST":
        text = TextForm(request.POST)
        note = text.cleaned_data["text"] if text.is_valid() else ""
        try:
            if request.POST.get("action") == "close":
                plans.violation_case_close(actor=request.user, case=case)
            else:
                step = request.POST.get("step", "")
                plans.violation_step_complete(actor=request.user, case=case, step=step, note=note)
        except ValidationError as error:
            errors = error_messages(error)
        else:
            return redirect("violation_detail", case.pk)
    context = {"case": case, "steps": case.steps.all(), "errors": errors}
    return render(request, "care/violation.html", context, status=400 if errors else 200)


urlpatterns: list[URLPattern] = [
    path("violations/", violation_list, name="violation_list"),
    path("people/<int:person_id>/violations/new/", violation_new, name="violation_new"),
    path("violations/<int:pk>/", violation_detail, name="violation_detail"),
]
