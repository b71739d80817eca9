"""Pages: the roster import wizard (upload → check report → confirm → apply) and the person export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianxin.audit.models import EventKind
from lianxin.audit.services import client_ip, data_read_record, query_filters
from lianxin.org import selectors
from lianxin.org.export import export_people_xlsx
from lianxin.org.models import ImportStatus, RosterImport
from lianxin.org.roster.access import can_import, roster_import_for
from lianxin.org.roster.imports import (
    is_large,
    roster_import_apply,
    roster_import_check,
    roster_import_create,
    roster_import_start,
)
from lianxin.org.roster.progress import progress_percent, progress_read
from lianxin.org.roster.service import RosterReport

ERRORS_SHOWN = 500  # the page lists this many errors; the command prints them all
EXPORT_MAX_ROWS = 100_000
_IN_PROGRESS = (ImportStatus.UPLOADED, ImportStatus.RUNNING)


@require_http_methods(["GET", "POST"])
@login_required
def roster_upload(request: HttpRequest) -> HttpResponse:
    if not can_import(request.user):
        raise Http404("roster import")
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("请选择要上传的文件。")
        else:
            try:
                record = roster_import_create(user=request.user, upload=upload)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                if is_large(record):
                    from lianxin.org.tasks import roster_check_task

                    roster_check_task(record.pk)
                else:
                    roster_import_check(roster_import=record)
                return redirect("roster_detail", pk=record.pk)
    recent = RosterImport.objects.filter(created_by_id=request.user.pk)[:10]
    return render(
        request, "org/roster/upload.html", {"error": error, "recent": recent}, status=400 if error else 200
    )


def _progress_context(record: RosterImport) -> dict[str, object]:
    progress = progress_read(record.pk) or {}
    default_stage = "check" if record.status == ImportStatus.UPLOADED else "write"
    return {
        "record": record,
        "percent": progress_percent(progress),
        "stage": progress.get("stage", default_stage),
        "done": progress.get("done", 0),
    }


@require_GET
@login_required
def roster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = roster_import_for(request.user, pk)
    report = RosterReport.from_dict(record.report) if record.report else RosterReport()
    context = {
        **_progress_context(record),
        "report": report,
        "errors": report.errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(report.errors) - ERRORS_SHOWN),
        "in_progress": record.status in _IN_PROGRESS,
        "can_apply": record.status == ImportStatus.CHECKED and (report.ok or report.only_missing_units),
    }
    return render(request, "org/roster/detail.html", context)


@require_POST
@login_required
def roster_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    record = roster_import_for(request.user, pk)
    report = RosterReport.from_dict(record.report) if record.report else RosterReport()
    create_units = request.POST.get("create_units") == "1"
    if record.status != ImportStatus.CHECKED:
        return redirect("roster_detail", pk=record.pk)
    if not (report.ok or (report.only_missing_units and create_units)):
        if report.only_missing_units:
            messages.error(request, _("请先确认创建缺失的单位，或修改文件后重新上传。"))
        else:
            messages.error(request, _("文件有错误，未导入任何数据。请修改后重新上传。"))
        return redirect("roster_detail", pk=record.pk)
    if roster_import_start(roster_import=record, create_units=create_units):
        if is_large(record):
            from lianxin.org.tasks import roster_apply_task

            roster_apply_task(record.pk)
        else:
            roster_import_apply(roster_import=record)
    return redirect("roster_detail", pk=record.pk)


@require_GET
@login_required
def roster_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx; once the work is over, the whole page reloads to show it."""
    record = roster_import_for(request.user, pk)
    if record.status not in _IN_PROGRESS:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("roster_detail", kwargs={"pk": record.pk})
        return response
    return render(request, "org/roster/_progress.html", _progress_context(record))


@require_GET
@login_required
def people_export(request: HttpRequest) -> HttpResponse:
    """The person list, with the list page's filters, as .xlsx."""
    people = selectors.filter_people(request.user, request.GET)
    total = people.count()
    if total > EXPORT_MAX_ROWS:
        messages.error(request, _("导出人数超过 %(max)d，请缩小筛选范围。") % {"max": EXPORT_MAX_ROWS})
        return redirect(f"{reverse('person_list')}?{request.GET.urlencode()}")
    content = export_people_xlsx(people)
    data_read_record(
        kind=EventKind.EXPORT,
        actor=request.user,
        what="people.xlsx",
        rows=total,
        filters=query_filters(request.GET),
        ip=client_ip(request.META),
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="people-{stamp}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("roster/import/", roster_upload, name="roster_upload"),
    path("roster/import/<int:pk>/", roster_detail, name="roster_detail"),
    path("roster/import/<int:pk>/apply/", roster_confirm, name="roster_confirm"),
    path("roster/import/<int:pk>/progress/", roster_progress, name="roster_progress"),
    path("people/export.xlsx", people_export, name="people_export"),
]
