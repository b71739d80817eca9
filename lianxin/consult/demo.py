"""The demo's consultation meetings: last week's meeting of the operations branch, held, with its agenda taken
from the branch's open warnings and overdue or red appeals and decisions that show on them; and next week's,
planned, whose page offers the remaining candidates. Everything goes through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lianxin.appeals.models import Appeal
from lianxin.consult import services as cs
from lianxin.consult.models import AgendaItem, ItemSource, Meeting
from lianxin.consult.scope import people_for
from lianxin.consult.selectors import agenda_candidates
from lianxin.org.models import Role, RoleAssignment

SECRETARY = "secretary_yunxing"
WARNING_DECISIONS = (
    "由支部书记牵头，本周内到班组逐一谈心，摸清情况后向党委报告",
    "联系相关部门拿出解决方案，下周例会上通报进展",
)
APPEAL_DECISIONS = (
    "责任人当天联系诉求人，说明办理进度，按期办结并答复",
    "协调后勤和人事部门共同办理，办结后做满意度回访",
    "列入支部重点跟踪事项，每周跟进一次直至办结",
)


def _attendees(meeting: Meeting, secretary: Any) -> list[Any]:
    people = list(people_for(meeting))
    grid_ids = set(
        RoleAssignment.objects.filter(
            role=Role.GRID_MEMBER, unit__path__startswith=meeting.unit.path
        ).values_list("user_id", flat=True)
    )
    chosen = [secretary, *[u for u in people if u.pk in grid_ids][:4]]
    chosen += [u for u in people if u.username == "department"]
    return list({u.pk: u for u in chosen}.values())


def _responsible(item: AgendaItem, allowed: set[int], fallback: Any) -> Any:
    if item.appeal_id is not None:
        handler_id = Appeal.objects.filter(pk=item.appeal_id).values_list("handler_id", flat=True).first()
        if handler_id in allowed:
            return get_user_model().objects.get(pk=handler_id)
    return fallback


@transaction.atomic
def seed_demo_consult(*, seed: int = 2026) -> int:
    """Returns how many decisions went back onto appeals, warnings and the people who act."""
    del seed  # the agenda follows the demo's own warnings and appeals
    secretary = get_user_model().objects.filter(username=SECRETARY).first()
    grant = RoleAssignment.objects.filter(user=secretary, role=Role.SECRETARY).select_related("unit").first()
    if secretary is None or grant is None:
        return 0
    today = timezone.localdate()
    held_on = today - dt.timedelta(days=2)
    week = held_on.isocalendar().week
    meeting = cs.meeting_plan(
        actor=secretary,
        unit=grant.unit,
        kind="weekly",
        date=held_on,
        title=f"{grant.unit.name}第{week}周例会会诊",
    )
    warnings = [c for c in agenda_candidates(meeting, secretary) if c.source == ItemSource.WARNING][:2]
    items = [
        cs.meeting_add_item(meeting=meeting, actor=secretary, source=c.source, warning_id=c.pk)
        for c in warnings
    ]
    # Asked again: an appeal whose warning is now on the agenda is discussed with it.
    appeals = [c for c in agenda_candidates(meeting, secretary) if c.source == ItemSource.APPEAL]
    items += [
        cs.meeting_add_item(meeting=meeting, actor=secretary, source=c.source, appeal_id=c.pk)
        for c in appeals[: 2 if warnings else 3]
    ]
    items.append(
        cs.meeting_add_item(
            meeting=meeting,
            actor=secretary,
            source=ItemSource.OTHER,
            title="班组倒班人员思想动态和下周谈心安排",
        )
    )
    cs.meeting_set_attendees(meeting=meeting, actor=secretary, attendees=_attendees(meeting, secretary))
    allowed = set(people_for(meeting).values_list("pk", flat=True))
    attendees = list(meeting.attendees.exclude(pk=secretary.pk).order_by("pk"))
    texts = {ItemSource.WARNING: WARNING_DECISIONS, ItemSource.APPEAL: APPEAL_DECISIONS}
    for n, item in enumerate(items):
        options = texts.get(ItemSource(item.source), ("各班组长本周内完成倒班人员谈心，情况报支部汇总",))
        cs.meeting_record_decision(
            item=item,
            actor=secretary,
            text=options[n % len(options)],
            responsible=_responsible(
                item, allowed, attendees[n % len(attendees)] if attendees and item.appeal_id else secretary
            ),
            due=today + dt.timedelta(days=3 + n),
        )
    cs.meeting_hold(
        meeting=meeting,
        actor=secretary,
        minutes=(
            f"本周例会对{len(items)}项预警、诉求和思想动态进行了会诊。"
            "会议逐项明确了责任人和完成时限，要求各责任人按期办理，下周例会通报进展。"
        ),
    )
    next_on = held_on + dt.timedelta(days=7)
    cs.meeting_plan(
        actor=secretary,
        unit=grant.unit,
        kind="weekly",
        date=next_on,
        title=f"{grant.unit.name}第{next_on.isocalendar().week}周例会会诊",
    )
    return len(items)
