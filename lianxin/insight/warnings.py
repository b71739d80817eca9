"""Raising warnings (预警) and who may see them. Every source (an appeal's grade, the rules, the trend
detector, a person's report) raises through `warning_raise`, so each warning starts from its level's
disposal principles and a detector that fires again adds to the open warning instead of repeating it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.insight.codes import (
    OPEN_WARNING_STATES,
    TargetKind,
    WarningEventKind,
    WarningLevel,
    WarningSource,
)
from lianxin.insight.models import DisposalPrinciple, Warning, WarningEvent
from lianxin.org.models import SENSITIVE_ROLES, Person, Unit
from lianxin.org.scope import UserLike, scope_paths


def warnings_visible_to(user: UserLike) -> QuerySet[Warning]:
    """Warnings in the subtrees where the user holds a secretary-or-above role, and those they answer
    for. A warning about a person is as sensitive as key status, so grid members see only their own."""
    if user is None or not user.is_authenticated:
        return Warning.objects.none()
    q = Q(responsible=user)
    for path in scope_paths(user, SENSITIVE_ROLES):
        q |= Q(unit__path__startswith=path)
    return Warning.objects.filter(q)


def warning_raise(
    *,
    level: str,
    source: str,
    rule: str,
    target_kind: str,
    unit: Unit,
    title: str,
    dedupe_key: str,
    person: Person | None = None,
    topic: str = "",
    category: str = "",
    appeal: Any = None,
    evidence: dict[str, Any] | None = None,
    responsible: Any = None,
    actor: UserLike | None = None,
    now: dt.datetime | None = None,
) -> tuple[Warning, bool]:
    """Open a warning, or, when one with the same `dedupe_key` is still open, record that it fired again
    (raising its level if the new one is more urgent and refreshing its evidence). Returns the warning
    and whether it is new."""
    if level not in WarningLevel.values:
        raise ValidationError({"level": _("未知的预警等级。")}, code="unknown_level")
    if source not in WarningSource.values:
        raise ValidationError({"source": _("未知的预警来源。")}, code="unknown_source")
    if target_kind not in TargetKind.values:
        raise ValidationError({"target_kind": _("未知的预警对象类型。")}, code="unknown_target")
    if target_kind == TargetKind.PERSON and person is None:
        raise ValidationError({"person": _("个人预警须指明人员。")}, code="no_person")
    moment = now or timezone.now()
    real_actor = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        existing = (
            Warning.objects.select_for_update()
            .filter(dedupe_key=dedupe_key, status__in=OPEN_WARNING_STATES)
            .first()
        )
        if existing is not None:
            return _recur(existing, level, evidence, real_actor, moment), False
        principle = DisposalPrinciple.objects.filter(level=level).first()
        try:
            with transaction.atomic():
                warning = Warning.objects.create(
                    level=level,
                    source=source,
                    rule=rule,
                    target_kind=target_kind,
                    person=person,
                    unit=unit,
                    topic=topic[:100],
                    category=category,
                    appeal=appeal,
                    title=title[:200],
                    evidence=evidence or {},
                    disposal_plan=principle.principles if principle else "",
                    respond_by=moment + dt.timedelta(hours=principle.respond_hours) if principle else None,
                    responsible=responsible,
                    dedupe_key=dedupe_key[:120],
                    opened_at=moment,
                )
        except IntegrityError:
            # Raised at the same moment elsewhere: the other one stands.
            existing = Warning.objects.get(dedupe_key=dedupe_key, status__in=OPEN_WARNING_STATES)
            return _recur(existing, level, evidence, real_actor, moment), False
        WarningEvent.objects.create(
            warning=warning, kind=WarningEventKind.OPENED, text=warning.title, actor=real_actor, at=moment
        )
    return warning, True


_RANK = {
    level: i
    for i, level in enumerate((WarningLevel.RED, WarningLevel.ORANGE, WarningLevel.YELLOW, WarningLevel.BLUE))
}


def _recur(
    warning: Warning, level: str, evidence: dict[str, Any] | None, actor: Any, moment: dt.datetime
) -> Warning:
    fields = []
    if _RANK[WarningLevel(level)] < _RANK[WarningLevel(warning.level)]:
        warning.level = level
        fields.append("level")
    if evidence:
        warning.evidence = evidence
        fields.append("evidence")
    if fields:
        warning.save(update_fields=fields)
    WarningEvent.objects.create(warning=warning, kind=WarningEventKind.RECURRED, actor=actor, at=moment)
    return warning
