"""Writes to the organisation: each is one transaction."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.org.models import (
    CorrectionRequest,
    CorrectionStatus,
    Pairing,
    Person,
    Unit,
    UnitKind,
)
from lianxin.org.scope import UserLike, can_decide_corrections


def unit_create(
    *, name: str, kind: UnitKind, parent: Unit | None = None, party_name: str = "", is_grid: bool = False
) -> Unit:
    fields = {"name": name, "kind": kind, "party_name": party_name, "is_grid": is_grid}
    unit: Unit
    if parent is None:
        unit = Unit.objects.add_root(instance=Unit(**fields))
    else:
        unit = Unit.objects.add_child(parent, instance=Unit(**fields))
    return unit


@transaction.atomic
def pairing_create(
    *, contact: Person, person: Person, start_date: dt.date | None = None, end_date: dt.date | None = None
) -> Pairing:
    if contact.pk == person.pk:
        raise ValidationError(_("不能与本人结对。"))
    start = start_date or timezone.localdate()
    if end_date is not None and end_date < start:
        raise ValidationError(_("结束日期不能早于开始日期。"))
    return Pairing.objects.create(contact=contact, person=person, start_date=start, end_date=end_date)


def _field_text(person: Person, field: str) -> str:
    value = getattr(person, field)
    if field == "gender":
        return person.get_gender_display()
    return "" if value is None else str(value)


@transaction.atomic
def correction_request_submit(
    *, user: UserLike, person: Person, field: str, proposed_value: str, reason: str = ""
) -> CorrectionRequest:
    """The person asks to correct a field of their own file; it reaches their branch secretary."""
    if person.user_id != user.pk:
        raise ValidationError(_("只能申请更正本人档案。"))
    if field not in CorrectionRequest.CORRECTABLE_FIELDS:
        raise ValidationError(_("该字段不能在线申请更正。"))
    proposed_value = proposed_value.strip()
    if not proposed_value:
        raise ValidationError(_("请填写更正后的内容。"))
    if len(proposed_value) > 500 or len(reason) > 1000:
        raise ValidationError(_("内容过长。"))
    _coerce(field, proposed_value)  # reject what could never be applied
    return CorrectionRequest.objects.create(
        person=person,
        field=field,
        current_value=_field_text(person, field),
        proposed_value=proposed_value,
        reason=reason.strip(),
        requested_by=user,
    )


def _coerce(field: str, value: str) -> object:
    if field in {"birth_date", "hire_date"}:
        from lianxin.org.roster.values import parse_date

        parsed = parse_date(value)
        if parsed is None:
            raise ValidationError(_("日期格式无法识别。"))
        return parsed
    if field == "gender":
        from lianxin.org.roster.values import parse_gender

        gender = parse_gender(value)
        if gender is None:
            raise ValidationError(_("性别只能是“男”或“女”。"))
        return gender
    return value


@transaction.atomic
def correction_decide(*, user: UserLike, request: CorrectionRequest, accept: bool, reason: str) -> None:
    request = (
        CorrectionRequest.objects.select_for_update()
        .select_related("person", "person__unit")
        .get(pk=request.pk)
    )
    if request.status != CorrectionStatus.PENDING:
        raise ValidationError(_("该申请已处理。"))
    if not can_decide_corrections(user, request.person):
        raise ValidationError(_("无权处理该申请。"))
    if not accept and not reason.strip():
        raise ValidationError(_("不予采纳时请说明理由。"))
    if accept:
        person = request.person
        setattr(person, request.field, _coerce(request.field, request.proposed_value))
        person.save(update_fields=[request.field, "updated_at"])
    request.status = CorrectionStatus.ACCEPTED if accept else CorrectionStatus.DECLINED
    request.decided_by = user
    request.decided_at = timezone.now()
    request.decision_reason = reason.strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
