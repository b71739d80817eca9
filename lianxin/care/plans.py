"""Writes for key people (重点人员), care plans, safety-violation help-education (三违帮教), consent and
counselling referrals. Every service checks the actor, runs in one transaction and saves nothing on error."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.care.codes import (
    SAFETY_VIOLATION,
    ConsentPurpose,
    EventSource,
    KeyLevel,
    KeyReason,
    ReferralStatus,
    Severity,
    ViolationKind,
    ViolationStepKind,
)
from lianxin.care.models import (
    MAX_SUMMARY,
    CarePlan,
    CarePlanStep,
    Consent,
    CounsellingReferral,
    KeyPersonFlag,
    ViolationCase,
    ViolationStep,
)
from lianxin.care.scope import is_counsellor_for, is_self, supervises
from lianxin.care.services import _not_future, clean_text, life_event_raise
from lianxin.org.models import Person, Unit
from lianxin.org.scope import UserLike

MAX_CADENCE_DAYS = 366


def _forbidden() -> ValidationError:
    return ValidationError(_("您无权对该人员执行此操作。"), code="forbidden")


def _require_supervisor(actor: UserLike, person: Person) -> None:
    if not supervises(actor, person):
        raise _forbidden()


def active_consent(person: Person, purpose: str) -> Consent | None:
    found: Consent | None = (
        Consent.objects.filter(person=person, purpose=purpose, withdrawn_at__isnull=True)
        .order_by("-given_at", "-pk")
        .first()
    )
    return found


# --- key people -------------------------------------------------------------------------------------


@transaction.atomic
def key_flag_open(
    *, actor: UserLike, person: Person, reason: str, level: int = KeyLevel.WATCH, note: str = ""
) -> KeyPersonFlag:
    """Flag a key person; a health reason with a note needs the person's health consent."""
    _require_supervisor(actor, person)
    if reason not in KeyReason.values:
        raise ValidationError({"reason": _("未知的原因类别。")}, code="unknown_reason")
    if level not in KeyLevel.values:
        raise ValidationError({"level": _("未知的关注等级。")}, code="unknown_level")
    note = clean_text(note, field="note", max_length=MAX_SUMMARY)
    if reason == KeyReason.HEALTH and note and active_consent(person, ConsentPurpose.HEALTH) is None:
        raise ValidationError({"note": _("记录健康情况须先取得本人单独同意。")}, code="no_consent")
    flag = KeyPersonFlag.objects.create(person=person, reason=reason, level=level, note=note, opened_by=actor)
    if not person.is_key_person:
        person.is_key_person = True
        person.save(update_fields=["is_key_person", "updated_at"])
    return flag


@transaction.atomic
def key_flag_close(*, actor: UserLike, flag: KeyPersonFlag) -> KeyPersonFlag:
    flag = KeyPersonFlag.objects.select_for_update().select_related("person", "person__unit").get(pk=flag.pk)
    _require_supervisor(actor, flag.person)
    if flag.closed_at is not None:
        raise ValidationError(_("该标记已撤销。"), code="closed")
    flag.closed_at = timezone.now()
    flag.closed_by = actor
    flag.save(update_fields=["closed_at", "closed_by"])
    person = flag.person
    if not KeyPersonFlag.objects.filter(person=person, closed_at__isnull=True).exists():
        person.is_key_person = False
        person.save(update_fields=["is_key_person", "updated_at"])
    return flag


# --- care plans -------------------------------------------------------------------------------------


def _clean_steps(steps: Iterable[tuple[dt.date, str]]) -> list[tuple[dt.date, str]]:
    cleaned = []
    for due, action in steps:
        if not isinstance(due, dt.date):
            raise ValidationError({"steps": _("请填写每个步骤的计划日期。")}, code="no_date")
        cleaned.append((due, clean_text(action, field="steps", max_length=200, required=True)))
    return cleaned


@transaction.atomic
def care_plan_open(
    *,
    actor: UserLike,
    person: Person,
    responsible: UserLike,
    cadence_days: int,
    steps: Iterable[tuple[dt.date, str]] = (),
    goal: str = "",
    flag: KeyPersonFlag | None = None,
) -> CarePlan:
    """A talk-visit-help plan (谈访帮): a responsible user, a contact every `cadence_days`, dated steps."""
    _require_supervisor(actor, person)
    if responsible is None or not getattr(responsible, "is_active", False):
        raise ValidationError({"responsible": _("请指定责任人。")}, code="no_responsible")
    if not isinstance(cadence_days, int) or not 1 <= cadence_days <= MAX_CADENCE_DAYS:
        raise ValidationError({"cadence_days": _("谈访周期应为 1 至 366 天。")}, code="bad_cadence")
    if flag is not None and flag.person_id != person.pk:
        raise ValidationError({"flag": _("标记不属于该人员。")}, code="bad_flag")
    cleaned = _clean_steps(steps)
    plan = CarePlan.objects.create(
        person=person,
        flag=flag,
        responsible=responsible,
        cadence_days=cadence_days,
        goal=clean_text(goal, field="goal", max_length=MAX_SUMMARY),
        opened_by=actor,
    )
    CarePlanStep.objects.bulk_create(CarePlanStep(plan=plan, due_date=d, action=a) for d, a in cleaned)
    return plan


def _open_plan(plan: CarePlan) -> CarePlan:
    locked = CarePlan.objects.select_for_update().get(pk=plan.pk)
    if locked.closed_at is not None:
        raise ValidationError(_("帮扶计划已结束。"), code="closed")
    locked.person = Person.objects.select_related("unit").get(pk=locked.person_id)
    return locked


@transaction.atomic
def care_plan_step_add(*, actor: UserLike, plan: CarePlan, due_date: dt.date, action: str) -> CarePlanStep:
    plan = _open_plan(plan)
    _require_supervisor(actor, plan.person)
    ((due, text),) = _clean_steps([(due_date, action)])
    return CarePlanStep.objects.create(plan=plan, due_date=due, action=text)


@transaction.atomic
def care_plan_step_complete(*, actor: UserLike, step: CarePlanStep, note: str = "") -> CarePlanStep:
    """The plan's responsible user or a supervisor marks a step done."""
    step = CarePlanStep.objects.select_for_update().get(pk=step.pk)
    plan = _open_plan(step.plan)
    if plan.responsible_id != getattr(actor, "pk", None) and not supervises(actor, plan.person):
        raise _forbidden()
    if step.done_at is not None:
        raise ValidationError(_("该步骤已完成。"), code="done")
    step.done_at = timezone.now()
    step.note = clean_text(note, field="note", max_length=MAX_SUMMARY)
    step.save(update_fields=["done_at", "note"])
    return step


@transaction.atomic
def care_plan_review(*, actor: UserLike, plan: CarePlan, review: str) -> CarePlan:
    plan = _open_plan(plan)
    _require_supervisor(actor, plan.person)
    plan.review = clean_text(review, field="review", max_length=MAX_SUMMARY, required=True)
    plan.reviewed_at = timezone.now()
    plan.save(update_fields=["review", "reviewed_at"])
    return plan


@transaction.atomic
def care_plan_close(*, actor: UserLike, plan: CarePlan, outcome: str) -> CarePlan:
    plan = _open_plan(plan)
    _require_supervisor(actor, plan.person)
    plan.outcome = clean_text(outcome, field="outcome", max_length=MAX_SUMMARY, required=True)
    plan.closed_at = timezone.now()
    plan.save(update_fields=["outcome", "closed_at"])
    return plan


# --- safety-violation help-education ------------------------------------------------------------------


@transaction.atomic
def violation_case_open(
    *,
    actor: UserLike,
    person: Person,
    date: dt.date,
    kind: str,
    severity: str,
    reported_by_unit: Unit,
    helper: UserLike,
    description: str = "",
) -> ViolationCase:
    """Open a 三违 case with its four steps; it raises the "safety violation" must-talk event."""
    _require_supervisor(actor, person)
    _not_future(date)
    if kind not in ViolationKind.values:
        raise ValidationError({"kind": _("未知的违章类型。")}, code="unknown_kind")
    if severity not in Severity.values:
        raise ValidationError({"severity": _("未知的严重程度。")}, code="unknown_severity")
    if reported_by_unit is None:
        raise ValidationError({"reported_by_unit": _("请选择通报部门。")}, code="no_unit")
    if helper is None or not getattr(helper, "is_active", False):
        raise ValidationError({"helper": _("请指定帮教人。")}, code="no_helper")
    description = clean_text(description, field="description", max_length=500)
    event = life_event_raise(person=person, kind=SAFETY_VIOLATION, date=date, source=EventSource.VIOLATION)
    case = ViolationCase.objects.create(
        person=person,
        date=date,
        kind=kind,
        severity=severity,
        description=description,
        reported_by_unit=reported_by_unit,
        helper=helper,
        event=event,
        opened_by=actor,
    )
    ViolationStep.objects.bulk_create(ViolationStep(case=case, kind=k) for k in ViolationStepKind.values)
    return case


def _open_case(case: ViolationCase, actor: UserLike) -> ViolationCase:
    locked = ViolationCase.objects.select_for_update().get(pk=case.pk)
    locked.person = Person.objects.select_related("unit").get(pk=locked.person_id)
    if locked.helper_id != getattr(actor, "pk", None) and not supervises(actor, locked.person):
        raise _forbidden()
    if locked.closed_at is not None:
        raise ValidationError(_("帮教已结案。"), code="closed")
    return locked


@transaction.atomic
def violation_step_complete(
    *, actor: UserLike, case: ViolationCase, step: str, note: str = ""
) -> ViolationStep:
    case = _open_case(case, actor)
    found = ViolationStep.objects.select_for_update().filter(case=case, kind=step).first()
    if found is None:
        raise ValidationError({"step": _("未知的帮教步骤。")}, code="unknown_step")
    if found.done_at is not None:
        raise ValidationError({"step": _("该步骤已完成。")}, code="done")
    found.done_at = timezone.now()
    found.done_by = actor
    found.note = clean_text(note, field="note", max_length=500)
    found.save(update_fields=["done_at", "done_by", "note"])
    return found


@transaction.atomic
def violation_case_close(*, actor: UserLike, case: ViolationCase) -> ViolationCase:
    case = _open_case(case, actor)
    if case.steps.filter(done_at__isnull=True).exists():
        raise ValidationError(
            _("帮教谈话、安全学习、家属联系和复训考试全部完成后才能结案。"), code="steps_open"
        )
    case.closed_at = timezone.now()
    case.save(update_fields=["closed_at"])
    return case


# --- consent and counselling --------------------------------------------------------------------------


def _self_or_supervisor(actor: UserLike, person: Person) -> None:
    if not (is_self(actor, person) or supervises(actor, person)):
        raise _forbidden()


@transaction.atomic
def consent_give(*, actor: UserLike, person: Person, purpose: str, version: str) -> Consent:
    """The person's separate consent, given by them or recorded by their secretary from a signed form."""
    _self_or_supervisor(actor, person)
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": _("未知的同意用途。")}, code="unknown_purpose")
    version = clean_text(version, field="version", max_length=20, required=True)
    current = active_consent(person, purpose)
    if current is not None and current.version == version:
        return current
    return Consent.objects.create(person=person, purpose=purpose, version=version, recorded_by=actor)


@transaction.atomic
def consent_withdraw(*, actor: UserLike, person: Person, purpose: str) -> int:
    """Withdraw every standing consent of the purpose. Processing stops: open counselling referrals close
    and their details are no longer shown to anyone (the counsellor included); a health key-person note
    is no longer shown. Returns how many consents were withdrawn."""
    _self_or_supervisor(actor, person)
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": _("未知的同意用途。")}, code="unknown_purpose")
    now = timezone.now()
    changed = Consent.objects.filter(person=person, purpose=purpose, withdrawn_at__isnull=True).update(
        withdrawn_at=now
    )
    if purpose == ConsentPurpose.COUNSELLING:
        CounsellingReferral.objects.filter(person=person, status=ReferralStatus.REFERRED).update(
            status=ReferralStatus.CLOSED, closed_at=now
        )
    return changed


@transaction.atomic
def counselling_refer(*, actor: UserLike, person: Person, details: str = "") -> CounsellingReferral:
    """The person asks for counselling, or their secretary asks with the person's standing consent."""
    _self_or_supervisor(actor, person)
    consent = active_consent(person, ConsentPurpose.COUNSELLING)
    if consent is None:
        raise ValidationError(_("转介心理咨询须先取得本人的单独同意。"), code="no_consent")
    return CounsellingReferral.objects.create(
        person=person,
        requested_by=actor,
        by_self=is_self(actor, person),
        consent=consent,
        details=clean_text(details, field="details", max_length=MAX_SUMMARY),
    )


@transaction.atomic
def counselling_close(*, actor: UserLike, referral: CounsellingReferral) -> CounsellingReferral:
    referral = CounsellingReferral.objects.select_for_update().get(pk=referral.pk)
    person = Person.objects.select_related("unit").get(pk=referral.person_id)
    if not is_counsellor_for(actor, person):
        raise _forbidden()
    if referral.status == ReferralStatus.CLOSED:
        raise ValidationError(_("该转介已结束。"), code="closed")
    referral.status = ReferralStatus.CLOSED
    referral.closed_at = timezone.now()
    referral.save(update_fields=["status", "closed_at"])
    return referral
