"""Pages: following an appeal — by receipt code for anonymous submitters, under "my appeals" for named ones.

The receipt is the only proof an anonymous submitter has, and no session is made for them: every request
carries the code in a POST body and is verified again. Guessing is slowed by a failure counter per client
(keyed by an HMAC of the address with a daily random salt, kept only in the cache) and a global one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianxin.appeals.attachments import appeal_add_info_with_attachments, attachment_response
from lianxin.appeals.codes import OPEN_STATES, Rating, State
from lianxin.appeals.forms import AddInfoForm, RateForm, ReceiptForm, WithdrawForm
from lianxin.appeals.models import Appeal, AppealEvent, Attachment
from lianxin.appeals.receipt_access import ReceiptRefused, appeal_by_receipt
from lianxin.appeals.scope import is_submitter
from lianxin.appeals.services import TRANSITIONS, appeal_rate, appeal_withdraw
from lianxin.appeals.views.intake import add_errors
from lianxin.org.scope import own_person_id


def _event_rows(appeal: Appeal) -> list[dict[str, Any]]:
    """Public events only: replies, progress, ratings. Internal notes never leave the staff pages."""
    ratings = dict(Rating.choices)
    rows = []
    events: QuerySet[AppealEvent] = appeal.events.filter(public=True).order_by("at", "pk")
    for event in events:
        rating = event.data.get("rating") if isinstance(event.data, dict) else None
        rows.append(
            {
                "kind": event.get_kind_display(),
                "at": event.at,
                "text": event.text,
                "rating": ratings.get(rating, "") if rating else "",
            }
        )
    return rows


def _follow_context(appeal: Appeal, **extra: Any) -> dict[str, Any]:
    # A refused action (say, rating a withdrawn appeal) is told at the top: its form may no longer show.
    problems = [
        message
        for form in extra.values()
        if isinstance(form, AddInfoForm | RateForm | WithdrawForm) and form.is_bound
        for message in form.non_field_errors()
    ]
    return {
        "problems": problems,
        "appeal": appeal,
        "events": _event_rows(appeal),
        "attachments": list(appeal.attachments.order_by("pk")),
        "may_add_info": appeal.state in TRANSITIONS["add_info"],
        "may_rate": appeal.state == State.ANSWERED,
        "may_withdraw": appeal.state in OPEN_STATES,
        "info_form": AddInfoForm(),
        "rate_form": RateForm(),
        "withdraw_form": WithdrawForm(),
        **extra,
    }


def _follow_page(
    request: HttpRequest, appeal: Appeal, code: str, *, status: int = 200, **extra: Any
) -> HttpResponse:
    context = _follow_context(appeal, code=code, **extra)
    return render(request, "appeals/receipt/follow.html", context, status=status)


def _lookup_page(request: HttpRequest, form: ReceiptForm, error: str = "", status: int = 200) -> HttpResponse:
    return render(request, "appeals/receipt/lookup.html", {"form": form, "error": error}, status=status)


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
@never_cache
def receipt_lookup(request: HttpRequest) -> HttpResponse:
    """Enter the receipt code (POST only: a code in a URL ends up in histories and logs)."""
    if request.method == "GET":
        return _lookup_page(request, ReceiptForm())
    form = ReceiptForm(request.POST)
    if not form.is_valid():
        return _lookup_page(request, form, status=400)
    code = form.cleaned_data["code"]
    try:
        appeal = appeal_by_receipt(request, code)
    except ReceiptRefused as refused:
        return _lookup_page(request, ReceiptForm(), error=str(refused), status=403)
    return _follow_page(request, appeal, code)


def _receipt_action(request: HttpRequest) -> tuple[Appeal, str] | HttpResponse:
    code = request.POST.get("code", "")
    try:
        return appeal_by_receipt(request, code), code
    except ReceiptRefused as refused:
        return _lookup_page(request, ReceiptForm(), error=str(refused), status=403)


@sensitive_post_parameters("code")
@require_POST
@never_cache
def receipt_add_info(request: HttpRequest) -> HttpResponse:
    found = _receipt_action(request)
    if isinstance(found, HttpResponse):
        return found
    appeal, code = found
    form = AddInfoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            appeal_add_info_with_attachments(
                appeal=appeal, text=form.cleaned_data["text"], uploads=form.cleaned_data["attachments"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            appeal.refresh_from_db()
            return _follow_page(request, appeal, code, notice=_("补充信息已提交。"))
    return _follow_page(request, appeal, code, status=400, info_form=form)


@sensitive_post_parameters("code")
@require_POST
@never_cache
def receipt_rate(request: HttpRequest) -> HttpResponse:
    found = _receipt_action(request)
    if isinstance(found, HttpResponse):
        return found
    appeal, code = found
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            appeal = appeal_rate(
                appeal=appeal, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            return _follow_page(request, appeal, code, notice=_("感谢您的评价。"))
    return _follow_page(request, appeal, code, status=400, rate_form=form)


@sensitive_post_parameters("code")
@require_POST
@never_cache
def receipt_withdraw(request: HttpRequest) -> HttpResponse:
    found = _receipt_action(request)
    if isinstance(found, HttpResponse):
        return found
    appeal, code = found
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            appeal = appeal_withdraw(appeal=appeal, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            return _follow_page(request, appeal, code, notice=_("诉求已撤回。"))
    return _follow_page(request, appeal, code, status=400, withdraw_form=form)


@sensitive_post_parameters("code")
@require_POST
@never_cache
def receipt_attachment(request: HttpRequest, att_pk: int) -> HttpResponseBase:
    found = _receipt_action(request)
    if isinstance(found, HttpResponse):
        return found
    appeal, _code = found
    attachment = Attachment.objects.filter(pk=att_pk, appeal=appeal).first()
    if attachment is None:
        raise Http404("attachment")
    return attachment_response(attachment)


# --- named submitters: "my appeals" ------------------------------------------------------------------


def _my_appeal(request: HttpRequest, pk: int) -> Appeal:
    """The named submitter's own appeal; anyone else (staff included) gets 404 here."""
    appeal = Appeal.objects.filter(pk=pk).select_related("unit").first()
    if appeal is None or not is_submitter(request.user, appeal):
        raise Http404("appeal")
    return appeal


@require_GET
@login_required
def my_appeals(request: HttpRequest) -> HttpResponse:
    me = own_person_id(request.user)
    rows = list(Appeal.objects.filter(submitter_id=me).order_by("-received_at")[:200]) if me else []
    return render(request, "appeals/receipt/mine.html", {"appeals": rows, "has_person": me is not None})


@require_GET
@login_required
def my_appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = _my_appeal(request, pk)
    return render(request, "appeals/receipt/my_detail.html", _follow_context(appeal))


def _my_action(request: HttpRequest, pk: int, form: Any, name: str, act: Any, done: str) -> HttpResponse:
    appeal = _my_appeal(request, pk)
    if form.is_valid():
        try:
            act(appeal, form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("my_appeal_detail", pk=appeal.pk)
    context = _follow_context(appeal, **{name: form})
    return render(request, "appeals/receipt/my_detail.html", context, status=400)


@require_POST
@login_required
def my_appeal_add_info(request: HttpRequest, pk: int) -> HttpResponse:
    def act(appeal: Appeal, data: dict[str, Any]) -> None:
        appeal_add_info_with_attachments(
            appeal=appeal, text=data["text"], actor=request.user, uploads=data["attachments"]
        )

    form = AddInfoForm(request.POST, request.FILES)
    return _my_action(request, pk, form, "info_form", act, _("补充信息已提交。"))


@require_POST
@login_required
def my_appeal_rate(request: HttpRequest, pk: int) -> HttpResponse:
    def act(appeal: Appeal, data: dict[str, Any]) -> None:
        appeal_rate(appeal=appeal, rating=data["rating"], comment=data["comment"], actor=request.user)

    return _my_action(request, pk, RateForm(request.POST), "rate_form", act, _("感谢您的评价。"))


@require_POST
@login_required
def my_appeal_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    def act(appeal: Appeal, data: dict[str, Any]) -> None:
        appeal_withdraw(appeal=appeal, actor=request.user, reason=data["reason"])

    return _my_action(request, pk, WithdrawForm(request.POST), "withdraw_form", act, _("诉求已撤回。"))


urlpatterns: list[URLPattern] = [
    path("receipt/", receipt_lookup, name="receipt_lookup"),
    path("receipt/info/", receipt_add_info, name="receipt_add_info"),
    path("receipt/rate/", receipt_rate, name="receipt_rate"),
    path("receipt/withdraw/", receipt_withdraw, name="receipt_withdraw"),
    path("receipt/attachments/<int:att_pk>/", receipt_attachment, name="receipt_attachment"),
    path("mine/", my_appeals, name="my_appeals"),
    path("mine/<int:pk>/", my_appeal_detail, name="my_appeal_detail"),
    path("mine/<int:pk>/info/", my_appeal_add_info, name="my_appeal_add_info"),
    path("mine/<int:pk>/rate/", my_appeal_rate, name="my_appeal_rate"),
    path("mine/<int:pk>/withdraw/", my_appeal_withdraw, name="my_appeal_withdraw"),
]
