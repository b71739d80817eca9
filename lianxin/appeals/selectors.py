"""Reads for the handling pages: the worklist tabs, the handler choices and an appeal's history.

Every list starts from appeals_visible_to, so a tab can narrow what a user sees but never widen it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianxin.appeals import services
from lianxin.appeals.codes import FINISHED_STATES, OPEN_STATES, Grade, State
from lianxin.appeals.models import Appeal, Category
from lianxin.appeals.presenters import user_label
from lianxin.appeals.scope import appeals_visible_to, handler_candidates
from lianxin.org.models import SCOPE_ROLES, SENSITIVE_ROLES
from lianxin.org.scope import UserLike, roles_of, scope_paths

HANDLER_CHOICES_CAP = 200


@dataclass(frozen=True)
class Tab:
    key: str
    label: Any


TABS = (
    Tab("received", _("待受理")),
    Tab("mine", _("我负责的")),
    Tab("supervise", _("督办")),
    Tab("overdue", _("逾期")),
    Tab("followup", _("待跟进")),
    Tab("return_visit", _("待回访")),
)
TAB_KEYS = frozenset(t.key for t in TABS)


def _supervised_q(user: UserLike) -> Q | None:
    """Appeals whose unit lies in a subtree where the user is secretary or above."""
    q: Q | None = None
    for path in scope_paths(user, SENSITIVE_ROLES):
        part = Q(unit__path__startswith=path)
        q = part if q is None else q | part
    return q


def _handled_q(user: UserLike) -> Q:
    co_handled = Appeal.co_handlers.through.objects.filter(user=user).values("appeal_id")
    return Q(handler=user) | Q(pk__in=co_handled)


def is_handling_staff(user: UserLike) -> bool:
    """Who has a worklist: staff roles, or anyone named handler or co-handler of some appeal."""
    if roles_of(user) & SCOPE_ROLES:
        return True
    return Appeal.objects.filter(_handled_q(user)).exists()


def worklist(user: UserLike, tab: str, *, now: dt.datetime | None = None) -> QuerySet[Appeal]:
    """The appeals of one worklist tab, for this user."""
    moment = now or timezone.now()
    visible = appeals_visible_to(user)
    supervised = _supervised_q(user)
    mine = _handled_q(user)
    if tab == "received":
        if supervised is None:
            return visible.none()
        rows = visible.filter(supervised, state=State.RECEIVED)
    elif tab == "mine":
        rows = visible.filter(mine).exclude(state__in=FINISHED_STATES)
    elif tab == "supervise":
        if supervised is None:
            return visible.none()
        rows = visible.filter(supervised, state__in=OPEN_STATES)
    elif tab == "overdue":
        rows = visible.filter(pk__in=Appeal.objects.overdue(moment).values("pk"))
    elif tab == "followup":
        # 一周一跟进: on the handler's list and on the supervisor's.
        who = mine if supervised is None else mine | supervised
        rows = visible.filter(who, pk__in=services.needs_followup(now=moment).values("pk"))
    elif tab == "return_visit":
        who = mine if supervised is None else mine | supervised
        rows = visible.filter(
            who, state=State.ANSWERED, rating="", answered_at__lt=moment - services.RETURN_VISIT_AFTER
        )
    else:
        raise ValueError(tab)
    return rows


def filter_worklist(rows: QuerySet[Appeal], params: Mapping[str, str]) -> QuerySet[Appeal]:
    """Narrow by state, grade and category; unknown values are ignored rather than erroring."""
    state = params.get("state", "")
    if state in State.values:
        rows = rows.filter(state=state)
    grade = params.get("grade", "")
    if grade in Grade.values:
        rows = rows.filter(grade=grade)
    category = params.get("category", "")
    if category:
        rows = rows.filter(category_id=category)
    return rows


def worklist_page(rows: QuerySet[Appeal], *, offset: int, size: int) -> tuple[list[Appeal], bool]:
    """One page in a fixed number of queries; one extra row tells whether another page follows."""
    ordered = rows.select_related("unit", "category", "handler", "handler__person").order_by(
        F("closure_due").asc(nulls_last=True), "received_at", "pk"
    )
    found = list(ordered[offset : offset + size + 1])
    return found[:size], len(found) > size


def categories() -> list[Category]:
    return list(Category.objects.filter(active=True).order_by("order", "code"))


def handler_choices(appeal: Appeal) -> QuerySet[Any]:
    """The handler candidates (scope.handler_candidates), capped to keep the form's select short."""
    ids = list(
        handler_candidates(appeal).order_by("username").values_list("pk", flat=True)[:HANDLER_CHOICES_CAP]
    )
    return get_user_model().objects.filter(pk__in=ids).select_related("person").order_by("username")


def display_name(user: Any) -> str:
    """A user's name as colleagues know it; 系统 for an action nobody made."""
    return user_label(user) or str(_("系统"))
