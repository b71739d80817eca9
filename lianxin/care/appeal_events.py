"""Events raised by appeals: a named appeal that a person grades red or orange calls for a talk or a visit
with whoever raised it — a visit for serious hardship at home, a talk about their state of mind for
distress, and otherwise a talk about the warning signs. One event per appeal, raised once the triage
commits (a failure here never undoes the triage).

The branch secretary answers for it, never the person's paired contact: the secretary may read the appeal,
a grid member may not, and the contact may be the very person an appeal complains about. Appeals about
management conduct (管理作风: unfair treatment, bullying, integrity clues) raise nothing, so that no one is
approached because they complained; anonymous appeals raise nothing, since nobody may be approached about
them."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone

from lianxin.appeals.codes import EventKind as AppealEventKind
from lianxin.appeals.codes import Grade
from lianxin.appeals.models import Appeal, AppealEvent
from lianxin.care.codes import EventSource, Responsible
from lianxin.care.models import LifeEvent
from lianxin.care.services import life_event_raise

logger = logging.getLogger(__name__)

URGENT = (Grade.RED, Grade.ORANGE)
# Complaints about how people are managed: the submitter is protected, not approached.
PROTECTED_CATEGORIES = frozenset({"conduct"})
EVENT_OF_CATEGORY = {"hardship": "family_hardship", "wellbeing": "mood_change"}
DEFAULT_EVENT = "warning_signs"


def note_for(appeal: Appeal) -> str:
    return f"诉求 {appeal.number}"


def life_event_from_appeal(*, appeal_id: int) -> LifeEvent | None:
    """Raise the appeal's event if it is named, graded red or orange, and has none yet."""
    appeal = Appeal.objects.select_related("submitter__unit").filter(pk=appeal_id).first()
    if appeal is None or appeal.is_anonymous or appeal.submitter is None or appeal.grade not in URGENT:
        return None
    if appeal.category_id in PROTECTED_CATEGORIES:
        return None
    note = note_for(appeal)
    if LifeEvent.objects.filter(person=appeal.submitter, source=EventSource.APPEAL, note=note).exists():
        return None
    kind = EVENT_OF_CATEGORY.get(appeal.category_id or "", DEFAULT_EVENT)
    return life_event_raise(
        person=appeal.submitter,
        kind=kind,
        date=timezone.localdate(),
        source=EventSource.APPEAL,
        note=note,
        responsible=Responsible.SECRETARY,
    )


def _on_appeal_event(sender: Any, instance: AppealEvent, created: bool, **kwargs: Any) -> None:
    if created and instance.kind == AppealEventKind.TRIAGED:
        transaction.on_commit(partial(life_event_from_appeal, appeal_id=instance.appeal_id), robust=True)


def connect_signals() -> None:
    post_save.connect(_on_appeal_event, sender=AppealEvent, dispatch_uid="care_appeal_events")
