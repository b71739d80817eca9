"""Care on the person's file timeline: talks, visits, life events, due items, care steps, key-person
flags, violation cases and counselling referrals. Each part follows the viewer's role (lianxin.care.scope):
whoever sees the file sees that talks and visits happened; topics only for those who may read summaries
(logged); events and due items for supervisors and the responsible user; key status, plans and cases for
supervisors, the person and the plan's responsible user; counselling only as a status, never details."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from lianxin.audit.services import access_log_record
from lianxin.care.models import (
    CarePlanStep,
    ContactRecord,
    CounsellingReferral,
    DueItem,
    KeyPersonFlag,
    ViolationCase,
)
from lianxin.care.scope import can_read_summary, can_see_key_status, is_counsellor_for, supervises
from lianxin.org.models import Person
from lianxin.org.scope import UserLike, people_visible_to
from lianxin.org.selectors import TimelineEntry, register_timeline_source

TIMELINE_LIMIT = 100


def _contact_entries(user: UserLike, person: Person) -> list[TimelineEntry]:
    records = list(
        ContactRecord.objects.filter(links__person=person)
        .prefetch_related("people__unit")
        .order_by("-date", "-pk")[:TIMELINE_LIMIT]
    )
    entries = []
    topics_shown = False
    for record in records:
        title = record.get_kind_display()
        if record.place:
            title += f" · {record.place}"
        if record.topic and can_read_summary(user, record, list(record.people.all())):
            title += f" · {record.topic}"
            topics_shown = True
        entries.append(TimelineEntry(at=record.date, kind=str(_("谈访")), title=title))
    if topics_shown:
        access_log_record(actor=user, person=person, sections=["talk_summary"], ip=None)
    return entries


def _due_entries(user: UserLike, person: Person, supervisor: bool) -> list[TimelineEntry]:
    items = DueItem.objects.filter(person=person).select_related("event__kind").order_by("-due_at")
    if not supervisor:
        items = items.filter(responsible=user)
    entries = []
    for item in items[:TIMELINE_LIMIT]:
        event = item.event
        entries.append(
            TimelineEntry(
                at=event.date, kind=str(_("事件")), title=f"{event.kind.label} · {event.get_source_display()}"
            )
        )
        if item.done_at is not None:
            state = _("已完成")
        elif item.is_overdue:
            state = _("已逾期")
        else:
            state = _("待办")
        title = _("必%(action)s，%(due)s 前 · %(state)s") % {
            "action": item.get_action_display(),
            "due": item.due_date.isoformat(),
            "state": state,
        }
        entries.append(TimelineEntry(at=item.done_at or item.due_date, kind=str(_("待办谈访")), title=title))
    return entries


def _key_entries(user: UserLike, person: Person, key_viewer: bool) -> list[TimelineEntry]:
    entries = []
    steps = CarePlanStep.objects.filter(plan__person=person).select_related("plan")
    if not key_viewer:
        steps = steps.filter(plan__responsible=user)
    for step in steps.order_by("-due_date")[:TIMELINE_LIMIT]:
        state = _("已完成") if step.done_at is not None else _("计划")
        entries.append(
            TimelineEntry(
                at=step.done_at or step.due_date, kind=str(_("帮扶")), title=f"{step.action} · {state}"
            )
        )
    if key_viewer:
        for flag in KeyPersonFlag.objects.filter(person=person).order_by("-opened_at")[:TIMELINE_LIMIT]:
            entries.append(
                TimelineEntry(at=flag.opened_at, kind=str(_("重点人员")), title=flag.get_reason_display())
            )
    cases = ViolationCase.objects.filter(person=person)
    if not key_viewer:
        cases = cases.filter(helper=user)
    for case in cases.order_by("-date")[:TIMELINE_LIMIT]:
        state = _("已结案") if case.closed_at is not None else _("帮教中")
        entries.append(
            TimelineEntry(at=case.date, kind=str(_("三违帮教")), title=f"{case.get_kind_display()} · {state}")
        )
    return entries


def _referral_entries(user: UserLike, person: Person, key_viewer: bool) -> list[TimelineEntry]:
    if not (key_viewer or is_counsellor_for(user, person)):
        return []
    referrals = CounsellingReferral.objects.filter(person=person).order_by("-created_at")[:TIMELINE_LIMIT]
    return [
        TimelineEntry(at=r.created_at, kind=str(_("心理咨询")), title=r.get_status_display())
        for r in referrals
    ]


@register_timeline_source
def care_entries(user: UserLike, person: Person) -> Iterable[TimelineEntry]:
    # The file page checks access first; this source refuses on its own too, so no caller can leak care
    # entries of a person outside the viewer's scope.
    if not people_visible_to(user).filter(pk=person.pk).exists():
        return []
    supervisor = supervises(user, person)
    key_viewer = can_see_key_status(user, person)
    return [
        *_contact_entries(user, person),
        *_due_entries(user, person, supervisor),
        *_key_entries(user, person, key_viewer),
        *_referral_entries(user, person, key_viewer),
    ]
