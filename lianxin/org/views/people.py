"""Pages: the person list, the person file (一人一档) with its timeline, and correction requests."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianxin.audit.models import EventKind
from lianxin.audit.services import access_log_record, client_ip, data_read_record, query_filters
from lianxin.org import selectors
from lianxin.org.access import correction_for, person_for
from lianxin.org.forms import CorrectionDecisionForm, CorrectionRequestForm, correctable_field_choices
from lianxin.org.models import CorrectionRequest, DifficultyTag, PoliticalStatus
from lianxin.org.scope import can_decide_corrections, can_see_sensitive, own_person_id
from lianxin.org.services import correction_decide, correction_request_submit
from lianxin.paging import MAX_PAGE, page_number

COUNT_CAP = 1000  # beyond this the list says "more than 1,000" instead of counting every row

SORT_LABELS = [
    ("name", _("姓名")),
    ("employee_no", _("工号")),
    ("hire_date", _("入职日期（早→晚）")),
    ("-hire_date", _("入职日期（晚→早）")),
]


def _with_field_labels(items: list[CorrectionRequest]) -> list[CorrectionRequest]:
    labels = dict(correctable_field_choices())
    for item in items:
        item.field_label = labels.get(item.field, item.field)  # type: ignore[attr-defined]
    return items


def _export_url(request: HttpRequest) -> str | None:
    """The export lives in the roster pages; the link is shown only once that URL exists."""
    try:
        url = reverse("people_export")
    except NoReverseMatch:
        return None
    query = request.GET.copy()
    query.pop("page", None)
    return f"{url}?{query.urlencode()}" if query else url


@require_GET
@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    unit = selectors.selected_unit(user, request.GET)
    people = selectors.filter_people(user, request.GET, unit=unit)
    size: int = getattr(settings, "PERSON_PAGE_SIZE", 50)
    number = page_number(request)
    offset = (number - 1) * size
    # One row more than the page tells whether a next page exists without counting.
    rows = list(people.prefetch_related("difficulty_tags")[offset : offset + size + 1])
    more = len(rows) > size
    rows = rows[:size]
    # The last page knows its total; only a longer list needs a (capped) count.
    total = offset + len(rows) if rows and not more else selectors.count_capped(people, COUNT_CAP)
    units = selectors.unit_choices(user, unit)
    top_depth = min((u.depth for u in units), default=0)
    for choice in units:
        choice.indent = "\u3000" * (choice.depth - top_depth)  # type: ignore[attr-defined]
    for row in rows:
        row.show_key = can_see_sensitive(user, row)  # type: ignore[attr-defined]
    data_read_record(
        kind=EventKind.LIST_READ,
        actor=user,
        what="people",
        rows=len(rows),
        filters=query_filters(request.GET) | {"page": number},
        ip=client_ip(request.META),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "org/people/list.html",
        {
            "people": rows,
            "page": number,
            "has_next": more and number < MAX_PAGE,
            "has_previous": number > 1,
            "first": offset + 1 if rows else 0,
            "last": offset + len(rows),
            "total": min(total, COUNT_CAP),
            "total_capped": total > COUNT_CAP,
            "query": query.urlencode(),
            "params": request.GET,
            "unit": unit,
            "units": units,
            "statuses": PoliticalStatus.choices,
            "tags": list(DifficultyTag.objects.order_by("name")),
            "may_filter_key": selectors.may_filter_key(user),
            "sorts": SORT_LABELS,
            "export_url": _export_url(request),
        },
    )


def _file_context(request: HttpRequest, pk: int) -> tuple[Any, dict[str, Any]]:
    person = person_for(request.user, pk)
    return person, {
        "person": person,
        "sensitive": can_see_sensitive(request.user, person),
        "own": person.user_id is not None and person.user_id == request.user.pk,
    }


@require_GET
@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person, context = _file_context(request, pk)
    sections = ["basic", "household", "tags", "contacts"]
    if context["sensitive"]:
        sections.append("sensitive")
    context["tags"] = list(person.difficulty_tags.order_by("name"))
    context["contacts"] = selectors.contacts_of(person)
    context["may_decide"] = can_decide_corrections(request.user, person)
    if context["own"] or context["may_decide"]:
        sections.append("corrections")
        context["corrections"] = _with_field_labels(selectors.corrections_of(person))
    access_log_record(actor=request.user, person=person, sections=sections, ip=client_ip(request.META))
    return render(request, "org/people/detail.html", context)


@require_GET
@login_required
def person_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    person, context = _file_context(request, pk)
    context["entries"] = selectors.timeline_for(request.user, person)
    access_log_record(actor=request.user, person=person, sections=["timeline"], ip=client_ip(request.META))
    return render(request, "org/people/timeline.html", context)


@require_GET
@login_required
def my_file(request: HttpRequest) -> HttpResponse:
    pk = own_person_id(request.user)
    if pk is None:
        raise Http404("person")
    return redirect("person_detail", pk=pk)


@require_http_methods(["GET", "POST"])
@login_required
def correction_new(request: HttpRequest, pk: int) -> HttpResponse:
    person, context = _file_context(request, pk)
    if not context["own"]:  # only one's own file; anyone else gets the same 404 as out of scope
        raise Http404("person")
    form = CorrectionRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                correction_request_submit(
                    user=request.user,
                    person=person,
                    field=form.cleaned_data["field"],
                    proposed_value=form.cleaned_data["proposed_value"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return HttpResponseRedirect(reverse("person_detail", args=[person.pk]) + "#corrections")
        status = 400
    context["form"] = form
    return render(request, "org/people/correction_new.html", context, status=status)


def _correction_list(
    request: HttpRequest, *, errors: dict[int, list[str]] | None = None, status: int = 200
) -> HttpResponse:
    if not selectors.may_filter_key(request.user):  # secretaries and above only
        raise Http404("corrections")
    pending = _with_field_labels(list(selectors.pending_corrections_for(request.user)[:200]))
    for item in pending:
        item.errors = (errors or {}).get(item.pk, [])  # type: ignore[attr-defined]
    return render(request, "org/people/corrections.html", {"pending": pending}, status=status)


@require_GET
@login_required
def correction_list(request: HttpRequest) -> HttpResponse:
    return _correction_list(request)


@require_POST
@login_required
def correction_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = correction_for(request.user, pk, decide=True)
    form = CorrectionDecisionForm(request.POST)
    if form.is_valid():
        try:
            data = form.cleaned_data
            correction_decide(
                user=request.user, request=item, accept=data["decision"] == "accept", reason=data["reason"]
            )
        except ValidationError as error:
            return _correction_list(request, errors={item.pk: list(error.messages)}, status=400)
        return redirect("correction_list")
    messages = [str(message) for field_errors in form.errors.values() for message in field_errors]
    return _correction_list(request, errors={item.pk: messages}, status=400)


urlpatterns: list[URLPattern] = [
    path("people/", person_list, name="person_list"),
    path("people/<int:pk>/", person_detail, name="person_detail"),
    path("people/<int:pk>/timeline/", person_timeline, name="person_timeline"),
    path("people/<int:pk>/corrections/new/", correction_new, name="correction_new"),
    path("me/", my_file, name="my_file"),
    path("corrections/", correction_list, name="correction_list"),
    path("corrections/<int:pk>/decide/", correction_decide_view, name="correction_decide"),
]
