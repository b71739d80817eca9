"""Reads for consultation meetings: the agenda builder's candidates and the meeting list."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals.codes import OPEN_STATES, Grade
from lianxin.appeals.models import Appeal
from lianxin.appeals.scope import appeals_visible_to
from lianxin.consult.models import ItemSource, Meeting
from lianxin.consult.scope import meetings_visible_to
from lianxin.insight.codes import LEVEL_ORDER, OPEN_WARNING_STATES
from lianxin.insight.models import Warning
from lianxin.insight.warnings import warnings_visible_to
from lianxin.org.scope import UserLike

CANDIDATES_PER_SOURCE = 50
EXCERPT = 30


@dataclass(frozen=True)
class Candidate:
    source: str  # ItemSource.WARNING or ItemSource.APPEAL
    pk: int
    title: str
    badge: str  # the warning level or the appeal grade, for display
    red: bool
    overdue: bool = False


def warning_candidates(meeting: Meeting, user: UserLike) -> QuerySet[Warning]:
    """Open warnings in the meeting unit's subtree that the user sees and the agenda lacks, most urgent
    first."""
    urgency = Case(
        *[When(level=level, then=Value(rank)) for rank, level in enumerate(LEVEL_ORDER)],
        default=Value(len(LEVEL_ORDER)),
        output_field=IntegerField(),
    )
    return (
        warnings_visible_to(user)
        .filter(meeting.unit.subtree_q("unit__"), status__in=list(OPEN_WARNING_STATES))
        .exclude(pk__in=meeting.items.filter(warning__isnull=False).values("warning_id"))
        # A warning about an appeal already on the agenda is discussed with it.
        .exclude(appeal_id__in=meeting.items.filter(appeal__isnull=False).values("appeal_id"))
        .annotate(urgency=urgency)
        .order_by("urgency", "opened_at", "pk")
    )


def appeal_candidates(meeting: Meeting, user: UserLike) -> QuerySet[Appeal]:
    """Open appeals in the subtree that are overdue or red, seen by the user, not yet on the agenda:
    red first, then the longest overdue."""
    overdue_or_red = Q(closure_due__lt=timezone.now()) | Q(grade=Grade.RED)
    return (
        appeals_visible_to(user)
        .filter(meeting.unit.subtree_q("unit__"), overdue_or_red, state__in=list(OPEN_STATES))
        .exclude(pk__in=meeting.items.filter(appeal__isnull=False).values("appeal_id"))
        .exclude(pk__in=meeting.items.filter(warning__appeal__isnull=False).values("warning__appeal_id"))
        .annotate(
            red_first=Case(
                When(grade=Grade.RED, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .select_related("category")
        .order_by("red_first", "closure_due", "pk")
    )


def appeal_title(appeal: Appeal) -> str:
    """How an appeal appears on an agenda. An anonymous one by its number and category only, so that its
    words cannot point to who raised it; a named one with the start of its text."""
    category = appeal.category.label if appeal.category_id and appeal.category else _("未分类")
    title = f"{appeal.number} · {category}"
    if not appeal.is_anonymous:
        excerpt = appeal.text[:EXCERPT] + ("…" if len(appeal.text) > EXCERPT else "")
        title = f"{title} · {excerpt}"
    return title[:200]


def agenda_candidates(meeting: Meeting, user: UserLike) -> list[Candidate]:
    """What the agenda builder offers: open warnings in the meeting unit's subtree (most urgent first), then
    overdue and red open appeals there, all visible to the user and not already on the agenda."""
    now = timezone.now()
    out = [
        Candidate(
            source=ItemSource.WARNING,
            pk=w.pk,
            title=w.title,
            badge=str(w.get_level_display()),
            red=w.level == LEVEL_ORDER[0],
        )
        for w in warning_candidates(meeting, user)[:CANDIDATES_PER_SOURCE]
    ]
    for a in appeal_candidates(meeting, user)[:CANDIDATES_PER_SOURCE]:
        out.append(
            Candidate(
                source=ItemSource.APPEAL,
                pk=a.pk,
                title=appeal_title(a),
                badge=str(a.get_grade_display()) if a.grade else "",
                red=a.grade == Grade.RED,
                overdue=a.closure_due is not None and a.closure_due < now,
            )
        )
    return out


def meeting_list(user: UserLike) -> QuerySet[Meeting]:
    """The meetings the user sees with their counts, newest first: a fixed number of queries."""
    return (
        meetings_visible_to(user)
        .select_related("unit", "convener", "convener__person")
        .annotate(
            item_count=Count("items", distinct=True),
            decision_count=Count("items__decisions", distinct=True),
        )
        .order_by("-date", "-pk")
    )
