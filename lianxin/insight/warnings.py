"""Raising warnings (预警) and who may see them. Every source (an appeal's grade, the rules, the trend
detector, a person's report) raises through `warning_raise`, so each warning starts from its level's
disposal principles and a detector that fires again adds to the open warning instead of repeating it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.insight.codes import (
    LEVEL_ORDER,
    OPEN_WARNING_STATES,
    TargetKind,
    WarningEventKind,
    WarningLevel,
    WarningSource,
    WarningStatus,
)
from lianxin.insight.models import DisposalPrinciple, Warning, WarningEvent
from lianxin.org.models import SENSITIVE_ROLES, Pairing, Person, Role, RoleAssignment, Unit
from lianxin.org.scope import UserLike, roles_of, scope_paths


def warnings_visible_to(user: UserLike) -> QuerySet[Warning]:
    """Warnings in the subtrees where the user holds a secretary-or-above role, and those they answer
    for. A warning about a person is as sensitive as key status, so grid members see only their own."""
    if user is None or not user.is_authenticated:
        return Warning.objects.none()
    q = Q(responsible=user)
    for path in scope_paths(user, SENSITIVE_ROLES):
        q |= Q(unit__path__startswith=path)
    return Warning.objects.filter(q)


def warnings_by_urgency() -> list[Any]:
    """The order of every warning list, page and API: most urgent level first, then the nearest response
    deadline, then the newest."""
    rank = Case(
        *[When(level=level, then=Value(i)) for i, level in enumerate(LEVEL_ORDER)],
        default=Value(len(LEVEL_ORDER)),
        output_field=IntegerField(),
    )
    return [rank, F("respond_by").asc(nulls_last=True), "-opened_at", "-pk"]


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
        warnings_alert_red([warning])
    return warning, True


def warnings_alert_red(warnings: Sequence[Warning]) -> int:
    """New red warnings alert the secretary of their unit, the party-mass department and leadership at once
    (红色信号立即报告). An appeal graded red has alerted them already, so its warning does not again.
    Returns how many notices were written."""
    from lianxin.appeals.codes import Level
    from lianxin.appeals.models import Notification
    from lianxin.appeals.notify import LevelDirectory

    red = [w for w in warnings if w.level == WarningLevel.RED and w.source != WarningSource.APPEAL]
    if not red:
        return 0
    paths = dict(Unit.objects.filter(pk__in={w.unit_id for w in red}).values_list("pk", "path"))
    directory = LevelDirectory()
    notices = []
    for warning in red:
        users = {
            uid
            for level in (Level.SECRETARY, Level.DEPARTMENT, Level.LEADERSHIP)
            for uid in directory.users_at_path(paths[warning.unit_id], level)
        }
        message = (_("红色预警：%(title)s") % {"title": warning.title})[:300]
        notices += [Notification(user_id=uid, kind="warning_red", message=message) for uid in sorted(users)]
    Notification.objects.bulk_create(notices)
    return len(notices)


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


def warning_consulted(*, warning: Warning, actor: UserLike, text: str, meeting_id: int) -> WarningEvent:
    """A consultation meeting's (会诊) decision on the warning; an open warning is then being handled."""
    from lianxin.insight.codes import WarningStatus

    cleaned = (text or "").strip()
    if not cleaned:
        raise ValidationError({"text": _("内容不能为空。")}, code="empty")
    real_actor = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        locked = Warning.objects.select_for_update().get(pk=warning.pk)
        if locked.status == WarningStatus.OPEN:
            locked.status = WarningStatus.HANDLING
            locked.save(update_fields=["status"])
            warning.status = locked.status
        return WarningEvent.objects.create(
            warning=locked,
            kind=WarningEventKind.CONSULTED,
            text=cleaned,
            actor=real_actor,
            meeting_id=meeting_id,
        )


# --- acting on a warning -----------------------------------------------------------------------------------

MAX_NOTE = 2000
# Roles that may answer for a warning: staff of the warning's unit, above it or below it; never employees.
RESPONSIBLE_ROLES = frozenset({Role.GRID_MEMBER, Role.SECRETARY, Role.DEPARTMENT, Role.LEADERSHIP})
# Rules whose warnings reveal that a person is a key person (a care plan's missed cadence).
KEY_STATUS_RULES = frozenset({"key_cadence"})


def can_supervise_warning(user: UserLike, warning: Warning) -> bool:
    """The secretary of the warning's unit and above: they read it and decide on it."""
    path = warning.unit.path
    return any(path.startswith(p) for p in scope_paths(user, SENSITIVE_ROLES))


def can_handle_warning(user: UserLike, warning: Warning) -> bool:
    """Supervisors, and the responsible person while they hold a staff role (take up, disposal notes)."""
    if can_supervise_warning(user, warning):
        return True
    return (
        warning.responsible_id is not None
        and warning.responsible_id == getattr(user, "pk", None)
        and bool(roles_of(user) & RESPONSIBLE_ROLES)
    )


def responsible_candidates(warning: Warning) -> QuerySet[Any]:
    """Active users holding a staff role at the warning's unit, above it or inside its subtree, and the
    person's paired contacts. A warning that tells a person's key status (重点人员) goes only to the
    secretary and above, who alone may know it."""
    path = warning.unit.path
    ancestors = Unit.ancestor_paths(path)
    key_status = warning.rule in KEY_STATUS_RULES
    roles = SENSITIVE_ROLES if key_status else RESPONSIBLE_ROLES
    user_ids = RoleAssignment.objects.filter(role__in=list(roles)).filter(
        Q(unit__path__in=ancestors) | Q(unit__path__startswith=path)
    )
    who = Q(pk__in=user_ids.values("user_id"))
    if warning.person_id is not None and not key_status:
        # The person's paired contacts (结对), wherever their own grid is.
        paired = Pairing.objects.active().filter(person_id=warning.person_id, contact__user__isnull=False)
        who |= Q(pk__in=paired.values("contact__user_id"))
    staff = RoleAssignment.objects.filter(role__in=list(roles)).values("user_id")
    return get_user_model().objects.filter(who, is_active=True, pk__in=staff).order_by("username")


def _locked(warning: Warning) -> Warning:
    return Warning.objects.select_for_update(of=("self",)).select_related("unit").get(pk=warning.pk)


def _require(allowed: bool) -> None:
    if not allowed:
        # The same refusal as a missing warning: nothing is confirmed to someone out of scope.
        raise ValidationError(_("无权处置该预警。"), code="out_of_scope")


def _require_open(warning: Warning) -> None:
    if warning.status == WarningStatus.CLOSED:
        raise ValidationError(_("预警已关闭。"), code="closed")


def _clean(text: str, *, field: str, required: bool, message: str) -> str:
    cleaned = (text or "").strip()
    if required and not cleaned:
        raise ValidationError({field: message}, code="required")
    if len(cleaned) > MAX_NOTE:
        raise ValidationError({field: _("内容不能超过 %(n)d 字。") % {"n": MAX_NOTE}}, code="too_long")
    return cleaned


def _event_now(
    warning: Warning, kind: str, actor: UserLike, text: str = "", now: dt.datetime | None = None
) -> WarningEvent:
    return WarningEvent.objects.create(
        warning=warning, kind=kind, text=text, actor=actor, at=now or timezone.now()
    )


def warning_take_up(*, warning: Warning, actor: UserLike, now: dt.datetime | None = None) -> Warning:
    """接手处置: an open warning moves to handling; the actor becomes responsible when nobody is yet."""
    with transaction.atomic():
        warning = _locked(warning)
        _require(can_handle_warning(actor, warning))
        _require_open(warning)
        if warning.status != WarningStatus.OPEN:
            raise ValidationError(_("预警已在处置中。"), code="already_handling")
        warning.status = WarningStatus.HANDLING
        fields = ["status"]
        if warning.responsible_id is None:
            warning.responsible = actor
            fields.append("responsible")
        warning.save(update_fields=fields)
        _event_now(warning, WarningEventKind.NOTE, actor, _("接手处置。"), now)
    return warning


def warning_assign(
    *, warning: Warning, actor: UserLike, responsible: Any, note: str = "", now: dt.datetime | None = None
) -> Warning:
    """明确责任人: a staff user of the warning's unit (above or below it) answers for it."""
    with transaction.atomic():
        warning = _locked(warning)
        _require(can_supervise_warning(actor, warning))
        _require_open(warning)
        if responsible is None or not getattr(responsible, "is_active", False):
            raise ValidationError({"responsible": _("请指定责任人。")}, code="no_responsible")
        if not responsible_candidates(warning).filter(pk=responsible.pk).exists():
            raise ValidationError(
                {"responsible": _("责任人须是该单位及其上下级的工作人员。")}, code="responsible_out_of_scope"
            )
        note = _clean(note, field="note", required=False, message="")
        warning.responsible = responsible
        warning.save(update_fields=["responsible"])
        name = responsible.get_full_name() or responsible.get_username()
        text = _("责任人：%(name)s") % {"name": name}
        _event_now(warning, WarningEventKind.ASSIGNED, actor, f"{text}\n{note}".strip(), now)
    return warning


def warning_note(*, warning: Warning, actor: UserLike, text: str, now: dt.datetime | None = None) -> Warning:
    """处置记录: what was done; an open warning is in handling from its first note."""
    with transaction.atomic():
        warning = _locked(warning)
        _require(can_handle_warning(actor, warning))
        _require_open(warning)
        text = _clean(text, field="text", required=True, message=_("请填写处置情况。"))
        if warning.status == WarningStatus.OPEN:
            warning.status = WarningStatus.HANDLING
            warning.save(update_fields=["status"])
        _event_now(warning, WarningEventKind.NOTE, actor, text, now)
    return warning


def warning_close(
    *, warning: Warning, actor: UserLike, outcome: str, now: dt.datetime | None = None
) -> Warning:
    """关闭: the secretary or above closes a warning with its outcome (处置结果), which is required."""
    moment = now or timezone.now()
    with transaction.atomic():
        warning = _locked(warning)
        _require(can_supervise_warning(actor, warning))
        _require_open(warning)
        outcome = _clean(outcome, field="outcome", required=True, message=_("关闭预警须填写处置结果。"))
        warning.status = WarningStatus.CLOSED
        warning.outcome = outcome
        warning.closed_at = moment
        warning.closed_by = actor
        warning.save(update_fields=["status", "outcome", "closed_at", "closed_by"])
        _event_now(warning, WarningEventKind.CLOSED, actor, outcome, moment)
    return warning


def warning_report(
    *,
    actor: UserLike,
    level: str,
    unit: Unit,
    title: str,
    person: Person | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Warning:
    """人工报告: a secretary or above reports a warning about a person or a unit in their scope."""
    paths = scope_paths(actor, SENSITIVE_ROLES)
    target_unit = person.unit if person is not None else unit
    if not any(target_unit.path.startswith(p) for p in paths):
        raise ValidationError(_("只能报告本人督办范围内的预警。"), code="out_of_scope")
    if level not in WarningLevel.values:
        raise ValidationError({"level": _("未知的预警等级。")}, code="unknown_level")
    title = _clean(title, field="title", required=True, message=_("请填写预警标题。"))[:200]
    note = _clean(note, field="note", required=False, message="")
    moment = now or timezone.now()
    warning, _new = warning_raise(
        level=level,
        source=WarningSource.MANUAL,
        rule="manual",
        target_kind=TargetKind.PERSON if person is not None else TargetKind.UNIT,
        unit=target_unit,
        person=person,
        title=title,
        evidence={"note": note} if note else {},
        dedupe_key=f"manual:{getattr(actor, 'pk', 0)}:{uuid.uuid4().hex}",
        actor=actor,
        now=moment,
    )
    return warning
