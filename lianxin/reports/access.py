"""Who may see, write and review a report.

- A branch report: the secretary of that branch reads, edits and submits it; the party-mass department
  (at the enterprise or above the branch) and leadership read it; the department returns or accepts it.
- The enterprise report: the department reads, edits and submits it; leadership reads it and returns or
  accepts it (领导班子 is the 指导主体 that signs the department's work off).
Anyone else gets a 404, which never confirms that a report exists.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from lianxin.org.models import Role, Unit
from lianxin.org.scope import UserLike, grants_of
from lianxin.reports.models import Report, ReportStatus


def is_report_unit(unit: Unit) -> bool:
    """Reports exist for each branch and for the enterprise (a root)."""
    return unit.depth == 1 or unit.kind.is_branch


def can_author(user: UserLike, unit: Unit) -> bool:
    for grant in grants_of(user):
        if unit.depth == 1:
            if grant.role == Role.DEPARTMENT and grant.path == unit.path:
                return True
        elif grant.role == Role.SECRETARY and grant.path == unit.path:
            return True
    return False


def can_review(user: UserLike, unit: Unit) -> bool:
    for grant in grants_of(user):
        if unit.depth == 1:
            if grant.role == Role.LEADERSHIP and grant.path == unit.path:
                return True
        elif grant.role == Role.DEPARTMENT and unit.path.startswith(grant.path) and grant.path != unit.path:
            return True
    return False


def reports_visible_to(user: UserLike) -> QuerySet[Report]:
    """Secretaries: their own branch's reports; the department and leadership: every report in their
    subtree, the enterprise's included."""
    q: Q | None = None
    for grant in grants_of(user):
        if grant.role == Role.SECRETARY:
            part = Q(unit__path=grant.path)
        elif grant.role in (Role.DEPARTMENT, Role.LEADERSHIP):
            part = Q(unit__path__startswith=grant.path)
        else:
            continue
        q = part if q is None else q | part
    return Report.objects.filter(q) if q is not None else Report.objects.none()


def report_for(user: UserLike, pk: int, write: bool = False, *, review: bool = False) -> Report:
    """The report within the user's reach, or 404. write: one the user may edit and submit now (a draft
    or a returned report of their own unit); review: a submitted report the user may return or accept."""
    try:
        report = reports_visible_to(user).select_related("unit", "unit__kind").get(pk=pk)
    except (Report.DoesNotExist, ValueError, TypeError):
        raise Http404("report") from None
    if write and not (report.is_editable and can_author(user, report.unit)):
        raise Http404("report")
    if review and not (report.status == ReportStatus.SUBMITTED and can_review(user, report.unit)):
        raise Http404("report")
    return report
