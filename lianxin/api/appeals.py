"""API for appeals: submit, list and detail within scope, events, handling, and rating through a receipt.

Errors are JSON with a `detail` key: 404 for missing and out of scope alike, 409 for an action the
appeal's state does not allow, 422 for bad input (with `errors` by field), 429 for receipt guessing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils import timezone
from ninja import Query, Router, Status

from lianxin.api.appeal_schemas import (
    EVENT_LABELS,
    AppealDetailOut,
    AppealError,
    AppealIn,
    AppealPage,
    AppealQuery,
    AssignIn,
    CandidateOut,
    EventOut,
    ProgressIn,
    RateIn,
    ReceiptIn,
    ReceiptOut,
    SubmittedOut,
    TextIn,
    TransferIn,
    TriageIn,
)
from lianxin.api.auth import stamp_request_token
from lianxin.api.errors import invalid
from lianxin.api.schemas import ErrorOut
from lianxin.appeals import presenters, receipt_access, selectors, services
from lianxin.appeals.access import appeal_for
from lianxin.appeals.codes import OPEN_STATES, STAFF_CHANNELS, Channel, State
from lianxin.appeals.models import Appeal, AppealEvent, Category
from lianxin.appeals.scope import appeals_visible_to, can_enter_on_behalf, handler_candidates
from lianxin.org.access import unit_for
from lianxin.org.models import Person, Role
from lianxin.org.scope import UserLike, grants_of, people_visible_to

router = Router(tags=["appeals"])

LIST_RELATED = ("unit", "category", "submitter", "handler", "handler__person")
ERRORS = {404: ErrorOut, 409: ErrorOut, 422: AppealError}


# --- helpers -------------------------------------------------------------------------------------


def _bad(field: str, message: str) -> Status[dict[str, Any]]:
    return Status(422, {"detail": message, "errors": {field: [message]}})


def _refused(exc: services.TransitionError) -> Status[dict[str, Any]]:
    return Status(409, {"detail": "；".join(str(m) for m in exc.messages)})


def _attempt(call: Callable[[], object]) -> Status[dict[str, Any]] | None:
    """Run a handling service: None when it went through, else its refusal as 409 or 422."""
    try:
        call()
    except services.TransitionError as exc:
        return _refused(exc)
    except ValidationError as exc:
        return invalid(exc)
    return None


def _summary(appeal: Appeal) -> dict[str, Any]:
    return {
        "id": appeal.pk,
        "number": appeal.number,
        "state": appeal.state,
        "state_label": appeal.get_state_display(),
        "channel": appeal.channel,
        "received_at": appeal.received_at,
        "anonymous": appeal.is_anonymous,
        "submitter": presenters.submitter_label(appeal),
        "unit": {"id": appeal.unit_id, "name": appeal.unit.name},
        "track": appeal.track,
        "category": appeal.category_id,
        "grade": appeal.grade,
        "handler": presenters.user_label(appeal.handler),
        "closure_due": appeal.closure_due,
        "overdue": appeal.is_overdue,
    }


def _event_out(event: presenters.EventView) -> dict[str, Any]:
    return asdict(event)


def _new_event(appeal: Appeal, event: AppealEvent) -> dict[str, Any]:
    """An event the caller has just made as a member of staff."""
    return _event_out(presenters.event_view(appeal, event, internal=True))


def _idempotency_key(request: HttpRequest, body_key: str | None) -> str | None:
    header = request.headers.get("Idempotency-Key")
    if header is not None and body_key is not None and header != body_key:
        raise ValidationError({"idempotency_key": "请求头与请求体中的幂等键不一致。"})
    raw = body_key if body_key is not None else header
    if raw is None:
        return None
    if not raw.strip() or len(raw) > 64:
        raise ValidationError({"idempotency_key": "幂等键须为 1–64 个字符。"})
    return raw


def _informant_kind(user: UserLike) -> str:
    return next((g.informant_kind for g in grants_of(user) if g.role == Role.INFORMANT), "")


# --- submit, list, detail ------------------------------------------------------------------------


@router.post(
    "/appeals",
    response={200: SubmittedOut, 201: SubmittedOut, 403: ErrorOut, **ERRORS},
    summary="提交诉求（本人具名、匿名或代录）",
)
def appeal_create(request: HttpRequest, payload: AppealIn) -> Status[dict[str, Any]]:
    user = request.user
    if not payload.anonymous:
        # An anonymous submission leaves the token's last use as it was (lianxin.api.auth).
        stamp_request_token(request)
    channel = payload.channel
    staff_entry = payload.on_behalf_of is not None or channel in STAFF_CHANNELS
    if channel in (Channel.WEB, Channel.WECOM):
        return _bad("channel", f"渠道 {channel} 有自己的入口，不能通过接口提交。")
    if staff_entry and not can_enter_on_behalf(user):
        return Status(403, {"detail": "无权代录诉求。"})
    informant_kind = ""
    if channel == Channel.INFORMANT:
        informant_kind = _informant_kind(user)
        if not informant_kind:
            return Status(403, {"detail": "只有信息员可以使用 informant 渠道。"})
    if payload.on_behalf_of is not None and payload.anonymous:
        return _bad("on_behalf_of", "匿名诉求不能指定诉求人。")
    if channel in STAFF_CHANNELS and not payload.anonymous and payload.on_behalf_of is None:
        return _bad("on_behalf_of", "代录具名诉求须提供诉求人的工号（on_behalf_of）。")

    submitter: Person | None = None
    if payload.on_behalf_of is not None:
        submitter = people_visible_to(user).filter(employee_no=payload.on_behalf_of).first()
        if submitter is None:
            raise Http404("person")
    elif not payload.anonymous:
        own = Person.objects.select_related("unit").filter(user__isnull=False, user_id=user.pk or 0)
        submitter = own.first()
        if submitter is None:
            return _bad("anonymous", "您的账号未关联人员档案：请匿名提交，或由工作人员代录。")
    try:
        key = _idempotency_key(request, payload.idempotency_key)
        submitted = services.appeal_submit(
            text=payload.text,
            channel=channel,
            submitter=submitter,
            anonymous=payload.anonymous,
            entered_by=user if staff_entry else None,
            informant_kind=informant_kind,
            idempotency_key=key,
        )
    except ValidationError as exc:
        return invalid(exc)
    appeal = Appeal.objects.select_related(*LIST_RELATED).get(pk=submitted.appeal.pk)
    if submitted.duplicate:
        if appeal.text != payload.text.strip():
            return _bad("idempotency_key", "该幂等键已用于另一条诉求。")
        return Status(200, {**_summary(appeal), "receipt": None})
    return Status(201, {**_summary(appeal), "receipt": submitted.receipt})


@router.get("/appeals", response={200: AppealPage, **ERRORS}, summary="可见的诉求（筛选、分页）")
def appeal_list(request: HttpRequest, query: Query[AppealQuery]) -> Any:
    rows = appeals_visible_to(request.user)
    if query.state:
        rows = rows.filter(state=query.state)
    if query.grade:
        rows = rows.filter(grade=query.grade)
    if query.category:
        if not Category.objects.filter(code=query.category).exists():
            return _bad("category", f"未知的类别：{query.category}")
        rows = rows.filter(category_id=query.category)
    if query.unit is not None:
        unit = unit_for(request.user, query.unit)
        rows = rows.filter(unit__path__startswith=unit.path)
    if query.overdue:
        rows = rows.filter(state__in=OPEN_STATES, closure_due__lt=timezone.now())
    count = rows.count()
    page = list(
        rows.select_related(*LIST_RELATED).order_by("-received_at", "-pk")[
            query.offset : query.offset + query.limit
        ]
    )
    return {
        "count": count,
        "next": query.offset + query.limit if query.offset + query.limit < count else None,
        "items": [_summary(a) for a in page],
    }


@router.get(
    "/appeals/{appeal_id}", response={200: AppealDetailOut, **ERRORS}, exclude_unset=True, summary="诉求详情"
)
def appeal_detail(request: HttpRequest, appeal_id: int) -> dict[str, Any]:
    appeal = appeal_for(request.user, appeal_id)
    view = presenters.appeal_view(request.user, appeal)
    out = {
        **_summary(appeal),
        "text": appeal.text,
        "measure": appeal.measure,
        "rating": appeal.rating,
        "answered_at": appeal.answered_at,
        "closed_at": appeal.closed_at,
        "events": [_event_out(e) for e in view.events],
    }
    if view.internal:
        out.update(
            level=appeal.level,
            entered_by=view.entered_by,
            co_handlers=view.co_handlers,
            suggested_category=appeal.suggested_category,
            suggested_grade=appeal.suggested_grade,
        )
    return out


@router.get("/appeals/{appeal_id}/events", response={200: list[EventOut], **ERRORS}, summary="办理记录")
def appeal_events(request: HttpRequest, appeal_id: int) -> list[dict[str, Any]]:
    appeal = appeal_for(request.user, appeal_id)
    internal = presenters.sees_internal(request.user, appeal)
    return [_event_out(e) for e in presenters.event_views(appeal, internal=internal)]


# --- handling --------------------------------------------------------------------------------------


@router.post("/appeals/{appeal_id}/replies", response={201: EventOut, **ERRORS}, summary="答复诉求人")
def appeal_reply(request: HttpRequest, appeal_id: int, payload: TextIn) -> Status[dict[str, Any]]:
    appeal = appeal_for(request.user, appeal_id, write=True)
    try:
        event = services.appeal_reply(appeal=appeal, actor=request.user, text=payload.text)
    except services.TransitionError as exc:
        return _refused(exc)
    except ValidationError as exc:
        return invalid(exc)
    return Status(201, _new_event(appeal, event))


@router.post("/appeals/{appeal_id}/progress", response={201: EventOut, **ERRORS}, summary="办理进展")
def appeal_progress(request: HttpRequest, appeal_id: int, payload: ProgressIn) -> Status[dict[str, Any]]:
    appeal = appeal_for(request.user, appeal_id, write=True)
    try:
        event = services.appeal_progress(
            appeal=appeal, actor=request.user, text=payload.text, public=payload.public
        )
    except services.TransitionError as exc:
        return _refused(exc)
    except ValidationError as exc:
        return invalid(exc)
    return Status(201, _new_event(appeal, event))


@router.post("/appeals/{appeal_id}/notes", response={201: EventOut, **ERRORS}, summary="内部备注")
def appeal_note(request: HttpRequest, appeal_id: int, payload: TextIn) -> Status[dict[str, Any]]:
    appeal = appeal_for(request.user, appeal_id, write=True)
    try:
        event = services.appeal_note(appeal=appeal, actor=request.user, text=payload.text)
    except services.TransitionError as exc:
        return _refused(exc)
    except ValidationError as exc:
        return invalid(exc)
    return Status(201, _new_event(appeal, event))


@router.post(
    "/appeals/{appeal_id}/triage",
    response={200: AppealDetailOut, **ERRORS},
    exclude_unset=True,
    summary="分类定级",
)
def appeal_triage(request: HttpRequest, appeal_id: int, payload: TriageIn) -> Any:
    appeal = appeal_for(request.user, appeal_id, supervise=True)
    try:
        services.appeal_triage(
            appeal=appeal,
            actor=request.user,
            category=payload.category,
            grade=payload.grade,
            track=payload.track,
        )
    except services.TransitionError as exc:
        return _refused(exc)
    except ValidationError as exc:
        return invalid(exc)
    return appeal_detail(request, appeal_id)


def _candidate(appeal: Appeal, ref: str | int) -> Any:
    """A handler candidate of the appeal by id or username; None for anyone else, existing or not."""
    users = handler_candidates(appeal)
    if isinstance(ref, int) or ref.isdigit():
        found = users.filter(pk=int(ref)).first()
        if found is not None:
            return found
    return users.filter(username=str(ref)).first()


NOT_A_CANDIDATE = "不能指定该人员：须为本诉求所属单位及其上下级的工作人员（见 handler-candidates）。"


@router.get(
    "/appeals/{appeal_id}/handler-candidates",
    response={200: list[CandidateOut], **ERRORS},
    summary="可指定的责任人与协办人（与页面的选择列表相同）",
)
def appeal_handler_candidates(request: HttpRequest, appeal_id: int) -> list[dict[str, Any]]:
    appeal = appeal_for(request.user, appeal_id, supervise=True)
    return [
        {"id": u.pk, "username": u.get_username(), "name": presenters.user_label(u)}
        for u in selectors.handler_choices(appeal)
    ]


@router.post(
    "/appeals/{appeal_id}/assign",
    response={200: AppealDetailOut, **ERRORS},
    exclude_unset=True,
    summary="交办：责任人、措施、时限",
)
def appeal_assign(request: HttpRequest, appeal_id: int, payload: AssignIn) -> Any:
    appeal = appeal_for(request.user, appeal_id, supervise=True)
    handler = _candidate(appeal, payload.handler)
    if handler is None:
        return _bad("handler", NOT_A_CANDIDATE)
    co_handlers = []
    for ref in payload.co_handlers:
        co = _candidate(appeal, ref)
        if co is None:
            return _bad("co_handlers", NOT_A_CANDIDATE)
        co_handlers.append(co)
    deadline = payload.deadline
    if deadline is not None and timezone.is_naive(deadline):
        # A time without an offset is read as the enterprise's local time (Asia/Shanghai).
        deadline = timezone.make_aware(deadline)
    refused = _attempt(
        lambda: services.appeal_assign(
            appeal=appeal,
            actor=request.user,
            handler=handler,
            measure=payload.measure,
            deadline=deadline,
            co_handlers=co_handlers,
        )
    )
    return refused or appeal_detail(request, appeal_id)


@router.post(
    "/appeals/{appeal_id}/transfer",
    response={200: AppealDetailOut, **ERRORS},
    exclude_unset=True,
    summary="转办：换一位责任人",
)
def appeal_transfer(request: HttpRequest, appeal_id: int, payload: TransferIn) -> Any:
    appeal = appeal_for(request.user, appeal_id, supervise=True)
    handler = _candidate(appeal, payload.handler)
    if handler is None:
        return _bad("handler", NOT_A_CANDIDATE)
    refused = _attempt(
        lambda: services.appeal_transfer(
            appeal=appeal, actor=request.user, handler=handler, reason=payload.reason
        )
    )
    return refused or appeal_detail(request, appeal_id)


# --- receipts: no token, the code in the body, rate-limited ----------------------------------------


def _too_many() -> JsonResponse:
    response = JsonResponse({"detail": "尝试次数过多，请 10 分钟后再试。"}, status=429)
    response["Retry-After"] = str(receipt_access.WINDOW_SECONDS)
    return response


def _by_receipt(request: HttpRequest, code: str) -> Appeal | JsonResponse:
    """The appeal the receipt belongs to, 429 while this client is blocked, else 404 on a wrong code.

    The check and its failure counters are the web form's, so guesses through the page and through the
    API draw on one budget; a miss costs the same Argon2 verification as a hit.
    """
    try:
        return receipt_access.appeal_by_receipt(request, code)
    except receipt_access.ReceiptBlocked:
        return _too_many()
    except receipt_access.ReceiptRefused:
        raise Http404("receipt") from None


def _public(appeal: Appeal) -> dict[str, Any]:
    events = AppealEvent.objects.filter(appeal=appeal, public=True).order_by("at", "pk")
    return {
        "number": appeal.number,
        "state": appeal.state,
        "state_label": appeal.get_state_display(),
        "received_at": appeal.received_at,
        "category": appeal.category.label if appeal.category is not None else None,
        "text": appeal.text,
        "can_rate": appeal.state == State.ANSWERED,
        "rating": appeal.rating,
        "events": [
            {"kind": e.kind, "kind_label": str(EVENT_LABELS.get(e.kind, e.kind)), "at": e.at, "text": e.text}
            for e in events
        ],
    }


@router.post(
    "/receipts/status",
    auth=None,
    response={200: ReceiptOut, 404: ErrorOut, 429: ErrorOut},
    summary="凭回执码查询办理进展（无需令牌）",
)
def receipt_status(request: HttpRequest, payload: ReceiptIn) -> Any:
    appeal = _by_receipt(request, payload.code)
    return appeal if isinstance(appeal, JsonResponse) else _public(appeal)


@router.post(
    "/receipts/rate",
    auth=None,
    response={200: ReceiptOut, **ERRORS, 429: ErrorOut},
    summary="凭回执码评价答复（无需令牌）",
)
def receipt_rate(request: HttpRequest, payload: RateIn) -> Any:
    appeal = _by_receipt(request, payload.code)
    if isinstance(appeal, JsonResponse):
        return appeal
    try:
        appeal = services.appeal_rate(appeal=appeal, rating=payload.rating, comment=payload.comment)
    except services.TransitionError as exc:
        return _refused(exc)
    except ValidationError as exc:
        return invalid(exc)
    return _public(appeal)
