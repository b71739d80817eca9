"""Consultation pages: the meeting list, planning a meeting, and one meeting's page where its agenda is built
from candidates, attendees and decisions are recorded, and it is held and closed.

Every action is a POST that calls one service; a refusal re-shows the meeting page with the reason and
status 400, and nothing is saved."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianxin.appeals.selectors import display_name
from lianxin.consult import selectors, services
from lianxin.consult.access import decision_for, item_for, meeting_for
from lianxin.consult.forms import AttendeesForm, DecisionForm, ItemForm, MeetingForm, MinutesForm
from lianxin.consult.models import AgendaItem, Decision, Meeting, MeetingStatus
from lianxin.consult.scope import convening_units, meetings_visible_to, people_for, runs
from lianxin.org.models import SENSITIVE_ROLES
from lianxin.org.scope import scope_paths

LIST_SIZE = 100


def _messages_of(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


def _form_errors(form: forms.Form) -> list[str]:
    return [str(e) for errors in form.errors.values() for e in errors]


def _link(name: str, pk: int) -> str:
    """A link to the appeal or warning an item concerns, once that page exists."""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


@require_GET
@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    if not scope_paths(request.user, SENSITIVE_ROLES):
        raise Http404("meetings")
    meetings = list(selectors.meeting_list(request.user)[:LIST_SIZE])
    for meeting in meetings:
        meeting.convener_name = display_name(meeting.convener)  # type: ignore[attr-defined]
    context = {"meetings": meetings, "can_plan": convening_units(request.user).exists()}
    return render(request, "consult/list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    units = [(u.pk, u.display_name) for u in convening_units(request.user)]
    if not units:
        raise Http404("meetings")
    form = MeetingForm(request.POST or None, units=units)
    errors: list[str] = []
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            unit = convening_units(request.user).get(pk=data["unit"])
            try:
                meeting = services.meeting_plan(
                    actor=request.user, unit=unit, kind=data["kind"], date=data["date"], title=data["title"]
                )
            except ValidationError as error:
                errors = _messages_of(error)
            else:
                messages.success(request, _("会诊已安排，请从候选事项中建立议程。"))
                return redirect("meeting_detail", meeting.pk)
        else:
            errors = _form_errors(form)
    status = 400 if request.method == "POST" else 200
    return render(request, "consult/new.html", {"form": form, "errors": errors}, status=status)


def _render_detail(
    request: HttpRequest,
    meeting: Meeting,
    *,
    errors: list[str] | None = None,
    bound_decision: tuple[int, DecisionForm] | None = None,
    minutes_form: MinutesForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    can_run = runs(user, meeting)
    people = people_for(meeting)
    listed = list(people) if can_run else []
    items = list(
        meeting.items.select_related("appeal", "warning").prefetch_related("decisions__responsible__person")
    )
    open_for_decisions = can_run and meeting.status in (MeetingStatus.PLANNED, MeetingStatus.HELD)
    rows: list[dict[str, Any]] = []
    for item in items:
        form = None
        if open_for_decisions:
            if bound_decision is not None and bound_decision[0] == item.pk:
                form = bound_decision[1]
            else:
                form = DecisionForm(people=listed, prefix=f"d{item.pk}")
        link = ""
        if item.appeal_id:
            link = _link("appeal_detail", item.appeal_id)
        elif item.warning_id:
            link = _link("warning_detail", item.warning_id)
        decisions = [
            {
                "decision": d,
                "who": display_name(d.responsible),
                "can_mark": can_run or d.responsible_id == user.pk,
            }
            for d in item.decisions.all()
        ]
        rows.append({"item": item, "link": link, "decisions": decisions, "form": form})
    planned = meeting.status == MeetingStatus.PLANNED
    attendees = list(meeting.attendees.select_related("person").order_by("username"))
    context = {
        "meeting": meeting,
        "rows": rows,
        "can_run": can_run,
        "planned": planned,
        "held": meeting.status == MeetingStatus.HELD,
        "candidates": selectors.agenda_candidates(meeting, user) if can_run and planned else [],
        "attendee_names": [display_name(u) for u in attendees],
        "attendees_form": (
            AttendeesForm(people=people, initial={"attendees": attendees}) if can_run and planned else None
        ),
        "item_form": ItemForm() if can_run and planned else None,
        "minutes_form": minutes_form or MinutesForm(initial={"minutes": meeting.minutes}),
        "convener_name": display_name(meeting.convener),
        "errors": errors or [],
    }
    return render(request, "consult/detail.html", context, status=status)


@require_GET
@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, meeting_for(request.user, pk))


def _refused(request: HttpRequest, pk: int, errors: list[str], **extra: Any) -> HttpResponse:
    # Reload: the service's transaction rolled back, the page shows what is stored.
    return _render_detail(request, meeting_for(request.user, pk), errors=errors, status=400, **extra)


@require_POST
@login_required
def meeting_add_item(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_for(request.user, pk)
    form = ItemForm(request.POST)
    if not form.is_valid():
        return _refused(request, pk, _form_errors(form))
    data = form.cleaned_data
    try:
        services.meeting_add_item(
            meeting=meeting,
            actor=request.user,
            source=data["source"],
            warning_id=data["ref"] if data["source"] == "warning" else None,
            appeal_id=data["ref"] if data["source"] == "appeal" else None,
            title=data["title"],
        )
    except ValidationError as error:
        return _refused(request, pk, _messages_of(error))
    return redirect(reverse("meeting_detail", args=[pk]) + "#agenda")


@require_POST
@login_required
def meeting_remove_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = meeting_for(request.user, pk)
    item = item_for(meeting, item_pk)
    try:
        services.meeting_remove_item(item=item, actor=request.user)
    except ValidationError as error:
        return _refused(request, pk, _messages_of(error))
    return redirect(reverse("meeting_detail", args=[pk]) + "#agenda")


@require_POST
@login_required
def meeting_attendees(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_for(request.user, pk)
    form = AttendeesForm(request.POST, people=people_for(meeting))
    if not form.is_valid():
        return _refused(request, pk, _form_errors(form))
    try:
        services.meeting_set_attendees(
            meeting=meeting, actor=request.user, attendees=list(form.cleaned_data["attendees"])
        )
    except ValidationError as error:
        return _refused(request, pk, _messages_of(error))
    messages.success(request, _("参会人员已保存。"))
    return redirect(reverse("meeting_detail", args=[pk]) + "#attendees")


@require_POST
@login_required
def meeting_decision(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = meeting_for(request.user, pk)
    item: AgendaItem = item_for(meeting, item_pk)
    form = DecisionForm(request.POST, people=list(people_for(meeting)), prefix=f"d{item.pk}")
    if not form.is_valid():
        return _refused(request, pk, _form_errors(form), bound_decision=(item.pk, form))
    data = form.cleaned_data
    try:
        services.meeting_record_decision(
            item=item,
            actor=request.user,
            text=data["text"],
            responsible=form.responsible_user(),
            due=data["due"],
        )
    except ValidationError as error:
        return _refused(request, pk, _messages_of(error), bound_decision=(item.pk, form))
    messages.success(request, _("决定已记录。"))
    return redirect(reverse("meeting_detail", args=[pk]) + f"#item-{item.pk}")


@require_POST
@login_required
def meeting_hold(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_for(request.user, pk)
    form = MinutesForm(request.POST)
    form.is_valid()
    try:
        services.meeting_hold(
            meeting=meeting, actor=request.user, minutes=form.cleaned_data.get("minutes", "")
        )
    except ValidationError as error:
        return _refused(request, pk, _messages_of(error), minutes_form=form)
    messages.success(request, _("会议已召开，各项决定已送达相关诉求、预警和责任人。"))
    return redirect("meeting_detail", pk)


@require_POST
@login_required
def meeting_close(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_for(request.user, pk)
    try:
        services.meeting_close(meeting=meeting, actor=request.user)
    except ValidationError as error:
        return _refused(request, pk, _messages_of(error))
    messages.success(request, _("会议已归档。"))
    return redirect("meeting_detail", pk)


@require_POST
@login_required
def decision_done(request: HttpRequest, pk: int, decision_pk: int) -> HttpResponse:
    # The person who must act may be a grid member who cannot open the meeting: they mark their own
    # decision done from their notice; anyone else needs the meeting in their scope.
    own = (
        Decision.objects.filter(pk=decision_pk, item__meeting_id=pk, responsible_id=request.user.pk)
        .exclude(item__meeting__status=MeetingStatus.PLANNED)
        .first()
    )
    if own is None:
        meeting = meeting_for(request.user, pk)
        decision = decision_for(meeting, decision_pk)
    else:
        decision = own
    try:
        services.decision_done(decision=decision, actor=request.user)
    except ValidationError as error:
        if own is not None and not runs(request.user, own.item.meeting):
            return HttpResponse("；".join(_messages_of(error)), status=400)
        return _refused(request, pk, _messages_of(error))
    messages.success(request, _("决定已标记为完成。"))
    if own is not None and not meetings_visible_to(request.user).filter(pk=pk).exists():
        return redirect("my_decisions")
    return redirect(reverse("meeting_detail", args=[pk]) + f"#item-{decision.item_id}")


@require_GET
@login_required
def my_decisions(request: HttpRequest) -> HttpResponse:
    """The decisions of held meetings that the user must carry out, open first, each markable done here:
    a grid member charged with one may not open the meeting itself."""
    decisions = (
        Decision.objects.filter(responsible_id=request.user.pk)
        .exclude(item__meeting__status=MeetingStatus.PLANNED)
        .select_related("item__meeting__unit")
        .order_by(F("done_at").desc(nulls_first=True), "due", "pk")[:200]
    )
    return render(request, "consult/my_decisions.html", {"decisions": decisions})
