"""Pages: counselling referrals (EAP). The person asks for themself, or their secretary asks with the
person's recorded consent; only the counsellor reads the details, everyone else sees the status."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianxin.audit.services import client_ip
from lianxin.care import plans
from lianxin.care.access import referral_for
from lianxin.care.codes import ConsentPurpose
from lianxin.care.forms import ReferralForm
from lianxin.care.scope import can_read_counselling, referrals_visible_to
from lianxin.care.selectors import counselling_details_for
from lianxin.care.views import error_messages
from lianxin.care.views.key import _form_errors
from lianxin.org.access import person_for

LIST_SIZE = 200


@require_GET
@login_required
def referral_list(request: HttpRequest) -> HttpResponse:
    referrals = list(
        referrals_visible_to(request.user).select_related("person", "person__unit", "consent")[:LIST_SIZE]
    )
    ip = client_ip(request.META)
    for referral in referrals:
        # Details only for the counsellor while consent stands; each read is logged.
        referral.shown_details = counselling_details_for(request.user, referral, ip=ip)  # type: ignore[attr-defined]
        referral.may_close = can_read_counselling(request.user, referral) and referral.closed_at is None  # type: ignore[attr-defined]
    return render(request, "care/referrals.html", {"referrals": referrals})


@require_http_methods(["GET", "POST"])
@login_required
def referral_new(request: HttpRequest, person_id: int) -> HttpResponse:
    person = person_for(request.user, person_id)
    form = ReferralForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                # The consent and the referral stand or fall together.
                with transaction.atomic():
                    if data["consent"]:
                        plans.consent_give(
                            actor=request.user,
                            person=person,
                            purpose=ConsentPurpose.COUNSELLING,
                            version=data["version"],
                        )
                    plans.counselling_refer(actor=request.user, person=person, details=data["details"])
            except ValidationError as error:
                errors = error_messages(error)
            else:
                return redirect("referral_list")
        else:
            errors = _form_errors(form)
    context = {"form": form, "errors": errors, "person": person, "title": _("申请心理咨询")}
    return render(request, "care/form.html", context, status=400 if request.method == "POST" else 200)


@require_POST
@login_required
def referral_close(request: HttpRequest, pk: int) -> HttpResponse:
    referral = referral_for(request.user, pk)
    try:
        plans.counselling_close(actor=request.user, referral=referral)
    except ValidationError as error:
        return HttpResponse("；".join(error_messages(error)), status=400)
    return redirect("referral_list")


urlpatterns: list[URLPattern] = [
    path("referrals/", referral_list, name="referral_list"),
    path("people/<int:person_id>/referrals/new/", referral_new, name="referral_new"),
    path("referrals/<int:pk>/close/", referral_close, name="referral_close"),
]
