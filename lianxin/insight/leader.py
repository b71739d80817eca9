"""The leader's first page (领导首页): open red and orange warnings, trends, overdue appeals by branch and
the monthly reports waiting or missing, each with a link to act. Shown at the top of the home page of
leadership and the party-mass department, within their scope; a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone

from lianxin.appeals.models import Appeal
from lianxin.insight.codes import OPEN_WARNING_STATES, WarningLevel, WarningSource
from lianxin.insight.models import Warning
from lianxin.insight.warnings import warnings_visible_to
from lianxin.org.models import SENSITIVE_ROLES, Role, Unit
from lianxin.org.scope import UserLike, paths_q, roles_of, scope_paths

LIST_SIZE = 8
LEADER_ROLES = frozenset({Role.LEADERSHIP, Role.DEPARTMENT})


@dataclass
class LeaderPage:
    urgent: list[Warning]
    urgent_counts: dict[str, int]
    trends: list[Warning]
    overdue_by_branch: list[tuple[Unit, int]]
    overdue_total: int
    month: dt.date
    reports_waiting: list[Any] = field(default_factory=list)
    reports_missing: list[Unit] = field(default_factory=list)


def previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def leader_page(user: UserLike, *, now: dt.datetime | None = None) -> LeaderPage:
    moment = now or timezone.now()
    paths = scope_paths(user, SENSITIVE_ROLES)
    warnings = warnings_visible_to(user).filter(status__in=OPEN_WARNING_STATES)
    urgent_q = warnings.filter(level__in=[WarningLevel.RED, WarningLevel.ORANGE])
    counts = dict(urgent_q.order_by().values_list("level").annotate(n=Count("pk")))
    urgent = list(
        urgent_q.select_related("unit", "person").order_by(
            # red before orange, then the oldest first: the one waiting longest is the most pressing
            "-level",
            "opened_at",
            "pk",
        )[:LIST_SIZE]
    )
    urgent.sort(key=lambda w: (0 if w.level == WarningLevel.RED else 1, w.opened_at, w.pk))
    trends = list(
        warnings.filter(source=WarningSource.TREND)
        .select_related("unit")
        .order_by("-opened_at", "-pk")[:LIST_SIZE]
    )

    branches = list(Unit.objects.filter(paths_q(paths, "")).filter(kind__is_branch=True).order_by("path"))
    overdue_rows = (
        Appeal.objects.overdue(moment)
        .filter(paths_q(paths, "unit__"))
        .order_by()
        .values_list("unit__path")
        .annotate(n=Count("pk"))
    )
    by_branch: dict[int, int] = {}
    total = 0
    for path, n in overdue_rows:
        total += n
        owner = max((b for b in branches if path.startswith(b.path)), key=lambda b: len(b.path), default=None)
        if owner is not None:
            by_branch[owner.pk] = by_branch.get(owner.pk, 0) + n
    overdue = sorted(
        ((b, by_branch[b.pk]) for b in branches if b.pk in by_branch), key=lambda r: (-r[1], r[0].path)
    )

    month = previous_month(timezone.localdate(moment))
    page = LeaderPage(urgent, counts, trends, overdue, total, month)
    try:
        from lianxin.reports.models import Report, ReportStatus
    except ImportError:  # pragma: no cover - the reports capability is optional
        return page
    in_scope = Report.objects.filter(paths_q(paths, "unit__"))
    page.reports_waiting = list(
        in_scope.filter(status=ReportStatus.SUBMITTED)
        .select_related("unit")
        .order_by("month", "unit__path")[:LIST_SIZE]
    )
    done = set(
        in_scope.filter(month=month, status__in=[ReportStatus.SUBMITTED, ReportStatus.ACCEPTED]).values_list(
            "unit_id", flat=True
        )
    )
    page.reports_missing = [b for b in branches if b.pk not in done]
    return page


def leader_panel(request: HttpRequest) -> tuple[str, dict[str, Any]] | None:
    """The home-page panel for leadership and the department (settings.HOME_PANELS)."""
    user = request.user
    if not user.is_authenticated or not (roles_of(user) & LEADER_ROLES):
        return None
    return "insight/_leader_panel.html", {"page": leader_page(user)}
