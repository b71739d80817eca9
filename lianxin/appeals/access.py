"""The access helper for appeals: the appeal within the user's reach, or 404."""

from __future__ import annotations

from django.http import Http404

from lianxin.appeals.models import Appeal
from lianxin.appeals.scope import appeals_visible_to, can_handle, can_supervise
from lianxin.org.scope import UserLike


def appeal_for(user: UserLike, pk: int, *, write: bool = False, supervise: bool = False) -> Appeal:
    """write: the user may act on it (handler, co-handler or supervisor); supervise: secretary and above."""
    try:
        appeal = (
            appeals_visible_to(user).select_related("unit", "category", "handler", "submitter").get(pk=pk)
        )
    except (Appeal.DoesNotExist, ValueError, TypeError):
        raise Http404("appeal") from None
    if supervise and not can_supervise(user, appeal):
        raise Http404("appeal")
    if write and not can_handle(user, appeal):
        raise Http404("appeal")
    return appeal
