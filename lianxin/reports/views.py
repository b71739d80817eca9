"""Pages of the monthly thought-dynamics reports: the list (month and status filters), a report with its
sections, the author's edit form, drafting, submitting, returning and accepting, and the .docx download."""

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

from lianxin.appeals.board import parse_month
from lianxin.audit.models import EventKind
from lianxin.audit.services import client_ip, data_read_record
from lianxin.org.models import Role, Unit
from lianxin.org.scope import UserLike, grants_of
from lianxin.reports.access import can_author, can_review, report_for, reports_visible_to
from lianxin.reports.export import report_docx
from lianxin.reports.figures import previous_month
from lianxin.reports.models import Report, ReportStatus
from lianxin.reports.services import (
    report_accept,
    report_draft,
    report_edit,
    report_return,
    report_submit,
    report_title,
)

LIST_SIZE = 200
READER_ROLES = (Role.SECRETARY, Role.DEPARTMENT, Role.LEADERSHIP)


def _messages_of(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [m for group in error.message_dict.values() for m in group]
    return list(error.messages)


def authored_units(user: UserLike) -> list[Unit]:
    """The units whose reports the user writes: a secretary's branch, the department's enterprise."""
    secretary = [g.path for g in grants_of(user) if g.role == Role.SECRETARY]
    department = [
        g.path for g in grants_of(user) if g.role == Role.DEPARTMENT and len(g.path) == Unit.steplen
    ]
    units = Unit.objects.filter(path__in=[*secretary, *department]).select_related("kind").order_by("path")
    return [u for u in units if can_author(user, u)]


@require_GET
@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    if not any(g.role in READER_ROLES for g in grants_of(request.user)):
        raise Http404("reports")
    authored = authored_units(request.user)
    reports = reports_visible_to(request.user).select_related("unit").order_by("-month", "unit__path")
    month_raw = request.GET.get("month", "").strip()
    status = request.GET.get("status", "").strip()
    errors: list[str] = []
    if month_raw:
        try:
            reports = reports.filter(month=parse_month(month_raw))
        except ValidationError as error:
            errors = _messages_of(error)
    if status in ReportStatus.values:
        reports = reports.filter(status=status)
    context: dict[str, Any] = {
        "reports": list(reports[:LIST_SIZE]),
        "month": month_raw,
        "status": status,
        "statuses": ReportStatus.choices,
        "authored": authored,
        "last_month": f"{previous_month(timezone.localdate()):%Y-%m}",
        "errors": errors,
    }
    return render(request, "reports/list.html", context)


@require_POST
@login_required
def report_create(request: HttpRequest) -> HttpResponse:
    """Draft (or refresh the draft of) a month's report for a unit the user writes for."""
    units = {str(u.pk): u for u in authored_units(request.user)}
    unit = units.get(request.POST.get("unit", ""))
    if unit is None:
        raise Http404("unit")
    try:
        report = report_draft(unit=unit, month=parse_month(request.POST.get("month", "")))
    except ValidationError as error:
        for text in _messages_of(error):
            messages.error(request, text)
        return redirect("report_list")
    messages.success(request, _("已根据本月数据起草报告。"))
    return redirect("report_detail", pk=report.pk)


@require_GET
@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_for(request.user, pk)
    context = {
        "report": report,
        "title": report_title(report),
        "sections": _sections(report),
        "can_write": report.is_editable and can_author(request.user, report.unit),
        "can_review": report.status == ReportStatus.SUBMITTED and can_review(request.user, report.unit),
        "events": list(report.events.select_related("actor").order_by("at", "pk")),
    }
    return render(request, "reports/detail.html", context)


def _sections(report: Report) -> list[dict[str, Any]]:
    return [{**s, "body": report.texts.get(s["key"], s.get("text", ""))} for s in report.sections]


@require_http_methods(["GET", "POST"])
@login_required
def report_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_for(request.user, pk, write=True)
    errors: list[str] = []
    if request.method == "POST":
        texts = {s["key"]: request.POST.get(f"text_{s['key']}", "") for s in report.sections}
        try:
            report_edit(report=report, actor=request.user, texts=texts)
        except ValidationError as error:
            errors = _messages_of(error)
            report.texts = {**report.texts, **texts}
        else:
            messages.success(request, _("报告已保存。"))
            return redirect("report_detail", pk=report.pk)
    context = {
        "report": report,
        "title": report_title(report),
        "sections": _sections(report),
        "errors": errors,
    }
    return render(request, "reports/edit.html", context, status=400 if errors else 200)


def _act(request: HttpRequest, report: Report, action: Any, success: str, **kwargs: Any) -> HttpResponse:
    try:
        action(report=report, actor=request.user, **kwargs)
    except ValidationError as error:
        for text in _messages_of(error):
            messages.error(request, text)
    else:
        messages.success(request, success)
    return redirect("report_detail", pk=report.pk)


@require_POST
@login_required
def report_redraft_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_for(request.user, pk, write=True)
    if report.status != ReportStatus.DRAFT:
        raise Http404("report")
    report_draft(unit=report.unit, month=report.month)
    messages.success(request, _("已按最新数据重新起草，已修改的章节保持不变。"))
    return redirect("report_detail", pk=report.pk)


@require_POST
@login_required
def report_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_for(request.user, pk, write=True)
    return _act(request, report, report_submit, _("报告已报送。"))


@require_POST
@login_required
def report_return_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_for(request.user, pk, review=True)
    return _act(request, report, report_return, _("报告已退回。"), reason=request.POST.get("reason", ""))


@require_POST
@login_required
def report_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_for(request.user, pk, review=True)
    return _act(request, report, report_accept, _("报告已采纳。"), comment=request.POST.get("comment", ""))


@require_GET
@login_required
def report_docx_view(request: HttpRequest, pk: int) -> HttpResponse:
    report = report_for(request.user, pk)
    title = report_title(report)
    content = report_docx(report, title)
    data_read_record(
        kind=EventKind.EXPORT,
        actor=request.user,
        what=f"report:{report.pk}.docx",
        rows=1,
        ip=client_ip(request.META),
    )
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    filename = f"report-{report.unit_id}-{report.month:%Y-%m}.docx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns: list[URLPattern] = [
    path("", report_list, name="report_list"),
    path("new/", report_create, name="report_create"),
    path("<int:pk>/", report_detail, name="report_detail"),
    path("<int:pk>/edit/", report_edit_view, name="report_edit"),
    path("<int:pk>/redraft/", report_redraft_view, name="report_redraft"),
    path("<int:pk>/submit/", report_submit_view, name="report_submit"),
    path("<int:pk>/return/", report_return_view, name="report_return"),
    path("<int:pk>/accept/", report_accept_view, name="report_accept"),
    path("<int:pk>/docx/", report_docx_view, name="report_docx"),
]
