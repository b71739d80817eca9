"""The sidebar follows the user's roles.

Links to other pages are reversed defensively: a page that is not wired yet drops out of the menu
instead of breaking every page that extends the layout.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from lianxin.org.models import SCOPE_ROLES, SENSITIVE_ROLES, Role
from lianxin.org.scope import own_person_id, roles_of


def url_or_none(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _links(flags: dict[str, Any], person_id: int | None) -> list[dict[str, Any]]:
    wanted: list[tuple[Any, str | None, str]] = [(_("我的首页"), url_or_none("home"), "home")]
    if person_id is not None:
        wanted.append((_("我的档案"), url_or_none("person_detail", person_id), "file"))
    # Appeals: every logged-in user may raise one; staff handle them; everyone reads the board.
    wanted.append((_("提交诉求"), url_or_none("appeal_new"), "appeal_new"))
    if person_id is not None:
        wanted.append((_("我的诉求"), url_or_none("my_appeals"), "my_appeals"))
    if flags["staff"]:
        wanted.append((_("诉求办理"), url_or_none("appeal_worklist"), "appeals"))
    if flags["secretary_up"]:
        wanted.append((_("诉求台账"), url_or_none("appeal_ledger"), "ledger"))
    wanted.append((_("月度公示"), url_or_none("board_index"), "board"))
    # Care work: grid members keep up with their people; staff record talks and follow due items.
    if flags["grid_member"]:
        wanted.append((_("我的联系对象"), url_or_none("my_people"), "my_people"))
    if flags["staff"]:
        wanted.append((_("待办谈访"), url_or_none("due_items"), "due_items"))
        wanted.append((_("谈话走访记录"), url_or_none("contact_new"), "contact_new"))
    if flags["secretary_up"]:
        wanted.append((_("重点人员"), url_or_none("key_people"), "key_people"))
        wanted.append((_("三违帮教"), url_or_none("violation_list"), "violations"))
    if flags["staff"]:
        wanted.append((_("联系覆盖"), url_or_none("care_coverage"), "care_coverage"))
    if flags["counsellor"] or flags["secretary_up"]:
        wanted.append((_("心理咨询转介"), url_or_none("referral_list"), "referrals"))
    # Insight: warnings and trends, monthly thought-dynamics reports, consultation meetings.
    if flags["secretary_up"]:
        wanted.append((_("预警研判"), url_or_none("warning_list"), "warnings"))
        wanted.append((_("思想动态报告"), url_or_none("report_list"), "reports"))
        wanted.append((_("会诊"), url_or_none("meeting_list"), "meetings"))
    if flags["staff"]:
        wanted.append((_("会诊任务"), url_or_none("my_decisions"), "my_decisions"))
        wanted.append((_("通知"), url_or_none("notifications"), "notifications"))
        wanted.append((_("组织架构"), url_or_none("org_tree"), "tree"))
        wanted.append((_("人员名册"), url_or_none("person_list"), "people"))
    if flags["secretary_up"]:
        wanted.append((_("更正申请"), url_or_none("correction_list"), "corrections"))
    if flags["can_import"]:
        wanted.append((_("花名册导入"), url_or_none("roster_upload"), "roster"))
    if flags["department"]:
        wanted.append((_("单位调整审批"), url_or_none("unit_move_list"), "unit_moves"))
    if flags["admin"]:
        wanted.append((_("系统管理"), url_or_none("admin:index"), "admin"))
    if flags["auditor"]:
        log_url = url_or_none("admin:audit_accesslog_changelist") or "/admin/audit/accesslog/"
        wanted.append((_("访问日志"), log_url, "audit"))
        wanted.append((_("审计记录"), url_or_none("admin:audit_auditevent_changelist"), "audit_events"))
    badges = {"notifications": flags.get("unread", 0), "unit_moves": flags.get("pending_moves", 0)}
    return [
        {"label": label, "url": url, "key": key, "badge": badges.get(key, 0)}
        for label, url, key in wanted
        if url
    ]


def _active_key(request: HttpRequest, links: list[dict[str, Any]]) -> str:
    """The link whose URL is the longest prefix of the current path (home only on an exact match)."""
    best, best_len = "", 0
    for link in links:
        url = link["url"]
        matches = request.path == url if url == "/" else request.path.startswith(url)
        if matches and len(url) > best_len:
            best, best_len = link["key"], len(url)
    return best


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    roles = roles_of(user)
    person_id = own_person_id(user)
    flags: dict[str, Any] = {
        "roles": roles,
        "has_file": person_id is not None,
        "staff": bool(roles & SCOPE_ROLES),
        "secretary_up": bool(roles & SENSITIVE_ROLES),
        "grid_member": Role.GRID_MEMBER in roles,
        "counsellor": Role.COUNSELLOR in roles,
        "can_import": bool(roles & {Role.DEPARTMENT, Role.SYSTEM_ADMIN}),
        # Superusers only: an audit administrator is staff too, and must not get the system menu.
        "admin": bool(roles & {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}) or user.is_superuser,
        "auditor": Role.AUDIT_ADMIN in roles,
        "department": Role.DEPARTMENT in roles,
    }
    if flags["staff"]:
        # Staff receive the in-app notices (red alerts, escalations): one COUNT for the sidebar badge.
        from lianxin.appeals.notify import unread_count

        flags["unread"] = unread_count(user)
    if flags["department"]:
        # A unit move waits for the department: the sidebar shows how many are pending.
        from lianxin.org.unit_moves import pending_count

        flags["pending_moves"] = pending_count(user)
    links = _links(flags, person_id)
    flags["links"] = links
    flags["active"] = _active_key(request, links)
    flags["role_labels"] = [label for value, label in Role.choices if value in roles]
    return {"nav": flags}
