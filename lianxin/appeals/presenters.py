"""What a user is shown of an appeal: one presenter for the handling page, the API, exports and notices.

An anonymous appeal names nobody on the submitter's side: not the submitter, not the member of staff who
took down the suggestion-box note or the hotline call, not who added information or rated it. Who did
that could point to who raised it. Internal events and their data are for the staff who handle or
supervise it, never for the submitter, even when the submitter also helps to handle it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from lianxin.appeals.codes import EventKind
from lianxin.appeals.models import Appeal, AppealEvent
from lianxin.appeals.scope import can_handle, is_submitter
from lianxin.org.scope import UserLike

# Events made on the submitter's side; on an anonymous appeal their actor is shown as 匿名.
SUBMITTER_KINDS = frozenset({EventKind.SUBMITTED, EventKind.INFO_ADDED, EventKind.RATED, EventKind.WITHDRAWN})


def user_label(user: Any) -> str | None:
    """A user as colleagues know them: the person's name when the account has a file; None for nobody."""
    if user is None:
        return None
    try:
        return str(user.person.name)
    except ObjectDoesNotExist:
        return str(user.get_full_name() or user.get_username())


def submitter_label_of(is_anonymous: bool, name: str | None) -> str | None:
    """匿名 for an anonymous appeal, else the submitter's name (None when a report names nobody)."""
    return _("匿名") if is_anonymous else name


def submitter_label(appeal: Appeal) -> str | None:
    return submitter_label_of(appeal.is_anonymous, appeal.submitter.name if appeal.submitter else None)


def entered_by_label(appeal: Appeal) -> str | None:
    """Who entered the appeal on someone's behalf; never shown for an anonymous one."""
    return None if appeal.is_anonymous else user_label(appeal.entered_by)


def actor_label(appeal: Appeal, event: AppealEvent) -> str | None:
    """Who made the event: 匿名 on the submitter's side of an anonymous appeal, None for the system."""
    if appeal.is_anonymous and event.kind in SUBMITTER_KINDS:
        return _("匿名")
    return user_label(event.actor) if event.actor_id else None


@dataclass(frozen=True)
class EventView:
    id: int
    kind: str
    kind_label: str
    at: dt.datetime
    actor: str | None  # None: the system
    text: str
    public: bool
    data: dict[str, Any] | None  # staff only


@dataclass(frozen=True)
class AppealView:
    appeal: Appeal
    internal: bool  # handles or supervises it, and is not its submitter
    submitter: str | None
    entered_by: str | None
    handler: str | None
    co_handlers: list[str]
    events: list[EventView]


def sees_internal(user: UserLike, appeal: Appeal) -> bool:
    """Staff who handle or supervise see everything; the submitter only what is addressed to them."""
    return can_handle(user, appeal) and not is_submitter(user, appeal)


def event_view(appeal: Appeal, event: AppealEvent, *, internal: bool) -> EventView:
    return EventView(
        id=event.pk,
        kind=event.kind,
        kind_label=event.get_kind_display(),
        at=event.at,
        actor=actor_label(appeal, event),
        text=event.text,
        public=event.public,
        data=event.data if internal else None,
    )


def event_views(appeal: Appeal, *, internal: bool) -> list[EventView]:
    rows = appeal.events.select_related("actor", "actor__person").order_by("at", "pk")
    if not internal:
        rows = rows.filter(public=True)
    return [event_view(appeal, event, internal=internal) for event in rows]


def appeal_view(user: UserLike, appeal: Appeal) -> AppealView:
    """The appeal as this user may see it. The caller has already checked that they may see it at all."""
    internal = sees_internal(user, appeal)
    co_handlers = appeal.co_handlers.select_related("person").order_by("username")
    return AppealView(
        appeal=appeal,
        internal=internal,
        submitter=submitter_label(appeal),
        entered_by=entered_by_label(appeal) if internal else None,
        handler=user_label(appeal.handler) if appeal.handler_id else None,
        co_handlers=[str(user_label(u)) for u in co_handlers],
        events=event_views(appeal, internal=internal),
    )
