"""The person's separate consents (health, counselling, being named in a report): the person and their
secretary and above see each purpose's standing consent with its version and time, record one from a
signed form, and withdraw it. Anyone else gets 404."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from lianxin.care import plans
from lianxin.care.codes import ConsentPurpose
from lianxin.care.forms import TEXT
from lianxin.care.models import Consent
from lianxin.care.scope import is_self, supervises
from lianxin.care.views import error_messages
from lianxin.org.access import person_for
from lianxin.org.models import Person
from lianxin.org.scope import UserLike


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("用途"), choices=ConsentPurpose.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    version = forms.CharField(label=_("同意书版本"), initial="v1", max_length=20, widget=TEXT)


def _consenting_person(user: UserLike, person_id: int) -> Person:
    person = person_for(user, person_id)
    if not (is_self(user, person) or supervises(user, person)):
        raise Http404("consents")
    return person


@require_http_methods(["GET", "POST"])
@login_required
def consent_list(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _consenting_person(request.user, person_id)
    form = ConsentForm(request.POST if request.POST.get("action") == "give" else None)
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "give":
                if not form.is_valid():
                    raise ValidationError([str(e) for field in form.errors.values() for e in field])
                plans.consent_give(actor=request.user, person=person, **form.cleaned_data)
            elif action == "withdraw":
                purpose = request.POST.get("purpose", "")
                if plans.consent_withdraw(actor=request.user, person=person, purpose=purpose) == 0:
                    raise ValidationError(_("没有可撤回的同意。"))
            else:
                raise ValidationError(_("未知的操作。"))
        except ValidationError as error:
            errors = error_messages(error)
        else:
            return redirect("consent_list", person.pk)
    consents = list(Consent.objects.filter(person=person).select_related("recorded_by").order_by("-given_at"))
    standing = {c.purpose: c for c in reversed(consents) if c.withdrawn_at is None}
    purposes = [
        {"code": code, "label": label, "consent": standing.get(code)}
        for code, label in ConsentPurpose.choices
    ]
    context = {
        "person": person,
        "purposes": purposes,
        "history": consents,
        "form": form,
        "errors": errors,
        "own": is_self(request.user, person),
    }
    return render(request, "care/consents.html", context, status=400 if errors else 200)


urlpatterns: list[URLPattern] = [
    path("people/<int:person_id>/consents/", consent_list, name="consent_list"),
]
