"""Pages: the appeals ledger (台账) for secretaries and above, its .xlsx export (in the background when large)
and the per-unit indicators."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from lianxin.appeals import ledger
from lianxin.appeals import ledger_tasks as jobs
from lianxin.appeals.codes import Grade, State
from lianxin.appeals.models import Category
from lianxin.audit.services import client_ip
from lianxin.org.models import Unit
from lianxin.paging import page_number

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INDICATOR_DAYS = 90  # a quarter, when the filter names no period


def _require_ledger(request: HttpRequest) -> None:
    if not ledger.may_use_ledger(request.user):
        raise Http404("ledger")


def _indicator_period(flt: ledger.LedgerFilter) -> tuple[dt.date, dt.date]:
    """The filter's period, or the last quarter when none is chosen."""
    end = flt.end or timezone.localdate()
    start = flt.start or end - dt.timedelta(days=INDICATOR_DAYS)
    return start, end


def _unit_choices(request: HttpRequest, selected: Unit | None) -> list[Unit]:
    tops = ledger.supervised_paths(request.user)
    where = Q(path__in=tops)
    for top in tops:
        where |= Q(path__startswith=top, depth=len(top) // Unit.steplen + 1)
    if selected is not None:
        where |= Q(pk=selected.pk) | Q(path__startswith=selected.path, depth=selected.depth + 1)
    units = list(Unit.objects.filter(where).only("pk", "name", "path", "depth").order_by("path")[:300])
    top_depth = min((u.depth for u in units), default=0)
    for unit in units:
        unit.indent = "\u3000" * (unit.depth - top_depth)
    return units


@require_GET
@login_required
def appeal_ledger(request: HttpRequest) -> HttpResponse:
    _require_ledger(request)
    flt = ledger.parse_filter(request.user, request.GET)
    page = ledger.ledger_page(ledger.filter_ledger(request.user, flt), page_number(request))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "appeals/ledger/index.html",
        {
            "flt": flt,
            "page": page,
            "params": request.GET,
            "query": query.urlencode(),
            "units": _unit_choices(request, flt.unit),
            "categories": list(Category.objects.values_list("code", "label")),
            "grades": Grade.choices,
            "states": State.choices,
            "now": timezone.now(),
        },
    )


@require_GET
@login_required
def appeal_ledger_indicators(request: HttpRequest) -> HttpResponse:
    """The per-unit indicators for the ledger's unit and period, loaded after the page (htmx): one
    aggregate over a quarter's appeals costs more than the whole first page."""
    _require_ledger(request)
    flt = ledger.parse_filter(request.user, request.GET)
    unit = flt.unit or Unit.objects.filter(path=ledger.supervised_paths(request.user)[0]).first()
    if unit is None:
        raise Http404("unit")
    start, end = _indicator_period(flt)
    total, rows = ledger.unit_indicators(
        unit, ledger.local_midnight(start), ledger.local_midnight(end + dt.timedelta(days=1))
    )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("unit", None)
    return render(
        request,
        "appeals/ledger/_indicators.html",
        {
            "indicator_unit": unit,
            "indicator_total": total,
            "indicator_rows": rows,
            "indicator_start": start,
            "indicator_end": end,
            "drill_query": query.urlencode(),
        },
    )


@require_GET
@login_required
def appeal_ledger_export(request: HttpRequest) -> HttpResponse:
    """Small exports come straight back; past the threshold a background job writes the file."""
    _require_ledger(request)
    flt = ledger.parse_filter(request.user, request.GET)
    appeals = ledger.filter_ledger(request.user, flt)
    threshold: int = getattr(settings, "LEDGER_ASYNC_THRESHOLD", 5000)
    size = appeals.order_by()[: threshold + 1].count()
    if size > threshold:
        token = jobs.export_start(user=request.user, params=flt.as_params(), total=appeals.count())
        return redirect("appeal_ledger_job", token=token)
    content, rows = ledger.export_ledger_bytes(appeals)
    ledger.log_export(user=request.user, rows=rows, background=False, flt=flt, ip=client_ip(request.META))
    response = HttpResponse(content, content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="ledger-{stamp}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


def _job_for(request: HttpRequest, token: str) -> dict[str, object]:
    """The job, only for the user who asked for it; anyone else gets the same 404 as a missing one."""
    job = jobs.job_read(token)
    if job is None or job.get("user_id") != request.user.pk:
        raise Http404("export")
    return job


@require_GET
@login_required
def appeal_ledger_job(request: HttpRequest, token: str) -> HttpResponse:
    job = _job_for(request, token)
    context = {"job": job, "token": token, "percent": jobs.job_percent(job)}
    if request.headers.get("HX-Request"):
        if job.get("state") in ("done", "failed"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("appeal_ledger_job", kwargs={"token": token})
            return response
        return render(request, "appeals/ledger/_export_progress.html", context)
    return render(request, "appeals/ledger/export.html", context)


@require_GET
@login_required
def appeal_ledger_download(request: HttpRequest, token: str) -> FileResponse:
    job = _job_for(request, token)
    path_ = jobs.export_file(token)
    if job.get("state") != "done" or not path_.exists():
        raise Http404("export")
    response = FileResponse(
        path_.open("rb"), as_attachment=True, filename=f"ledger-{token[:8]}.xlsx", content_type=XLSX
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def appeal_ledger_job_delete(request: HttpRequest, token: str) -> HttpResponse:
    """The owner removes the finished file (it holds appeal texts)."""
    _job_for(request, token)
    jobs.export_file(token).unlink(missing_ok=True)
    jobs.job_write(token, state="deleted")
    return redirect("appeal_ledger")


urlpatterns: list[URLPattern] = [
    path("ledger/", appeal_ledger, name="appeal_ledger"),
    path("ledger/indicators/", appeal_ledger_indicators, name="appeal_ledger_indicators"),
    path("ledger/export.xlsx", appeal_ledger_export, name="appeal_ledger_export"),
    path("ledger/export/<str:token>/", appeal_ledger_job, name="appeal_ledger_job"),
    path("ledger/export/<str:token>/file", appeal_ledger_download, name="appeal_ledger_download"),
    path("ledger/export/<str:token>/delete", appeal_ledger_job_delete, name="appeal_ledger_job_delete"),
]
