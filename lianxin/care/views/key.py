"""Pages for the secretary and above: key people (重点人员) in scope, flagging a person, and care plans
with their steps, review and closing. Key status never reaches anyone below (404)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianxin.audit.services import access_log_record_many, client_ip
from lianxin.care import plans
from lianxin.care.access import care_plan_for
from lianxin.care.forms import CarePlanForm, KeyFlagForm, StepForm, TextForm
from lianxin.care.models import KeyPersonFlag
from lianxin.care.scope import care_plans_visible_to, supervises
from lianxin.care.views import error_messages
from lianxin.org.access import person_for
from lianxin.org.models import SENSITIVE_ROLES, Pairing, Person
from lianxin.org.scope import UserLike, scope_paths

LIST_SIZE = 200


def _supervised_person(user: UserLike, person_id: int) -> Person:
    person = person_for(user, person_id)
    if not supervises(user, person):
        raise Http404("person")
    return person


def helper_choices(user: UserLike, person: Person) -> list[tuple[int, str]]:
    """Who may be made responsible: the acting user and the person's paired contacts with accounts."""
    users = get_user_model().objects.filter(pk=user.pk) | get_user_model().objects.filter(
        pk__in=Pairing.objects.active()
        .filter(person=person, contact__user__isnull=False)
        .values("contact__user_id")
    )
    return [(u.pk, u.get_full_name() or u.get_username()) for u in users.distinct().order_by("pk")]


def _form_errors(form: Any) -> list[str]:
    return [str(e) for field in form.errors.values() for e in field]


@require_GET
@login_required
def key_people(request: HttpRequest) -> HttpResponse:
    paths = scope_paths(request.user, SENSITIVE_ROLES)
    if not paths:
        raise Http404("key people")
    flags = KeyPersonFlag.objects.none()
    for p in paths:
        flags |= KeyPersonFlag.objects.filter(person__unit__path__startswith=p)
    shown = list(
        flags.filter(closed_at__isnull=True)
        .select_related("person", "person__unit")
        .order_by("-opened_at", "-pk")[:LIST_SIZE]
    )
    # Key status is a restricted section: the list logs each person it shows, as the file does.
    access_log_record_many(
        actor=request.user,
        people={f.person_id: f.person for f in shown}.values(),
        sections=["key_person"],
        ip=client_ip(request.META),
    )
    care_plans = (
        care_plans_visible_to(request.user)
        .filter(closed_at__isnull=True)
        .select_related("person", "responsible")[:LIST_SIZE]
    )
    return render(request, "care/key_people.html", {"flags": shown, "plans": care_plans})


@require_http_methods(["GET", "POST"])
@login_required
def key_flag_new(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _supervised_person(request.user, person_id)
    form = KeyFlagForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST":
        if form.is_valid():
            try:
                plans.key_flag_open(actor=request.user, person=person, **form.cleaned_data)
            except ValidationError as error:
                errors = error_messages(error)
            else:
                return redirect("key_people")
        else:
            errors = _form_errors(form)
    context = {"form": form, "errors": errors, "person": person, "title": _("标记重点人员")}
    return render(request, "care/form.html", context, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@login_required
def care_plan_new(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _supervised_person(request.user, person_id)
    choices = helper_choices(request.user, person)
    form = CarePlanForm(request.POST or None, responsible=choices)
    errors: list[str] = []
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = plans.care_plan_open(
                    actor=request.user,
                    person=person,
                    responsible=get_user_model().objects.get(pk=data["responsible"]),
                    cadence_days=data["cadence_days"],
                    goal=data["goal"],
                )
            except ValidationError as error:
                errors = error_messages(error)
            else:
                return redirect("care_plan_detail", plan.pk)
        else:
            errors = _form_errors(form)
    context = {"form": form, "errors": errors, "person": person, "title": _("制定帮扶计划")}
    return render(request, "care/form.html", context, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@login_required
def care_plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = care_plan_for(request.user, pk)
    errors: list[str] = []
    step_form = StepForm(request.POST if request.POST.get("action") == "step_add" else None)
    if request.method == "POST":
        action = request.POST.get("action", "")
        text = TextForm(request.POST)
        try:
            if action == "step_add":
                if not step_form.is_valid():
                    raise ValidationError(_form_errors(step_form))
                plans.care_plan_step_add(
                    actor=request.user,
                    plan=plan,
                    due_date=step_form.cleaned_data["due_date"],
                    action=step_form.cleaned_data["measure"],
                )
            elif action in {"step_done", "review", "close"} and text.is_valid():
                note = text.cleaned_data["text"]
                if action == "step_done":
                    step = get_object_or_404(plan.steps, pk=request.POST.get("step", ""))
                    plans.care_plan_step_complete(actor=request.user, step=step, note=note)
                elif action == "review":
                    plans.care_plan_review(actor=request.user, plan=plan, review=note)
                else:
                    plans.care_plan_close(actor=request.user, plan=plan, outcome=note)
            else:
                raise ValidationError(_("未知的操作。"))
        except ValidationError as error:
            errors = error_messages(error)
        else:
            return redirect("care_plan_detail", plan.pk)
    context = {
        "plan": plan,
        "steps": plan.steps.all(),
        "step_form": step_form,
        "errors": errors,
        "supervisor": supervises(request.user, plan.person),
    }
    return render(request, "care/care_plan.html", context, status=400 if errors else 200)


@require_POST
@login_required
def key_flag_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Lift a key-person flag (the service checks the actor supervises the person; anyone else gets 404)."""
    flag = get_object_or_404(KeyPersonFlag.objects.select_related("person", "person__unit"), pk=pk)
    if not supervises(request.user, flag.person):
        raise Http404("flag")
    try:
        plans.key_flag_close(actor=request.user, flag=flag)
    except ValidationError as error:
        return HttpResponse("；".join(error_messages(error)), status=400)
    return redirect("key_people")


urlpatterns: list[URLPattern] = [
    path("key/", key_people, name="key_people"),
    path("people/<int:person_id>/key/new/", key_flag_new, name="key_flag_new"),
    path("key/<int:pk>/close/", key_flag_close, name="key_flag_close"),
    path("people/<int:person_id>/plans/new/", care_plan_new, name="care_plan_new"),
    path("plans/<int:pk>/", care_plan_detail, name="care_plan_detail"),
]
