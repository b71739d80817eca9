"""Pages: raising an appeal — the employee's form, the public anonymous form, staff entry on someone's
behalf, informants' reports — and downloading an attachment."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from lianxin.appeals.access import appeal_for
from lianxin.appeals.attachments import appeal_submit_with_attachments, attachment_response
from lianxin.appeals.codes import Channel, Track
from lianxin.appeals.forms import (
    EmployeeAppealForm,
    InformantAppealForm,
    PublicAppealForm,
    StaffAppealForm,
)
from lianxin.appeals.models import Appeal, Attachment
from lianxin.appeals.scope import can_enter_on_behalf, is_submitter
from lianxin.appeals.services import Submitted, branch_of
from lianxin.guard.limits import Limit
from lianxin.org.models import InformantKind, Person, Role, Unit
from lianxin.org.scope import grants_of, own_person_id, people_visible_to, units_visible_to

_FILE_CODES = {"too_large", "empty_file", "bad_type", "too_many"}
# Appeals through the public form per client address, in fixed hours (APPEAL_PUBLIC_PER_HOUR).
PUBLIC_FORM = Limit("appeal-public", 3600)


def add_errors(form: Any, error: ValidationError) -> None:
    """A service's error lands on the form field it names, or on the whole form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error("attachments" if error.code in _FILE_CODES else None, message)


def _try_submit(form: Any, uploads: list[Any], **submit: Any) -> Submitted | None:
    try:
        return appeal_submit_with_attachments(uploads=uploads, **submit)
    except ValidationError as error:
        add_errors(form, error)
        return None


def _form_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    status = 400 if request.method == "POST" else 200
    return render(request, template, context, status=status)


def _submitted(request: HttpRequest, result: Submitted, **extra: Any) -> HttpResponse:
    """The receipt appears in this one response only: never in a URL, a session, a log or a cache."""
    context = {"result": result, "appeal": result.appeal, **extra}
    return render(request, "appeals/intake/submitted.html", context)


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def appeal_new(request: HttpRequest) -> HttpResponse:
    me = own_person_id(request.user)
    person = Person.objects.select_related("unit").filter(pk=me).first() if me is not None else None
    form = EmployeeAppealForm(request.POST or None, request.FILES or None, can_be_named=person is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        submit: dict[str, Any] = {
            "text": data["text"],
            "channel": Channel.WEB,
            "idempotency_key": str(data["idempotency_key"]),
        }
        if data["identity"] == EmployeeAppealForm.NAMED and person is not None:
            submit["submitter"] = person
        else:
            # Company level unless the employee asks for their branch: a small team's unit can tell who.
            branch = branch_of(person.unit) if person is not None and data.get("route_to_branch") else None
            submit.update(anonymous=True, unit=branch, track=Track.BRANCH if branch else Track.COMPANY)
        result = _try_submit(form, data["attachments"], **submit)
        if result is not None:
            return _submitted(request, result, named=not result.appeal.is_anonymous)
    context = {
        "form": form,
        "has_person": person is not None,
        "may_enter_for_others": can_enter_on_behalf(request.user),
        "is_informant": any(g.role == Role.INFORMANT for g in grants_of(request.user)),
    }
    return _form_page(request, "appeals/intake/new.html", context)


@require_http_methods(["GET", "POST"])
@never_cache
def appeal_public_new(request: HttpRequest) -> HttpResponse:
    """No login, no session, nothing about the visitor kept: only the words, and the receipt's hash."""
    form = PublicAppealForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and PUBLIC_FORM.reached(request, settings.APPEAL_PUBLIC_PER_HOUR):
        # The words stay in the form: nothing the visitor wrote is lost.
        form.add_error(None, _("从这里提交的诉求太多，请一小时后再提交；您填写的内容仍保留在下面。"))
        return render(request, "appeals/intake/public.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        branch = data["branch"]
        result = _try_submit(
            form,
            data["attachments"],
            text=data["text"],
            channel=Channel.WEB,
            anonymous=True,
            unit=branch,
            track=Track.BRANCH if branch else Track.COMPANY,
            idempotency_key=str(data["idempotency_key"]),
        )
        if result is not None:
            if not result.duplicate:
                PUBLIC_FORM.count(request)
            return _submitted(request, result, named=False, public=True)
    return _form_page(request, "appeals/intake/public.html", {"form": form})


def _staff_branches(request: HttpRequest) -> QuerySet[Unit]:
    return units_visible_to(request.user).filter(kind__is_branch=True).order_by("path")


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def appeal_staff_new(request: HttpRequest) -> HttpResponse:
    if not can_enter_on_behalf(request.user):
        raise Http404("appeal entry")
    form = StaffAppealForm(request.POST or None, request.FILES or None, branches=_staff_branches(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        submit: dict[str, Any] = {
            "text": data["text"],
            "channel": data["channel"],
            "entered_by": request.user,
            "idempotency_key": str(data["idempotency_key"]),
        }
        person = None
        if data["employee_no"]:
            # Only people within the staff member's reach: anyone else is "not found", as everywhere.
            person = people_visible_to(request.user).filter(employee_no=data["employee_no"]).first()
            if person is None:
                form.add_error("employee_no", _("没有找到该工号，或此人不在您的管辖范围内。"))
        if not form.errors:
            if person is not None:
                submit["submitter"] = person
            else:
                branch = data["branch"]
                submit.update(anonymous=True, unit=branch, track=Track.BRANCH if branch else Track.COMPANY)
            result = _try_submit(form, data["attachments"], **submit)
            if result is not None:
                return _submitted(request, result, named=person is not None, staff=True)
    return _form_page(request, "appeals/intake/staff.html", {"form": form})


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def appeal_informant_new(request: HttpRequest) -> HttpResponse:
    grant = next((g for g in grants_of(request.user) if g.role == Role.INFORMANT), None)
    if grant is None:
        raise Http404("informant")
    unit = Unit.objects.select_related("kind").get(pk=grant.unit_id)
    branch = branch_of(unit)
    form = InformantAppealForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = _try_submit(
            form,
            data["attachments"],
            text=data["text"],
            channel=Channel.INFORMANT,
            informant_kind=grant.informant_kind,
            entered_by=request.user,
            unit=branch,
            track=Track.BRANCH,
            idempotency_key=str(data["idempotency_key"]),
        )
        if result is not None:
            return _submitted(request, result, named=False, informant=True)
    kind_label = dict(InformantKind.choices).get(grant.informant_kind, grant.informant_kind)
    return _form_page(
        request, "appeals/intake/informant.html", {"form": form, "branch": branch, "kind_label": kind_label}
    )


@require_GET
@login_required
def appeal_attachment(request: HttpRequest, pk: int, att_pk: int) -> FileResponse:
    """Staff within scope (the access helper) or the named submitter; everyone else gets 404."""
    try:
        appeal = appeal_for(request.user, pk)
    except Http404:
        own = Appeal.objects.filter(pk=pk).first()
        if own is None or not is_submitter(request.user, own):
            raise
        appeal = own
    attachment = Attachment.objects.filter(pk=att_pk, appeal=appeal).first()
    if attachment is None:
        raise Http404("attachment")
    return attachment_response(attachment)


urlpatterns: list[URLPattern] = [
    path("new/", appeal_new, name="appeal_new"),
    path("anonymous/", appeal_public_new, name="appeal_public_new"),
    path("staff/new/", appeal_staff_new, name="appeal_staff_new"),
    path("informant/new/", appeal_informant_new, name="appeal_informant_new"),
    path("<int:pk>/attachments/<int:att_pk>/", appeal_attachment, name="appeal_attachment"),
]
