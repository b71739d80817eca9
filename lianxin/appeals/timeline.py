"""Named appeals on the person's file timeline; anonymous ones never appear there.

A viewer who may open the appeal gets a link; anyone else who sees the file only learns the number, the
date, the category and the state, never the words.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from lianxin.appeals.models import Appeal
from lianxin.appeals.scope import appeals_visible_to, can_supervise
from lianxin.org.models import Person
from lianxin.org.scope import UserLike
from lianxin.org.selectors import TimelineEntry, register_timeline_source

TIMELINE_LIMIT = 100


@register_timeline_source
def appeal_entries(user: UserLike, person: Person) -> Iterable[TimelineEntry]:
    appeals = list(
        Appeal.objects.filter(submitter=person, is_anonymous=False)
        .select_related("category", "unit")
        .order_by("-received_at")[:TIMELINE_LIMIT]
    )
    if not appeals:
        return []
    visible = set(
        appeals_visible_to(user).filter(pk__in=[a.pk for a in appeals]).values_list("pk", flat=True)
    )
    co_handled = set(
        Appeal.co_handlers.through.objects.filter(user_id=user.pk, appeal_id__in=visible).values_list(
            "appeal_id", flat=True
        )
    )
    entries = []
    for appeal in appeals:
        category = appeal.category.label if appeal.category is not None else _("未分类")
        title = f"{appeal.number} · {category} · {appeal.get_state_display()}"
        url = ""
        # The handling page opens only for those who may act on it; others in scope see the bare entry.
        if appeal.pk in visible and (
            appeal.handler_id == user.pk or appeal.pk in co_handled or can_supervise(user, appeal)
        ):
            url = reverse("appeal_detail", args=[appeal.pk])
        entries.append(TimelineEntry(at=appeal.received_at, kind=str(_("诉求")), title=title, url=url))
    return entries
