"""Warning pages (预警研判): the list with filters and counts per level, a warning with its evidence,
disposal plan, events and meetings, the actions on it (take up, assign, note, close), and a secretary's
own report. Out of scope is a 404; employees never reach these pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianxin.care.models import ContactRecord
from lianxin.care.scope import can_read_summary
from lianxin.insight import warnings as services
from lianxin.insight.access import may_see_warnings, warning_for
from lianxin.insight.briefing import warning_brief
from lianxin.insight.codes import (
    LEVEL_ORDER,
    OPEN_WARNING_STATES,
    WarningEventKind,
    WarningStatus,
)
from lianxin.insight.models import Warning
from lianxin.insight.views import error_messages
from lianxin.insight.views.forms import STATUS_ALL, WarningFilterForm, WarningReportForm
from lianxin.org.context_processors import url_or_none
from lianxin.org.models import SENSITIVE_ROLES, Person, Unit
from lianxin.org.scope import UserLike, scope_paths

PAGE_SIZE = 30


# --- reads ----------------------------------------------------------------------------------------------


def scope_units(user: UserLike, limit: int = 300) -> list[Unit]:
    """The units a secretary or above may filter by or report on: their top units and two levels below."""
    tops = scope_paths(user, SENSITIVE_ROLES)
    if not tops:
        return []
    where = Q()
    for top in tops:
        where |= Q(path__startswith=top, depth__lte=len(top) // Unit.steplen + 2)
    units = list(Unit.objects.filter(where).only("pk", "name", "path", "depth").order_by("path")[:limit])
    top_depth = min((u.depth for u in units), default=0)
    for unit in units:
        unit.indent = "\u3000" * (unit.depth - top_depth)
    return units


def _filtered(user: UserLike, data: dict[str, Any]) -> tuple[QuerySet[Warning], Unit | None]:
    """The user's warnings with every filter but the level (the counts per level are over this set)."""
    rows = services.warnings_visible_to(user)
    status = data.get("status") or ""
    if status == STATUS_ALL:
        pass
    elif status in WarningStatus.values:
        rows = rows.filter(status=status)
    else:
        rows = rows.filter(status__in=OPEN_WARNING_STATES)
    if data.get("source"):
        rows = rows.filter(source=data["source"])
    unit = None
    if data.get("unit"):
        paths = scope_paths(user, SENSITIVE_ROLES)
        unit = Unit.objects.filter(pk=data["unit"]).first()
        if unit is None or not any(unit.path.startswith(p) for p in paths):
            unit = None  # a unit out of scope filters nothing in and reveals nothing
            rows = rows.none()
        else:
            rows = rows.filter(unit__path__startswith=unit.path)
    return rows, unit


@require_GET
@login_required
def warning_list(request: HttpRequest) -> HttpResponse:
    if not may_see_warnings(request.user):
        raise Http404("warnings")
    form = WarningFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    rows, unit = _filtered(request.user, data)
    counts = rows.aggregate(**{str(level): Count("pk", filter=Q(level=level)) for level in LEVEL_ORDER})
    if data.get("level"):
        rows = rows.filter(level=data["level"])
    rows = rows.select_related("unit", "person", "responsible").order_by(*services.warnings_by_urgency())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "insight/warning_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "level_counts": [(str(level), level.label, counts[str(level)]) for level in LEVEL_ORDER],
            "selected_level": data.get("level") or "",
            "units": scope_units(request.user),
            "selected_unit": unit,
            "now": timezone.now(),
            "may_report": bool(scope_paths(request.user, SENSITIVE_ROLES)),
        },
    )


def _detail_context(request: HttpRequest, warning: Warning, **extra: Any) -> dict[str, Any]:
    user = request.user
    evidence = warning.evidence if isinstance(warning.evidence, dict) else {}
    brief = warning_brief(user, warning)
    events = list(warning.events.select_related("actor"))
    meetings = []
    for event in events:
        event.is_consulted = event.kind == WarningEventKind.CONSULTED  # type: ignore[attr-defined]
        if event.is_consulted and event.meeting_id is not None:  # type: ignore[attr-defined]
            event.meeting_url = url_or_none("meeting_detail", event.meeting_id)  # type: ignore[attr-defined]
            meetings.append(event)
    supervise = services.can_supervise_warning(user, warning)
    handle = services.can_handle_warning(user, warning)
    is_open = warning.status in OPEN_WARNING_STATES
    record_id = evidence.get("record_id")
    plan_id = evidence.get("plan_id")
    # The matched words are quoted from a talk's summary: shown only to whoever may read that summary.
    words = evidence.get("words") or []
    if words:
        record = ContactRecord.objects.filter(pk=record_id).first() if isinstance(record_id, int) else None
        if record is None or not can_read_summary(user, record):
            words = []
    context: dict[str, Any] = {
        "warning": warning,
        "brief": brief,
        "words": words,
        "report_note": evidence.get("note") or "",
        "record_url": url_or_none("contact_detail", record_id) if isinstance(record_id, int) else None,
        "record_id": record_id,
        "plan_url": url_or_none("care_plan_detail", plan_id) if isinstance(plan_id, int) else None,
        "person_url": url_or_none("person_detail", warning.person_id) if warning.person_id else None,
        "events": events,
        "meetings": meetings,
        "overdue": warning.status == WarningStatus.OPEN
        and warning.respond_by is not None
        and warning.respond_by < timezone.now(),
        "may_take_up": handle and warning.status == WarningStatus.OPEN,
        "may_note": handle and is_open,
        "may_supervise": supervise and is_open,
        "candidates": list(services.responsible_candidates(warning)[:100]) if supervise and is_open else [],
        "errors": [],
    }
    context.update(extra)
    return context


@require_GET
@login_required
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    warning = warning_for(request.user, pk)
    return render(request, "insight/warning_detail.html", _detail_context(request, warning))


def _refused(request: HttpRequest, warning: Warning, error: ValidationError) -> HttpResponse:
    warning.refresh_from_db()
    context = _detail_context(request, warning, errors=error_messages(error))
    return render(request, "insight/warning_detail.html", context, status=400)


@require_POST
@login_required
def warning_take_up(request: HttpRequest, pk: int) -> HttpResponse:
    warning = warning_for(request.user, pk, write=True)
    try:
        services.warning_take_up(warning=warning, actor=request.user)
    except ValidationError as error:
        return _refused(request, warning, error)
    return redirect("warning_detail", warning.pk)


@require_POST
@login_required
def warning_assign(request: HttpRequest, pk: int) -> HttpResponse:
    warning = warning_for(request.user, pk, supervise=True)
    raw = request.POST.get("responsible", "")
    responsible = get_user_model().objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    try:
        services.warning_assign(
            warning=warning, actor=request.user, responsible=responsible, note=request.POST.get("note", "")
        )
    except ValidationError as error:
        return _refused(request, warning, error)
    return redirect("warning_detail", warning.pk)


@require_POST
@login_required
def warning_note(request: HttpRequest, pk: int) -> HttpResponse:
    warning = warning_for(request.user, pk, write=True)
    try:
        services.warning_note(warning=warning, actor=request.user, text=request.POST.get("text", ""))
    except ValidationError as error:
        return _refused(request, warning, error)
    return redirect("warning_detail", warning.pk)


@require_POST
@login_required
def warning_close(request: HttpRequest, pk: int) -> HttpResponse:
    warning = warning_for(request.user, pk, supervise=True)
    try:
        services.warning_close(warning=warning, actor=request.user, outcome=request.POST.get("outcome", ""))
    except ValidationError as error:
        return _refused(request, warning, error)
    return redirect("warning_detail", warning.pk)


def _person_by_number(user: UserLike, number: str) -> Person | None:
    """A person of the user's secretary-or-above scope by employee number (None otherwise)."""
    where = Q()
    for top in scope_paths(user, SENSITIVE_ROLES):
        where |= Q(unit__path__startswith=top)
    return Person.objects.filter(where, employee_no=number).select_related("unit").first()


@require_http_methods(["GET", "POST"])
@login_required
def warning_new(request: HttpRequest) -> HttpResponse:
    """人工报告预警: a secretary or above reports a warning about a person or a unit of their scope."""
    if not scope_paths(request.user, SENSITIVE_ROLES):
        raise Http404("warnings")
    units = scope_units(request.user)
    choices = [(u.pk, f"{u.indent}{u.name}") for u in units]
    form = WarningReportForm(request.POST or None, units=choices)
    errors: list[str] = []
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            number = (data.get("employee_no") or "").strip()
            person = _person_by_number(request.user, number) if number else None
            unit = next((u for u in units if u.pk == data.get("unit")), None)
            target = person.unit if person is not None else (None if number else unit)
            if target is None:
                errors = [
                    _("在您的督办范围内没有这个工号的人员。") if number else _("请选择单位或填写人员工号。")
                ]
            else:
                try:
                    warning = services.warning_report(
                        actor=request.user,
                        level=data["level"],
                        unit=target,
                        person=person,
                        title=data["title"],
                        note=data.get("note") or "",
                    )
                except ValidationError as error:
                    errors = error_messages(error)
                else:
                    return redirect("warning_detail", warning.pk)
        else:
            errors = [str(e) for field in form.errors.values() for e in field]
    status = 400 if request.method == "POST" else 200
    return render(request, "insight/warning_new.html", {"form": form, "errors": errors}, status=status)


urlpatterns: list[URLPattern] = [
    path("warnings/", warning_list, name="warning_list"),
    path("warnings/new/", warning_new, name="warning_new"),
    path("warnings/<int:pk>/", warning_detail, name="warning_detail"),
    path("warnings/<int:pk>/take-up/", warning_take_up, name="warning_take_up"),
    path("warnings/<int:pk>/assign/", warning_assign, name="warning_assign"),
    path("warnings/<int:pk>/note/", warning_note, name="warning_note"),
    path("warnings/<int:pk>/close/", warning_close, name="warning_close"),
]
