"""The access helper for consultation meetings: the meeting within the user's reach, or 404."""

from __future__ import annotations

from django.http import Http404

from lianxin.consult.models import AgendaItem, Decision, Meeting
from lianxin.consult.scope import meetings_visible_to
from lianxin.org.scope import UserLike


def meeting_for(user: UserLike, pk: int) -> Meeting:
    try:
        return meetings_visible_to(user).select_related("unit", "convener", "convener__person").get(pk=pk)
    except (Meeting.DoesNotExist, ValueError, TypeError):
        raise Http404("meeting") from None


def item_for(meeting: Meeting, pk: int) -> AgendaItem:
    try:
        return meeting.items.select_related("meeting", "meeting__unit").get(pk=pk)
    except (AgendaItem.DoesNotExist, ValueError, TypeError):
        raise Http404("item") from None


def decision_for(meeting: Meeting, pk: int) -> Decision:
    try:
        return Decision.objects.select_related("item", "item__meeting").get(pk=pk, item__meeting=meeting)
    except (Decision.DoesNotExist, ValueError, TypeError):
        raise Http404("decision") from None
