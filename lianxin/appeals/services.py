"""Every write to an appeal: one transaction, one append-only event, follow-up work on commit.

No service edits the original words, channel or time (不改动); every appeal is routed to a named level that
its supervisors always see (不截留); every state change is checked against the state machine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals import receipts
from lianxin.appeals.codes import (
    OPEN_STATES,
    Channel,
    EventKind,
    Grade,
    Level,
    Rating,
    State,
    Track,
)
from lianxin.appeals.models import (
    MAX_TEXT,
    Appeal,
    AppealEvent,
    Category,
    GradeRule,
    IdempotencyKey,
    Notification,
    ReceiptIndex,
)
from lianxin.appeals.notify import LevelDirectory, level_message, notify_level, notify_red
from lianxin.appeals.scope import handler_candidates
from lianxin.appeals.triage import evidence_json, suggest
from lianxin.org.models import Person, Unit
from lianxin.org.scope import UserLike
from lianxin.org.workdays import deadline_after

# The state machine: where each action may start.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "triage": (State.RECEIVED, State.ACCEPTED, State.IN_PROGRESS),
    "assign": (State.ACCEPTED, State.IN_PROGRESS),
    "transfer": (State.IN_PROGRESS,),
    "progress": (State.ACCEPTED, State.IN_PROGRESS),
    "reply": (State.ACCEPTED, State.IN_PROGRESS),
    "rate": (State.ANSWERED,),
    "return_visit": (State.ANSWERED,),
    "close": (State.RATED, State.ANSWERED),
    "reopen": (State.ANSWERED, State.RATED, State.CLOSED),
    "merge": (State.RECEIVED, State.ACCEPTED, State.IN_PROGRESS),
    "withdraw": (State.RECEIVED, State.ACCEPTED, State.IN_PROGRESS),
    "add_info": (State.RECEIVED, State.ACCEPTED, State.IN_PROGRESS, State.ANSWERED),
    "note": tuple(State.values),
}
RETURN_VISIT_AFTER = dt.timedelta(days=5)
NUMBER_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class TransitionError(ValidationError):
    """The action is not allowed in the appeal's current state."""


@dataclass(frozen=True)
class Submitted:
    appeal: Appeal
    receipt: str | None  # shown once to an anonymous submitter, never stored
    duplicate: bool = False


def _check(appeal: Appeal, action: str) -> None:
    if appeal.state not in TRANSITIONS[action]:
        raise TransitionError(
            _("当前状态“%(state)s”下不能执行此操作。") % {"state": appeal.get_state_display()},
            code="invalid_transition",
        )


# Letters that print as nothing, sent by chat apps as a "blank" message; beside them, anything that is a
# separator, a control or a zero-width format character shows nothing either.
BLANK_LETTERS = frozenset("\u115f\u1160\u2800\u3164\uffa0")
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def _shows_nothing(text: str) -> bool:
    return all(ch in BLANK_LETTERS or unicodedata.category(ch) in INVISIBLE_CATEGORIES for ch in text)


def clean_text(text: str, *, field: str = "text") -> str:
    cleaned = (text or "").strip()
    if _shows_nothing(cleaned):
        raise ValidationError({field: _("内容不能为空。")}, code="empty")
    if len(cleaned) > MAX_TEXT:
        raise ValidationError({field: _("内容不能超过 %(max)d 个字。") % {"max": MAX_TEXT}}, code="too_long")
    return cleaned


def _event(
    appeal: Appeal,
    kind: str,
    actor: UserLike | None,
    *,
    text: str = "",
    public: bool = False,
    at: dt.datetime | None = None,
    **data: Any,
) -> AppealEvent:
    real_actor = actor if getattr(actor, "is_authenticated", False) else None
    return AppealEvent.objects.create(
        appeal=appeal,
        kind=kind,
        actor=real_actor,
        text=text,
        public=public,
        data=data,
        at=at or timezone.now(),
    )


def _locked(appeal: Appeal) -> Appeal:
    # of=self: PostgreSQL refuses FOR UPDATE on the nullable side of the outer join to category.
    return Appeal.objects.select_for_update(of=("self",)).select_related("unit", "category").get(pk=appeal.pk)


def _chain(unit: Unit) -> list[Unit]:
    """The unit and its ancestors, nearest first, with their kinds: one query."""
    return list(
        Unit.objects.filter(path__in=Unit.ancestor_paths(unit.path)).select_related("kind").order_by("-depth")
    )


def branch_of(unit: Unit) -> Unit:
    """The nearest unit at or above `unit` whose kind is a branch; the unit itself when there is none."""
    return next((candidate for candidate in _chain(unit) if candidate.kind.is_branch), unit)


def _route(submitter: Person | None, unit: Unit | None, track: str | None) -> tuple[Unit, str]:
    """双轨制: branch level (the person's branch) or company level (the root)."""
    base = submitter.unit if submitter is not None else unit
    if base is None:
        root = Unit.objects.filter(depth=1).order_by("path").first()
        if root is None:
            raise ValidationError(_("尚未建立组织架构。"))
        return root, Track.COMPANY
    chain = _chain(base)  # nearest first; the root is last
    if track == Track.COMPANY:
        return chain[-1], Track.COMPANY
    return next((c for c in chain if c.kind.is_branch), base), Track.BRANCH


def _new_number(at: dt.datetime) -> str:
    local = timezone.localtime(at)
    tail = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))
    return f"LX{local:%Y%m%d}-{tail}"


def idempotency_digest(key: str, *, owner: str) -> str:
    """The stored form of an idempotency key: keyed by the server's secret, so the raw key is not kept,
    and by its owner, so two callers choosing the same key never meet."""
    return hmac.new(settings.SECRET_KEY.encode(), f"{owner}:{key}".encode(), hashlib.sha256).hexdigest()


def _key_owner(submitter: Person | None, entered_by: UserLike | None) -> str:
    """Whom a key belongs to, from what the appeal itself stores: the member of staff who entered it, the
    named submitter, or — for an anonymous submission — nobody, so the key cannot point to an account."""
    clerk = getattr(entered_by, "pk", None)
    if clerk is not None:
        return f"user:{clerk}"
    if submitter is not None:
        return f"person:{submitter.pk}"
    return "anonymous"


def _keyed(digest: str | None, msgid: str | None, now: dt.datetime) -> Appeal | None:
    """The appeal an earlier submission with this idempotency key (still valid) or WeCom MsgId made."""
    if digest:
        found = (
            IdempotencyKey.objects.filter(digest=digest, expires_at__gt=now).select_related("appeal").first()
        )
        if found is not None:
            return found.appeal
    if msgid:
        return Appeal.objects.filter(wecom_msgid=msgid).first()
    return None


@transaction.atomic
def appeal_submit(
    *,
    text: str,
    channel: str,
    submitter: Person | None = None,
    anonymous: bool = False,
    entered_by: UserLike | None = None,
    informant_kind: str = "",
    unit: Unit | None = None,
    track: str | None = None,
    idempotency_key: str | None = None,
    wecom_msgid: str | None = None,
    received_at: dt.datetime | None = None,
) -> Submitted:
    """Record an appeal from any channel. An anonymous one keeps no person, user, address or device.

    A repeat with the same idempotency key (within APPEAL_IDEMPOTENCY_HOURS) or WeCom MsgId returns
    the appeal the first one made. The key lives in its own table, never in the immutable original."""
    if channel not in Channel.values:
        raise ValidationError({"channel": _("未知的渠道。")}, code="unknown_channel")
    if track is not None and track not in Track.values:
        raise ValidationError({"track": _("未知的办理轨道。")}, code="unknown_track")
    cleaned = clean_text(text)
    if anonymous:
        submitter = None
        entered_by = None if channel in (Channel.WEB, Channel.API) else entered_by
    if not getattr(entered_by, "is_authenticated", False):
        entered_by = None
    if channel == Channel.INFORMANT and not informant_kind:
        raise ValidationError({"informant_kind": _("信息员报送须注明类别。")}, code="informant_kind")
    now = timezone.now()
    digest = (
        idempotency_digest(idempotency_key, owner=_key_owner(submitter, entered_by))
        if idempotency_key
        else None
    )
    existing = _keyed(digest, wecom_msgid, now)
    if existing is not None:
        return Submitted(existing, None, duplicate=True)

    routed_unit, routed_track = _route(submitter, unit, track)
    code = lookup = hashed = None
    if anonymous:
        code, lookup, hashed = receipts.new_receipt()
    moment = received_at or now
    suggestion = suggest(cleaned)
    fields: dict[str, Any] = {
        "text": cleaned,
        "channel": channel,
        "received_at": moment,
        "submitter": submitter,
        "is_anonymous": anonymous,
        "entered_by": entered_by,
        "informant_kind": informant_kind,
        "receipt_lookup": lookup,
        "receipt_hash": hashed or "",
        "wecom_msgid": wecom_msgid or None,
        "unit": routed_unit,
        "track": routed_track,
        "last_activity_at": moment,
        "suggested_category": suggestion.category if suggestion else "",
        "suggested_grade": suggestion.grade if suggestion else "",
        "suggestion_evidence": evidence_json(suggestion),
    }
    if digest:
        # An expired key may wait for the purge: it no longer holds its digest.
        IdempotencyKey.objects.filter(digest=digest, expires_at__lte=now).delete()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(number=_new_number(moment), **fields)
                if digest:
                    expires = now + dt.timedelta(hours=settings.APPEAL_IDEMPOTENCY_HOURS)
                    IdempotencyKey.objects.create(digest=digest, appeal=appeal, expires_at=expires)
            break
        except IntegrityError:
            # A concurrent double submit with the same key wins the race: return its appeal.
            if (existing := _keyed(digest, wecom_msgid, now)) is not None:
                return Submitted(existing, None, duplicate=True)
    else:  # pragma: no cover - six random characters colliding five times
        raise IntegrityError("could not allocate an appeal number")
    if code is not None:
        ReceiptIndex.objects.create(digest=receipts.stored_index(code), appeal=appeal)
    # The submitter's own account by id: loading the user would cost a query for nothing.
    actor_id = getattr(entered_by, "pk", None) or (submitter.user_id if submitter is not None else None)
    AppealEvent.objects.create(
        appeal=appeal,
        kind=EventKind.SUBMITTED,
        actor_id=actor_id,
        public=True,
        at=moment,
        data={"channel": channel},
    )
    return Submitted(appeal, code)


def idempotency_keys_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the keys no retry can use any more; returns how many went."""
    deleted, _by_model = IdempotencyKey.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


@transaction.atomic
def appeal_add_info(*, appeal: Appeal, text: str, actor: UserLike | None = None) -> AppealEvent:
    """The submitter (named, or the holder of the receipt) adds information."""
    appeal = _locked(appeal)
    _check(appeal, "add_info")
    event = _event(appeal, EventKind.INFO_ADDED, actor, text=clean_text(text), public=True)
    appeal.last_activity_at = event.at
    appeal.save(update_fields=["last_activity_at"])
    return event


def _rule(grade: str) -> GradeRule:
    try:
        return GradeRule.objects.get(grade=grade)
    except GradeRule.DoesNotExist:
        raise ValidationError({"grade": _("未知的等级。")}, code="unknown_grade") from None


@transaction.atomic
def appeal_triage(
    *, appeal: Appeal, actor: UserLike, category: str, grade: str, track: str | None = None
) -> Appeal:
    """The handler sets category and grade; the deadlines follow from the grade's rule."""
    appeal = _locked(appeal)
    _check(appeal, "triage")
    if grade not in Grade.values:
        raise ValidationError({"grade": _("未知的等级。")}, code="unknown_grade")
    found = Category.objects.filter(code=category, active=True).first()
    if found is None:
        raise ValidationError({"category": _("未知的类别。")}, code="unknown_category")
    rule = _rule(grade)
    was_red = appeal.grade == Grade.RED
    appeal.category = found
    appeal.grade = grade
    appeal.response_due = deadline_after(appeal.received_at, rule.response_amount, rule.response_unit)
    appeal.closure_due = deadline_after(appeal.received_at, rule.closure_amount, rule.closure_unit)
    fields = ["category", "grade", "response_due", "closure_due", "last_activity_at"]
    if track is not None and track != appeal.track:
        appeal.unit, appeal.track = _route(appeal.submitter, appeal.unit, track)
        fields += ["unit", "track"]
    if appeal.state == State.RECEIVED:
        appeal.state = State.ACCEPTED
        fields.append("state")
    appeal.last_activity_at = timezone.now()
    appeal.save(update_fields=fields)
    _event(
        appeal,
        EventKind.TRIAGED,
        actor,
        category=category,
        grade=grade,
        suggested=[appeal.suggested_category, appeal.suggested_grade],
    )
    if grade == Grade.RED and not was_red:
        recipients = notify_red(appeal)
        _event(appeal, EventKind.ALERTED, None, recipients=recipients)
    return appeal


def _user_ids(users: Iterable[Any]) -> list[int]:
    return sorted({int(u.pk) for u in users})


def _check_candidates(appeal: Appeal, field: str, users: Sequence[Any]) -> None:
    """Everyone named must be among the appeal's handler candidates: whoever handles an appeal reads it."""
    wanted = {int(u.pk) for u in users}
    allowed = set(handler_candidates(appeal).filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - allowed:
        raise ValidationError(
            {field: _("只能指定本诉求所属单位及其上下级的工作人员。")}, code="not_a_candidate"
        )


@transaction.atomic
def appeal_assign(
    *,
    appeal: Appeal,
    actor: UserLike,
    handler: Any,
    measure: str,
    deadline: dt.datetime | None = None,
    co_handlers: Sequence[Any] = (),
) -> Appeal:
    """定人员、定措施、定期限: a named person, a measure and a deadline."""
    appeal = _locked(appeal)
    _check(appeal, "assign")
    if handler is None or not handler.is_active:
        raise ValidationError({"handler": _("请指定责任人。")}, code="no_handler")
    _check_candidates(appeal, "handler", [handler])
    _check_candidates(appeal, "co_handlers", co_handlers)
    measure = clean_text(measure, field="measure")
    now = timezone.now()
    if deadline is None:
        if not appeal.grade:
            raise ValidationError({"grade": _("请先确定等级。")}, code="no_grade")
        deadline = appeal.closure_due
    elif deadline <= now:
        raise ValidationError({"deadline": _("办结时限不能早于当前时间。")}, code="past_deadline")
    appeal.handler = handler
    appeal.measure = measure
    appeal.closure_due = deadline
    appeal.state = State.IN_PROGRESS
    appeal.last_activity_at = now
    appeal.save(update_fields=["handler", "measure", "closure_due", "state", "last_activity_at"])
    appeal.co_handlers.set(co_handlers)
    _event(
        appeal,
        EventKind.ASSIGNED,
        actor,
        text=measure,
        handler=handler.pk,
        deadline=deadline.isoformat() if deadline else None,
        co_handlers=_user_ids(co_handlers),
    )
    return appeal


@transaction.atomic
def appeal_transfer(*, appeal: Appeal, actor: UserLike, handler: Any, reason: str) -> Appeal:
    appeal = _locked(appeal)
    _check(appeal, "transfer")
    reason = clean_text(reason, field="reason")
    if handler is None or not handler.is_active:
        raise ValidationError({"handler": _("请指定新的责任人。")}, code="no_handler")
    _check_candidates(appeal, "handler", [handler])
    previous = appeal.handler_id
    appeal.handler = handler
    appeal.last_activity_at = timezone.now()
    appeal.save(update_fields=["handler", "last_activity_at"])
    _event(appeal, EventKind.TRANSFERRED, actor, text=reason, previous=previous, handler=handler.pk)
    return appeal


def _responded(appeal: Appeal, at: dt.datetime, fields: list[str]) -> None:
    if appeal.first_response_at is None:
        appeal.first_response_at = at
        fields.append("first_response_at")


@transaction.atomic
def appeal_progress(*, appeal: Appeal, actor: UserLike, text: str, public: bool = True) -> AppealEvent:
    """一周一跟进: a follow-up on the handling, shown to the submitter unless marked internal."""
    appeal = _locked(appeal)
    _check(appeal, "progress")
    event = _event(appeal, EventKind.FOLLOWED_UP, actor, text=clean_text(text), public=public)
    fields = ["last_activity_at"]
    appeal.last_activity_at = event.at
    if public:
        _responded(appeal, event.at, fields)
    appeal.save(update_fields=fields)
    return event


@transaction.atomic
def appeal_note(*, appeal: Appeal, actor: UserLike, text: str) -> AppealEvent:
    """An internal note: never shown to the submitter."""
    appeal = _locked(appeal)
    _check(appeal, "note")
    return _event(appeal, EventKind.NOTE, actor, text=clean_text(text), public=False)


@transaction.atomic
def appeal_consulted(
    *,
    appeal: Appeal,
    actor: UserLike,
    text: str,
    meeting_id: int,
    due: dt.date | None = None,
    responsible_id: int | None = None,
) -> AppealEvent:
    """A consultation meeting's (会诊) decision on the appeal: an internal event in any state, since the
    decision stands whatever has happened to the appeal since it was put on the agenda."""
    appeal = _locked(appeal)
    return _event(
        appeal,
        EventKind.CONSULTED,
        actor,
        text=clean_text(text),
        public=False,
        meeting_id=meeting_id,
        due=due.isoformat() if due is not None else None,
        responsible=responsible_id,
    )


@transaction.atomic
def appeal_reply(*, appeal: Appeal, actor: UserLike, text: str) -> AppealEvent:
    """The answer to the submitter; the appeal is then answered and awaits their rating."""
    appeal = _locked(appeal)
    _check(appeal, "reply")
    event = _event(appeal, EventKind.REPLIED, actor, text=clean_text(text), public=True)
    fields = ["state", "answered_at", "last_activity_at"]
    appeal.state = State.ANSWERED
    appeal.answered_at = event.at
    appeal.last_activity_at = event.at
    _responded(appeal, event.at, fields)
    appeal.save(update_fields=fields)
    if appeal.channel == Channel.WECOM and appeal.submitter_id is not None:
        from lianxin.appeals.wecom import send_reply

        transaction.on_commit(lambda: send_reply(appeal_id=appeal.pk, text=event.text))
    return event


def _reopen(appeal: Appeal, actor: UserLike | None, reason: str, fields: list[str]) -> None:
    """Back to handling, one level higher under supervision."""
    appeal.state = State.IN_PROGRESS
    appeal.reopen_count += 1
    appeal.level = min(appeal.level + 1, Level.LEADERSHIP)
    appeal.closed_at = None
    appeal.answered_at = None
    fields += ["state", "reopen_count", "level", "closed_at", "answered_at"]
    _event(appeal, EventKind.REOPENED, actor, text=reason, public=True, level=appeal.level)
    notify_level(appeal, appeal.level, kind="reopened")


@transaction.atomic
def appeal_rate(*, appeal: Appeal, rating: str, comment: str = "", actor: UserLike | None = None) -> Appeal:
    """The submitter rates the answer; 不满意 reopens it under the next level's supervision."""
    appeal = _locked(appeal)
    _check(appeal, "rate")
    if rating not in Rating.values:
        raise ValidationError({"rating": _("请选择满意度。")}, code="unknown_rating")
    comment = (comment or "").strip()
    if len(comment) > MAX_TEXT:
        raise ValidationError({"comment": _("内容过长。")}, code="too_long")
    event = _event(appeal, EventKind.RATED, actor, text=comment, public=True, rating=rating)
    appeal.rating = rating
    appeal.last_activity_at = event.at
    fields = ["rating", "last_activity_at"]
    if rating == Rating.DISSATISFIED:
        _reopen(appeal, None, _("诉求人不满意，升级督办后重新办理。"), fields)
    else:
        appeal.state = State.RATED
        fields.append("state")
    appeal.save(update_fields=fields)
    return appeal


@transaction.atomic
def appeal_return_visit(*, appeal: Appeal, actor: UserLike, rating: str, text: str) -> Appeal:
    """Staff record the satisfaction return visit when the submitter has not rated within 5 days."""
    appeal = _locked(appeal)
    _check(appeal, "return_visit")
    if appeal.answered_at is not None and timezone.now() - appeal.answered_at < RETURN_VISIT_AFTER:
        raise ValidationError(_("答复后 5 天内由诉求人自行评价，之后再回访。"), code="too_early")
    if rating not in Rating.values:
        raise ValidationError({"rating": _("请选择满意度。")}, code="unknown_rating")
    event = _event(appeal, EventKind.RETURN_VISIT, actor, text=clean_text(text), public=True, rating=rating)
    appeal.rating = rating
    appeal.last_activity_at = event.at
    fields = ["rating", "last_activity_at"]
    if rating == Rating.DISSATISFIED:
        _reopen(appeal, actor, _("回访不满意，升级督办后重新办理。"), fields)
    else:
        appeal.state = State.CLOSED
        appeal.closed_at = event.at
        fields += ["state", "closed_at"]
        _event(appeal, EventKind.CLOSED, actor, public=True)
    appeal.save(update_fields=fields)
    return appeal


@transaction.atomic
def appeal_close(*, appeal: Appeal, actor: UserLike) -> Appeal:
    """办结 after a satisfied rating (an unrated answer needs the return visit first)."""
    appeal = _locked(appeal)
    _check(appeal, "close")
    if appeal.state == State.ANSWERED:
        raise TransitionError(_("尚未评价，请先进行满意度回访。"), code="needs_return_visit")
    now = timezone.now()
    appeal.state = State.CLOSED
    appeal.closed_at = now
    appeal.last_activity_at = now
    appeal.save(update_fields=["state", "closed_at", "last_activity_at"])
    _event(appeal, EventKind.CLOSED, actor, public=True)
    return appeal


@transaction.atomic
def appeal_reopen(*, appeal: Appeal, actor: UserLike, reason: str) -> Appeal:
    appeal = _locked(appeal)
    _check(appeal, "reopen")
    fields = ["last_activity_at"]
    appeal.last_activity_at = timezone.now()
    _reopen(appeal, actor, clean_text(reason, field="reason"), fields)
    appeal.save(update_fields=fields)
    return appeal


@transaction.atomic
def appeal_merge(*, appeal: Appeal, actor: UserLike, into: Appeal, reason: str = "") -> Appeal:
    """A duplicate is merged into another appeal; both stay readable, the duplicate stops."""
    appeal = _locked(appeal)
    _check(appeal, "merge")
    if into.pk == appeal.pk or into.state == State.MERGED:
        raise ValidationError({"into": _("不能合并到该诉求。")}, code="bad_merge")
    appeal.state = State.MERGED
    appeal.merged_into = into
    appeal.last_activity_at = timezone.now()
    appeal.save(update_fields=["state", "merged_into", "last_activity_at"])
    _event(appeal, EventKind.MERGED, actor, text=reason.strip(), public=True, into=into.number)
    _event(into, EventKind.NOTE, actor, text=_("合并了重复诉求 %(n)s") % {"n": appeal.number})
    return appeal


@transaction.atomic
def appeal_withdraw(*, appeal: Appeal, actor: UserLike | None = None, reason: str = "") -> Appeal:
    """Only the submitter withdraws (the caller checks who it is)."""
    appeal = _locked(appeal)
    _check(appeal, "withdraw")
    appeal.state = State.WITHDRAWN
    appeal.closed_at = timezone.now()
    appeal.save(update_fields=["state", "closed_at"])
    _event(appeal, EventKind.WITHDRAWN, actor, text=reason.strip(), public=True)
    return appeal


# Overdue by at least this long → at least this level supervises.
ESCALATION_STEPS: tuple[tuple[dt.timedelta, int], ...] = (
    (dt.timedelta(0), Level.SECRETARY),
    (dt.timedelta(days=1), Level.DEPARTMENT),
    (dt.timedelta(days=3), Level.LEADERSHIP),
)


def _target_level(overdue_by: dt.timedelta) -> int:
    level: int = Level.HANDLER
    for threshold, step in ESCALATION_STEPS:
        if overdue_by >= threshold:
            level = step
    return level


def appeals_escalate_overdue(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """The sweep: each overdue appeal climbs handler → secretary → department → leadership, one event per
    level, with an in-app notice to that level. Returns how many escalations were made.

    Work is done a chunk at a time: the appeals are locked together, and their events, notices and new
    levels are written in bulk, so a backlog after a missed day costs a few queries per chunk."""
    moment = now or timezone.now()
    candidates = (
        Appeal.objects.overdue(moment)
        .filter(level__lt=Level.LEADERSHIP)
        .values_list("pk", "closure_due", "level")
        .order_by("closure_due")
    )
    todo = [pk for pk, due, level in candidates if due is not None and _target_level(moment - due) > level]
    if not todo:
        return 0
    directory = LevelDirectory()
    made = 0
    for start in range(0, len(todo), batch):
        with transaction.atomic():
            locked = (
                Appeal.objects.select_for_update(of=("self",))
                .select_related("unit")
                .filter(pk__in=todo[start : start + batch], state__in=OPEN_STATES)
            )
            events: list[AppealEvent] = []
            notices: list[Notification] = []
            raised: dict[int, list[int]] = {}
            for appeal in locked:
                due = appeal.closure_due
                if due is None:
                    continue
                target = _target_level(moment - due)
                for step in range(appeal.level + 1, target + 1):
                    events.append(
                        AppealEvent(
                            appeal=appeal,
                            kind=EventKind.ESCALATED,
                            at=moment,
                            data={
                                "level": step,
                                "overdue_hours": int((moment - due).total_seconds() // 3600),
                            },
                        )
                    )
                    message = level_message(appeal, step, kind="escalated")
                    notices.extend(
                        Notification(user_id=uid, appeal=appeal, kind="escalated", message=message)
                        for uid in directory.users(appeal, step)
                    )
                    made += 1
                if target > appeal.level:
                    raised.setdefault(target, []).append(appeal.pk)
            AppealEvent.objects.bulk_create(events)
            Notification.objects.bulk_create(notices)
            for level, pks in raised.items():
                Appeal.objects.filter(pk__in=pks).update(level=level)
    return made


def needs_followup(*, now: dt.datetime | None = None) -> Any:
    """Open appeals with no activity for 7 days (一周一跟进)."""
    moment = now or timezone.now()
    return Appeal.objects.open().filter(last_activity_at__lt=moment - dt.timedelta(days=7))
