"""Pages: record a talk or visit (phone-first) and read one record; the summary only for allowed viewers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from lianxin.audit.services import client_ip
from lianxin.care import services
from lianxin.care.access import contact_for, require_care_staff
from lianxin.care.forms import ContactForm
from lianxin.care.models import DueItem
from lianxin.care.selectors import contact_summary_for, due_items_open, my_people
from lianxin.care.views import error_messages
from lianxin.org.models import Person
from lianxin.org.scope import UserLike, people_visible_to

DATALIST_SIZE = 200


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


def _candidates(user: UserLike, wanted: list[int]) -> list[Person]:
    """The people offered as checkboxes: the user's paired people and any named in the request."""
    mine = list(my_people(user))
    named = list(people_visible_to(user).filter(pk__in=wanted).exclude(pk__in=[p.pk for p in mine]))
    return named + mine


def _lookup(user: UserLike, text: str) -> Person:
    found = list(people_visible_to(user).filter(employee_no=text)[:2]) or list(
        people_visible_to(user).filter(name=text)[:2]
    )
    if not found:
        raise ValidationError({"lookup": _("在您的管理范围内未找到该人员。")})
    if len(found) > 1:
        raise ValidationError({"lookup": _("有同名人员，请输入工号。")})
    return found[0]


@require_http_methods(["GET", "POST"])
@login_required
def contact_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_care_staff(user)
    source = request.POST if request.method == "POST" else request.GET
    wanted = _ids(source.getlist("people") or source.getlist("person"))
    people = _candidates(user, wanted)
    ids = [p.pk for p in people]
    open_items = list(due_items_open(user).filter(person_id__in=ids))
    form = ContactForm(
        request.POST if request.method == "POST" else None,
        people_choices=[(p.pk, f"{p.name}（{p.employee_no}）") for p in people],
        due_choices=[
            (d.pk, f"{d.person.name} · {d.event.kind.label} · {d.get_action_display()} · {d.due_date}")
            for d in open_items
        ],
        initial={"people": wanted, "due": _ids(request.GET.getlist("due"))},
    )
    errors: list[str] = []
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                chosen = [p for p in people if p.pk in set(data["people"])]
                if data["lookup"]:
                    chosen.append(_lookup(user, data["lookup"].strip()))
                items = [d for d in open_items if d.pk in set(data["due"])]
                record = services.contact_record(
                    actor=user,
                    kind=data["kind"],
                    date=data["date"],
                    people=chosen,
                    place=data["place"],
                    topic=data["topic"],
                    summary=data["summary"],
                    next_due=data["next_due"],
                    fulfils=items,
                    follow_up_appeal_text=data["appeal_text"].strip() or None,
                )
            except ValidationError as error:
                errors = error_messages(error)
            else:
                return redirect("contact_detail", record.pk)
        else:
            errors = [str(e) for field in form.errors.values() for e in field]
    status = 400 if request.method == "POST" else 200
    datalist = people_visible_to(user).only("employee_no", "name").order_by("name", "pk")[:DATALIST_SIZE]
    return render(
        request,
        "care/contact_new.html",
        {"form": form, "errors": errors, "datalist": datalist},
        status=status,
    )


@require_GET
@login_required
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = contact_for(request.user, pk)
    summary = contact_summary_for(request.user, record, ip=client_ip(request.META))
    fulfilled: list[DueItem] = list(record.fulfilled_items.select_related("event__kind"))
    people = people_visible_to(request.user).filter(contact_links__record=record).order_by("name")
    return render(
        request,
        "care/contact_detail.html",
        {"record": record, "summary": summary, "fulfilled": fulfilled, "people": people},
    )


urlpatterns: list[URLPattern] = [
    path("contacts/new/", contact_new, name="contact_new"),
    path("contacts/<int:pk>/", contact_detail, name="contact_detail"),
]
