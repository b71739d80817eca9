"""Pages: handling — the worklist, an appeal's handling page with its actions, and the user's notifications.

Every action is a POST that calls one service; a refusal re-shows the page with the message and status 400.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lianxin.appeals import handling_forms as f
from lianxin.appeals import selectors, services
from lianxin.appeals.access import appeal_for
from lianxin.appeals.codes import Grade, State
from lianxin.appeals.models import Appeal, Category, Notification
from lianxin.appeals.notify import notifications_mark_read
from lianxin.appeals.presenters import appeal_view
from lianxin.appeals.scope import appeals_visible_to, can_handle, can_supervise, is_submitter
from lianxin.appeals.triage import evidence_items
from lianxin.org.models import SENSITIVE_ROLES
from lianxin.org.scope import UserLike, scope_paths
from lianxin.paging import MAX_PAGE, page_number

PAGE_SIZE = 20


@dataclass(frozen=True)
class Action:
    key: str
    label: Any
    form: type[forms.Form]
    supervise: bool  # secretary of the appeal's branch and above; otherwise the handler may act too
    transition: str  # the key of services.TRANSITIONS that says in which states it is offered


ACTIONS: dict[str, Action] = {
    a.key: a
    for a in (
        Action("triage", gettext_lazy("分类定级"), f.TriageForm, True, "triage"),
        Action("assign", gettext_lazy("交办"), f.AssignForm, True, "assign"),
        Action("transfer", gettext_lazy("转办"), f.TransferForm, True, "transfer"),
        Action("progress", gettext_lazy("办理进展"), f.ProgressForm, False, "progress"),
        Action("reply", gettext_lazy("答复"), f.ReplyForm, False, "reply"),
        Action("note", gettext_lazy("内部备注"), f.NoteForm, False, "note"),
        Action("return_visit", gettext_lazy("满意度回访"), f.ReturnVisitForm, True, "return_visit"),
        Action("close", gettext_lazy("办结"), f.CloseForm, True, "close"),
        Action("reopen", gettext_lazy("重新办理"), f.ReopenForm, True, "reopen"),
        Action("merge", gettext_lazy("合并重复诉求"), f.MergeForm, True, "merge"),
    )
}


# --- The worklist ---------------------------------------------------------------------------------


@require_GET
@login_required
def appeal_worklist(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not selectors.is_handling_staff(user):
        raise Http404("worklist")
    supervisor = bool(scope_paths(user, SENSITIVE_ROLES))
    tab = request.GET.get("tab", "")
    if tab not in selectors.TAB_KEYS:
        tab = "received" if supervisor else "mine"
    rows = selectors.filter_worklist(selectors.worklist(user, tab), request.GET)
    number = page_number(request)
    appeals, more = selectors.worklist_page(rows, offset=(number - 1) * PAGE_SIZE, size=PAGE_SIZE)
    now = timezone.now()
    for appeal in appeals:
        appeal.handler_name = selectors.display_name(appeal.handler) if appeal.handler_id else ""  # type: ignore[attr-defined]
        appeal.overdue_now = appeal.is_overdue  # type: ignore[attr-defined]
        appeal.idle_days = (now - appeal.last_activity_at).days  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "appeals/handling/worklist.html",
        {
            "tabs": selectors.TABS,
            "tab": tab,
            "appeals": appeals,
            "page": number,
            "has_next": more and number < MAX_PAGE,
            "has_previous": number > 1,
            "query": query.urlencode(),
            "params": request.GET,
            "states": State.choices,
            "grades": Grade.choices,
            "categories": selectors.categories(),
            "red": Grade.RED,
        },
    )


# --- The handling page ----------------------------------------------------------------------------


def _available(user: UserLike, appeal: Appeal, supervisor: bool) -> list[Action]:
    """The actions this user may take now: by role, and by the state machine."""
    offered = []
    for action in ACTIONS.values():
        if action.supervise and not supervisor:
            continue
        if appeal.state not in services.TRANSITIONS[action.transition]:
            continue
        if action.key == "close" and appeal.state != State.RATED:
            continue  # an unrated answer is closed through the return visit
        if action.key == "return_visit" and (
            appeal.answered_at is None or timezone.now() - appeal.answered_at < services.RETURN_VISIT_AFTER
        ):
            continue
        offered.append(action)
    return offered


def _confidence_words(confidence: float | None) -> str:
    if confidence is None:
        return ""
    if confidence >= 0.9:
        return _("很高")
    return _("较高") if confidence >= 0.7 else _("一般")


def highlight(text: str, words: list[str]) -> SafeString:
    """The text, escaped, with every occurrence of the evidence words marked and line breaks kept."""
    spans: list[tuple[int, int]] = []
    for word in words:
        start = text.find(word) if word else -1
        while start >= 0:
            spans.append((start, start + len(word)))
            start = text.find(word, start + len(word))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    pieces: list[str] = []
    at = 0
    for start, end in merged:
        pieces.append(escape(text[at:start]))
        pieces.append(f'<mark class="lx-evidence">{escape(text[start:end])}</mark>')
        at = end
    pieces.append(escape(text[at:]))
    return mark_safe("".join(pieces).replace("\r\n", "\n").replace("\n", "<br>"))  # noqa: S308 - escaped above


def _form(action: Action, appeal: Appeal, data: Any = None) -> forms.Form:
    kwargs: dict[str, Any] = {}
    initial: dict[str, Any] = {}
    if action.key in ("assign", "transfer"):
        kwargs["users"] = selectors.handler_choices(appeal)
    if action.key == "triage":
        initial = {
            "category": appeal.category_id or appeal.suggested_category or None,
            # Red is never pre-selected: the handler chooses it, and the alert follows that choice.
            "grade": appeal.grade
            or (appeal.suggested_grade if appeal.suggested_grade != Grade.RED else None),
            "track": appeal.track,
        }
    elif action.key == "assign":
        initial = {"handler": appeal.handler_id, "measure": appeal.measure}
    return action.form(data, initial=initial, prefix=action.key, **kwargs)


def _attachment_url(appeal: Appeal, attachment_pk: int) -> str:
    """The attachment page belongs to the intake pages; link to it only once it exists."""
    for args in ((attachment_pk,), (appeal.pk, attachment_pk)):
        try:
            return reverse("appeal_attachment", args=args)
        except NoReverseMatch:
            continue
    return ""


def _render_detail(
    request: HttpRequest, appeal: Appeal, *, bound: tuple[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    view = appeal_view(user, appeal)
    supervisor = can_supervise(user, appeal)
    actions = []
    offered = _available(user, appeal, supervisor) if can_handle(user, appeal) else []
    for action in offered:
        form = bound[1] if bound is not None and bound[0] == action.key else _form(action, appeal)
        actions.append({"action": action, "form": form, "open": bound is not None and bound[0] == action.key})
    if bound is not None and not any(a["open"] for a in actions):
        # The refused action is no longer offered in this state; still show what was typed and why.
        action = ACTIONS[bound[0]]
        actions.insert(0, {"action": action, "form": bound[1], "open": True})
    attachments = [
        {"item": item, "url": _attachment_url(appeal, item.pk)}
        for item in appeal.attachments.order_by("uploaded_at", "pk")
    ]
    suggested_category = (
        Category.objects.filter(code=appeal.suggested_category).first()
        if view.internal and appeal.suggested_category
        else None
    )
    # The suggestion is for the staff who handle the appeal, not for others who may read it.
    evidence, confidence = evidence_items(appeal.suggestion_evidence) if view.internal else ([], None)
    now = timezone.now()
    response_late = (
        appeal.first_response_at is None
        and appeal.response_due is not None
        and appeal.response_due < now
        and appeal.state in (State.RECEIVED, State.ACCEPTED, State.IN_PROGRESS)
    )
    context = {
        "appeal": appeal,
        "view": view,
        "suggested_category": suggested_category,
        "suggested_grade": Grade(appeal.suggested_grade).label
        if view.internal and appeal.suggested_grade in Grade.values
        else "",
        # The words that led to the suggestion with their reasons, shown beside it and marked in the text.
        "suggestion_evidence": evidence[:8],
        "suggestion_confidence": min(99, round(confidence * 100)) if confidence is not None else None,
        "suggestion_confidence_words": _confidence_words(confidence),
        "red_label": Grade.RED.label,
        "original_marked": highlight(appeal.text, [item["word"] for item in evidence]),
        "merged_into": appeal.merged_into.number if appeal.merged_into_id and appeal.merged_into else "",
        "response_late": response_late,
        "attachments": attachments,
        "actions": actions,
        "supervisor": supervisor,
        "red": Grade.RED,
    }
    return render(request, "appeals/handling/detail.html", context, status=status)


@require_GET
@login_required
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Whoever may see the appeal (appeal_for, as in the API) reads it here; those who may act get the
    actions. A named submitter follows their own appeal on their own page, with its rating and withdrawal."""
    appeal = appeal_for(request.user, pk)
    if is_submitter(request.user, appeal) and not can_handle(request.user, appeal):
        return redirect("my_appeal_detail", pk=pk)
    return _render_detail(request, appeal)


def _perform(key: str, *, appeal: Appeal, user: UserLike, data: dict[str, Any]) -> None:
    if key == "triage":
        services.appeal_triage(
            appeal=appeal,
            actor=user,
            category=data["category"].code,
            grade=data["grade"],
            track=data["track"],
        )
    elif key == "assign":
        services.appeal_assign(
            appeal=appeal,
            actor=user,
            handler=data["handler"],
            measure=data["measure"],
            deadline=data.get("deadline"),
            co_handlers=list(data.get("co_handlers") or []),
        )
    elif key == "transfer":
        services.appeal_transfer(appeal=appeal, actor=user, handler=data["handler"], reason=data["reason"])
    elif key == "progress":
        services.appeal_progress(appeal=appeal, actor=user, text=data["text"], public=bool(data["public"]))
    elif key == "reply":
        services.appeal_reply(appeal=appeal, actor=user, text=data["text"])
    elif key == "note":
        services.appeal_note(appeal=appeal, actor=user, text=data["text"])
    elif key == "return_visit":
        services.appeal_return_visit(appeal=appeal, actor=user, rating=data["rating"], text=data["text"])
    elif key == "close":
        services.appeal_close(appeal=appeal, actor=user)
    elif key == "reopen":
        services.appeal_reopen(appeal=appeal, actor=user, reason=data["reason"])
    elif key == "merge":
        number = data["into"].strip().upper()
        into = appeals_visible_to(user).filter(number=number).first()
        if into is None:
            raise ValidationError({"into": _("在您的范围内找不到编号为 %(n)s 的诉求。") % {"n": number}})
        services.appeal_merge(appeal=appeal, actor=user, into=into, reason=data["reason"])
    else:  # pragma: no cover - the URLs list only the actions above
        raise Http404(key)


def _report(request: HttpRequest, form: forms.Form, error: ValidationError) -> None:
    """Field errors go next to the field; the rest (a refused transition, say) become a page message."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for item in errors:
                text = " ".join(item.messages)
                if field in form.fields:
                    form.add_error(field, text)
                else:
                    messages.error(request, text)
    else:
        for text in error.messages:
            messages.error(request, text)


def _act(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    action = ACTIONS[key]
    user = request.user
    appeal = appeal_for(user, pk, write=True, supervise=action.supervise)
    form = _form(action, appeal, request.POST)
    if not form.is_valid():
        messages.error(request, _("请检查填写的内容。"))
        return _render_detail(request, appeal, bound=(key, form), status=400)
    try:
        _perform(key, appeal=appeal, user=user, data=form.cleaned_data)
    except ValidationError as error:
        _report(request, form, error)
        # Reload: the service's transaction rolled back, the page shows what is stored.
        appeal = appeal_for(user, pk, write=True)
        return _render_detail(request, appeal, bound=(key, form), status=400)
    messages.success(request, _("已保存：%(action)s。") % {"action": action.label})
    return redirect("appeal_detail", pk=pk)


def _action_view(key: str) -> Callable[..., HttpResponse]:
    @require_POST
    @login_required
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        return _act(request, pk, key)

    view.__name__ = f"appeal_{key}"
    view.__qualname__ = f"appeal_{key}"
    return view


# --- Notifications --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        raw = request.POST.getlist("id")
        ids = [int(x) for x in raw if x.isdigit()] if raw else None
        changed = notifications_mark_read(user=user, ids=ids)
        if changed:
            messages.success(request, _("已标记 %(n)d 条通知为已读。") % {"n": changed})
        return redirect("notifications")
    number = page_number(request)
    offset = (number - 1) * 50
    rows = list(
        Notification.objects.filter(user_id=int(user.pk or 0))
        .select_related("appeal")
        .order_by("-created_at", "-pk")[offset : offset + 51]
    )
    more = len(rows) > 50
    return render(
        request,
        "appeals/handling/notifications.html",
        {
            "notices": rows[:50],
            "page": number,
            "has_next": more and number < MAX_PAGE,
            "has_previous": number > 1,
            "unread": any(n.read_at is None for n in rows[:50]),
        },
    )


urlpatterns: list[URLPattern] = [
    path("work/", appeal_worklist, name="appeal_worklist"),
    path("notifications/", notifications, name="notifications"),
    path("<int:pk>/", appeal_detail, name="appeal_detail"),
    *[path(f"<int:pk>/{key.replace('_', '-')}/", _action_view(key), name=f"appeal_{key}") for key in ACTIONS],
]
