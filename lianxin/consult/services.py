"""Every write to a consultation meeting (会诊): plan it, build its agenda, record who attended and what was
decided, hold it with its minutes, close it. When a meeting is held, each decision flows back: onto the
appeal or warning it concerns as an event, and to the person who must act as a notice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals.models import Notification
from lianxin.appeals.selectors import display_name
from lianxin.appeals.services import appeal_consulted
from lianxin.consult import scope
from lianxin.consult.models import (
    AgendaItem,
    Decision,
    ItemSource,
    Meeting,
    MeetingKind,
    MeetingStatus,
)
from lianxin.consult.selectors import appeal_candidates, appeal_title, warning_candidates
from lianxin.insight.warnings import warning_consulted
from lianxin.insight.words import day_words
from lianxin.org.models import Unit
from lianxin.org.scope import UserLike

MAX_TEXT = 5000
NOTICE_KIND = "consult_decision"


def _text(value: str, field: str, message: str, *, limit: int = MAX_TEXT) -> str:
    cleaned = (value or "").strip()
    if not cleaned:
        raise ValidationError({field: message}, code="empty")
    if len(cleaned) > limit:
        raise ValidationError({field: _("内容不能超过 %(max)d 个字。") % {"max": limit}}, code="too_long")
    return cleaned


def _locked(meeting: Meeting, actor: UserLike, *states: str) -> Meeting:
    """The meeting, locked, after checking the actor runs it and it is in one of `states`."""
    locked = Meeting.objects.select_for_update(of=("self",)).select_related("unit").get(pk=meeting.pk)
    if not scope.runs(actor, locked):
        raise ValidationError(_("您无权操作这次会诊。"), code="out_of_scope")
    if locked.status not in states:
        raise ValidationError(
            _("会议当前状态为“%(status)s”，不能执行此操作。") % {"status": locked.get_status_display()},
            code="invalid_status",
        )
    return locked


@transaction.atomic
def meeting_plan(*, actor: UserLike, unit: Unit, kind: str, date: dt.date, title: str = "") -> Meeting:
    """Plan a meeting: a branch secretary for their branch, the department or leadership for the
    enterprise."""
    if not scope.can_convene(actor, unit):
        raise ValidationError({"unit": _("您只能为自己负责的单位召集会诊。")}, code="out_of_scope")
    if kind not in MeetingKind.values:
        raise ValidationError({"kind": _("请选择会议类型。")}, code="unknown_kind")
    if date is None:
        raise ValidationError({"date": _("请填写会议日期。")}, code="no_date")
    cleaned = (title or "").strip()[:200] or _("%(unit)s%(kind)s会诊（%(date)s）") % {
        "unit": unit.name,
        "kind": MeetingKind(kind).label,
        "date": date.isoformat(),
    }
    return Meeting.objects.create(unit=unit, kind=kind, date=date, title=cleaned[:200], convener=actor)


def _next_order(meeting: Meeting) -> int:
    last = meeting.items.order_by("-order").values_list("order", flat=True).first()
    return (last or 0) + 1


@transaction.atomic
def meeting_add_item(
    *,
    meeting: Meeting,
    actor: UserLike,
    source: str,
    warning_id: int | None = None,
    appeal_id: int | None = None,
    title: str = "",
) -> AgendaItem:
    """Put a candidate warning or appeal on the agenda (it must still be a candidate for this user), or a free
    topic by its title. Only while the meeting is being prepared."""
    meeting = _locked(meeting, actor, MeetingStatus.PLANNED)
    fields: dict[str, Any] = {"meeting": meeting, "source": source, "added_by": actor}
    if source == ItemSource.WARNING:
        warning = warning_candidates(meeting, actor).filter(pk=warning_id).first() if warning_id else None
        if warning is None:
            raise ValidationError(_("该预警不在本次会诊可选范围内，或已在议程中。"), code="not_candidate")
        fields.update(warning=warning, title=warning.title[:200])
    elif source == ItemSource.APPEAL:
        appeal = appeal_candidates(meeting, actor).filter(pk=appeal_id).first() if appeal_id else None
        if appeal is None:
            raise ValidationError(_("该诉求不在本次会诊可选范围内，或已在议程中。"), code="not_candidate")
        fields.update(appeal=appeal, title=appeal_title(appeal))
    elif source == ItemSource.OTHER:
        fields["title"] = _text(title, "title", _("请填写议题。"), limit=200)
    else:
        raise ValidationError({"source": _("未知的议题来源。")}, code="unknown_source")
    return AgendaItem.objects.create(order=_next_order(meeting), **fields)


@transaction.atomic
def meeting_remove_item(*, item: AgendaItem, actor: UserLike) -> None:
    """Take an item off the agenda while the meeting is being prepared; once held, nothing is deleted."""
    _locked(item.meeting, actor, MeetingStatus.PLANNED)
    Decision.objects.filter(item=item).delete()
    AgendaItem.objects.filter(pk=item.pk).delete()


@transaction.atomic
def meeting_set_attendees(*, meeting: Meeting, actor: UserLike, attendees: Sequence[Any]) -> Meeting:
    """Who attends: people holding a working role in the meeting's unit, below or above it."""
    meeting = _locked(meeting, actor, MeetingStatus.PLANNED)
    wanted = {int(u.pk) for u in attendees}
    allowed = set(scope.people_for(meeting).filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - allowed:
        raise ValidationError({"attendees": _("参会人员须是本单位或上级的工作人员。")}, code="not_allowed")
    meeting.attendees.set(sorted(wanted))
    return meeting


@transaction.atomic
def meeting_record_decision(
    *, item: AgendaItem, actor: UserLike, text: str, responsible: Any, due: dt.date | None
) -> Decision:
    """A decision on an agenda item: what, who acts, by when (not before the meeting). On a meeting already
    held it flows back at once; otherwise when the meeting is held."""
    meeting = _locked(item.meeting, actor, MeetingStatus.PLANNED, MeetingStatus.HELD)
    cleaned = _text(text, "text", _("请填写决定事项。"))
    if responsible is None or getattr(responsible, "pk", None) is None:
        raise ValidationError({"responsible": _("请指定责任人。")}, code="no_responsible")
    if not scope.people_for(meeting).filter(pk=responsible.pk).exists():
        raise ValidationError(
            {"responsible": _("责任人须是本单位或上级的工作人员。")}, code="responsible_out_of_scope"
        )
    if due is None:
        raise ValidationError({"due": _("请填写完成时限。")}, code="no_due")
    if due < meeting.date:
        raise ValidationError({"due": _("完成时限不能早于会议日期。")}, code="due_in_past")
    decision = Decision.objects.create(
        item=item, text=cleaned, responsible=responsible, due=due, recorded_by=actor
    )
    if meeting.status == MeetingStatus.HELD:
        _flow_back(decision, item, meeting, actor)
    return decision


@transaction.atomic
def meeting_hold(*, meeting: Meeting, actor: UserLike, minutes: str) -> Meeting:
    """The meeting took place: its minutes are recorded and every decision goes back to where it belongs."""
    meeting = _locked(meeting, actor, MeetingStatus.PLANNED)
    meeting.minutes = _text(minutes, "minutes", _("请填写会议纪要。"))
    if meeting.date > timezone.localdate():
        raise ValidationError({"date": _("会议日期未到，不能记录为已召开。")}, code="not_yet")
    meeting.status = MeetingStatus.HELD
    meeting.held_at = timezone.now()
    meeting.save(update_fields=["minutes", "status", "held_at"])
    pending = (
        Decision.objects.filter(item__meeting=meeting, flowed_at__isnull=True)
        .select_related("item__appeal", "item__warning__appeal", "responsible__person")
        .order_by("item__order", "pk")
    )
    for decision in pending:
        _flow_back(decision, decision.item, meeting, actor)
    return meeting


@transaction.atomic
def meeting_close(*, meeting: Meeting, actor: UserLike) -> Meeting:
    """File a held meeting: no further decisions are recorded on it."""
    meeting = _locked(meeting, actor, MeetingStatus.HELD)
    meeting.status = MeetingStatus.CLOSED
    meeting.closed_at = timezone.now()
    meeting.save(update_fields=["status", "closed_at"])
    return meeting


@transaction.atomic
def decision_done(*, decision: Decision, actor: UserLike) -> Decision:
    """The person who acts, or whoever runs the meeting, marks a decision carried out."""
    locked = (
        Decision.objects.select_for_update(of=("self",))
        .select_related("item__meeting__unit")
        .get(pk=decision.pk)
    )
    meeting = locked.item.meeting
    if locked.responsible_id != getattr(actor, "pk", None) and not scope.runs(actor, meeting):
        raise ValidationError(_("您无权操作这项决定。"), code="out_of_scope")
    if meeting.status == MeetingStatus.PLANNED:
        raise ValidationError(_("会议尚未召开。"), code="invalid_status")
    if locked.done_at is not None:
        raise ValidationError(_("这项决定已标记为完成。"), code="already_done")
    locked.done_at = timezone.now()
    locked.save(update_fields=["done_at"])
    return locked


def decision_summary(decision: Decision) -> str:
    """The decision as it reads on the appeal or warning: what, who acts, by when."""
    return _("%(text)s（责任人：%(who)s；完成时限：%(due)s）") % {
        "text": decision.text,
        "who": display_name(decision.responsible),
        "due": day_words(decision.due),
    }


def _flow_back(decision: Decision, item: AgendaItem, meeting: Meeting, actor: UserLike) -> None:
    summary = decision_summary(decision)
    # A warning raised from an appeal concerns that appeal too: its handler reads the decision there.
    concerned = item.appeal or (item.warning.appeal if item.warning is not None else None)
    if concerned is not None:
        appeal_consulted(
            appeal=concerned,
            actor=actor,
            text=summary,
            meeting_id=meeting.pk,
            due=decision.due,
            responsible_id=decision.responsible_id,
        )
    if item.warning is not None:
        warning_consulted(
            warning=item.warning,
            actor=actor,
            text=summary,
            meeting_id=meeting.pk,
        )
    # What to do comes first: a long title is what gets cut. A warning's or an appeal's title is not
    # copied: it can name a person with their key status or quote an appeal, and the responsible person
    # (a grid member, say) may not read either; the appeal is named by its number only.
    if item.source == ItemSource.OTHER:
        label = item.title
    elif concerned is not None:
        label = _("诉求 %(number)s") % {"number": concerned.number}
    else:
        label = str(ItemSource(item.source).label)
    message = _("会诊决定：%(summary)s 议题：%(item)s（%(meeting)s）") % {
        "summary": summary,
        "item": label,
        "meeting": meeting.title,
    }
    Notification.objects.create(
        user_id=decision.responsible_id,
        appeal_id=concerned.pk if concerned is not None else None,
        kind=NOTICE_KIND,
        message=message[:300],
    )
    decision.flowed_at = timezone.now()
    decision.save(update_fields=["flowed_at"])
