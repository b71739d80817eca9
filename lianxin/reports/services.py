"""Every write of the monthly reports: drafting from the month's data, the author's edits, submission,
and the reviewer's return or acceptance. Each runs in one transaction and appends its ReportEvent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.care.codes import ConsentPurpose
from lianxin.care.models import Consent
from lianxin.org.models import Person, Unit
from lianxin.org.scope import UserLike
from lianxin.reports import drafting
from lianxin.reports.access import can_author, can_review, is_report_unit
from lianxin.reports.figures import month_figures
from lianxin.reports.models import EDITABLE_STATES, Report, ReportEvent, ReportEventKind, ReportStatus

MAX_SECTION_TEXT = 5000
MAX_REASON = 1000


def report_title(report: Report) -> str:
    unit = report.unit
    return _("%(unit)s%(year)d年%(month)d月员工思想动态分析报告") % {
        "unit": unit.party_name or unit.name,
        "year": report.month.year,
        "month": report.month.month,
    }


def _first_day(month: dt.date) -> dt.date:
    if not isinstance(month, dt.date):
        raise ValidationError({"month": _("请选择月份。")}, code="no_month")
    return month.replace(day=1)


def _branches_of(root: Unit) -> list[Unit]:
    return list(
        Unit.objects.filter(path__startswith=root.path, kind__is_branch=True, depth__gt=1)
        .select_related("kind")
        .order_by("path")
    )


def _event(report: Report, kind: str, actor: UserLike | None, text: str = "", at: Any = None) -> None:
    ReportEvent.objects.create(
        report=report,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        text=text,
        at=at or timezone.now(),
    )


def _write(
    *,
    unit: Unit,
    month: dt.date,
    figures: dict[str, Any],
    moment: dt.datetime,
    branch_rows: list[dict[str, Any]] | None = None,
) -> Report:
    """Create the month's draft or refresh an existing draft; a report already submitted, returned or
    accepted is left exactly as it is. A refreshed draft keeps the text of every section its author has
    edited and takes the new drafted text for the others."""
    report, created = Report.objects.select_for_update().get_or_create(
        unit=unit, month=month, defaults={"drafted_at": moment}
    )
    if not created and report.status != ReportStatus.DRAFT:
        return report
    sections = drafting.build_sections(
        name=unit.party_name or unit.name,
        figures=figures,
        drafted=f"{timezone.localtime(moment):%Y-%m-%d %H:%M}",
        branch_rows=branch_rows,
    )
    old_drafted = {s["key"]: s.get("text", "") for s in report.sections}
    texts = {}
    for section in sections:
        key = section["key"]
        kept = report.texts.get(key)
        edited = kept is not None and kept != old_drafted.get(key)
        texts[key] = kept if edited else section["text"]
    report.sections, report.texts, report.drafted_at = sections, texts, moment
    report.save(update_fields=["sections", "texts", "drafted_at"])
    _event(report, ReportEventKind.DRAFTED, None, "" if created else _("按最新数据重新起草"), at=moment)
    return report


def _branch_row(unit: Unit, report: Report | None, fresh: dict[str, Any]) -> dict[str, Any]:
    """A branch's line in the roll-up: its report's own figures when there is one (what it reported)."""
    if report is not None:
        stored = next((s for s in report.sections if s.get("key") == "overview"), None)
        figures = stored.get("figures", {}) if stored else fresh
        status, label = report.status, str(report.get_status_display())
    else:
        figures, status, label = fresh, "", _("未起草")
    return {
        "unit_id": unit.pk,
        "name": unit.party_name or unit.name,
        "status": status,
        "status_label": label,
        "figures": figures,
    }


def _draft_enterprise(
    root: Unit, month: dt.date, moment: dt.datetime, *, refresh_branches: bool
) -> tuple[Report, list[Report]]:
    branches = _branches_of(root)
    existing = {r.unit_id: r for r in Report.objects.filter(month=month, unit__in=branches)}

    def stale(branch: Unit) -> bool:
        report = existing.get(branch.pk)
        return report is None or (refresh_branches and report.status == ReportStatus.DRAFT)

    # The branches that need drafting are counted in the same pass as the enterprise; the others'
    # lines in the roll-up come from their reports.
    todo = [b for b in branches if stale(b)]
    figures = month_figures([root.path, *(b.path for b in todo)], month)
    branch_reports = [
        _write(unit=b, month=month, figures=figures[b.path], moment=moment) if stale(b) else existing[b.pk]
        for b in branches
    ]
    rows = [
        _branch_row(branch, report, figures.get(branch.path, {}))
        for branch, report in zip(branches, branch_reports, strict=True)
    ]
    enterprise = _write(unit=root, month=month, figures=figures[root.path], moment=moment, branch_rows=rows)
    return enterprise, branch_reports


def _rollup_refresh(branch_report: Report) -> None:
    """After a branch report changes status, the enterprise's draft of the same month shows it: its
    roll-up lines are rebuilt from the branch reports (no figure is recounted). A roll-up text the
    department has edited is kept."""
    if branch_report.unit.depth == 1:
        return
    root_path = branch_report.unit.path[: Unit.steplen]
    enterprise = (
        Report.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(unit__path=root_path, month=branch_report.month, status=ReportStatus.DRAFT)
        .first()
    )
    if enterprise is None:
        return
    branches = _branches_of(enterprise.unit)
    existing = {r.unit_id: r for r in Report.objects.filter(month=enterprise.month, unit__in=branches)}
    section = drafting.branches([_branch_row(b, existing.get(b.pk), {}) for b in branches])
    old = next((s for s in enterprise.sections if s["key"] == "branches"), None)
    if old is None:
        return
    if enterprise.texts.get("branches") == old.get("text"):
        enterprise.texts = {**enterprise.texts, "branches": section["text"]}
    enterprise.sections = [section if s["key"] == "branches" else s for s in enterprise.sections]
    enterprise.save(update_fields=["sections", "texts"])


@transaction.atomic
def report_draft(*, unit: Unit, month: dt.date, now: dt.datetime | None = None) -> Report:
    """Draft the unit's report for the month from the month's data (a branch, or the enterprise with its
    roll-up of the branches, whose missing reports are drafted with it). An existing draft is refreshed;
    a report past the draft stage is returned unchanged."""
    first = _first_day(month)
    moment = now or timezone.now()
    if not is_report_unit(unit):
        raise ValidationError({"unit": _("思想动态分析报告只面向党支部和企业。")}, code="not_report_unit")
    if first > timezone.localdate(moment):
        raise ValidationError({"month": _("不能为未来的月份起草报告。")}, code="future_month")
    if unit.depth == 1:
        report, _branches = _draft_enterprise(unit, first, moment, refresh_branches=False)
        return report
    figures = month_figures([unit.path], first)[unit.path]
    return _write(unit=unit, month=first, figures=figures, moment=moment)


@transaction.atomic
def reports_draft_month(*, month: dt.date, now: dt.datetime | None = None) -> list[Report]:
    """Every branch's report and then each enterprise's for the month, from one pass over the data.
    Idempotent: drafts are refreshed, reports past the draft stage are left alone."""
    first = _first_day(month)
    moment = now or timezone.now()
    out: list[Report] = []
    for root in Unit.objects.filter(depth=1).select_related("kind").order_by("path"):
        enterprise, branch_reports = _draft_enterprise(root, first, moment, refresh_branches=True)
        out.extend([*branch_reports, enterprise])
    return out


# --- the author's edits and submission -------------------------------------------------------------


# Names are looked up by every substring of the text of 2 to MAX_NAME characters (Chinese names are 2–4
# characters; transliterated ones run longer), through the index on the name, in batches.
MAX_NAME = 10
NAME_BATCH = 2000


def _name_candidates(text: str) -> list[str]:
    found = {
        text[i : i + n]
        for n in range(2, MAX_NAME + 1)
        for i in range(len(text) - n + 1)
        if not text[i].isspace()
    }
    return sorted(found)


def unconsented_names(unit: Unit, text: str) -> list[str]:
    """Names of people of the unit's subtree that appear in the text and who have not agreed to be named
    in a report (Consent purpose "report", not withdrawn)."""
    candidates = _name_candidates(text or "")
    consented = Consent.objects.filter(
        person=OuterRef("pk"), purpose=ConsentPurpose.REPORT, withdrawn_at__isnull=True
    )
    people = Person.objects.filter(unit__path__startswith=unit.path).exclude(Exists(consented))
    found: set[str] = set()
    for i in range(0, len(candidates), NAME_BATCH):
        batch = candidates[i : i + NAME_BATCH]
        found.update(people.filter(name__in=batch).values_list("name", flat=True).distinct())
        if len(found) >= 5:
            break
    return sorted(found)[:5]


def _locked(report: Report) -> Report:
    locked: Report = (
        Report.objects.select_for_update(of=("self",)).select_related("unit", "unit__kind").get(pk=report.pk)
    )
    return locked


@transaction.atomic
def report_edit(*, report: Report, actor: UserLike, texts: dict[str, str]) -> Report:
    """The author rewrites section texts while the report is a draft or has been returned. A text may
    name nobody from the unit unless that person agreed to be named in a report."""
    report = _locked(report)
    if report.status not in EDITABLE_STATES:
        raise ValidationError(_("报告已报送，不能再修改。"), code="not_editable")
    if not can_author(actor, report.unit):
        raise ValidationError(_("您无权修改该报告。"), code="forbidden")
    keys = {s["key"] for s in report.sections}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for key, raw in texts.items():
        if key not in keys:
            errors.setdefault("texts", []).append(_("未知的报告章节。"))
            continue
        text = (raw or "").strip()
        if len(text) > MAX_SECTION_TEXT:
            errors.setdefault(key, []).append(_("每节不能超过 %(max)d 个字。") % {"max": MAX_SECTION_TEXT})
            continue
        if text == report.texts.get(key):
            continue  # unchanged: nothing to check or save
        names = unconsented_names(report.unit, text)
        if names:
            errors.setdefault(key, []).append(
                _("报告正文不得出现未同意具名人员的姓名（%(names)s），请改写。") % {"names": "、".join(names)}
            )
            continue
        cleaned[key] = text
    if errors:
        raise ValidationError(errors)
    changed = [key for key, text in cleaned.items() if report.texts.get(key) != text]
    if changed:
        report.texts = {**report.texts, **cleaned}
        report.save(update_fields=["texts"])
        titles = {s["key"]: s["title"] for s in report.sections}
        _event(report, ReportEventKind.EDITED, actor, "、".join(titles[k] for k in changed))
    return report


@transaction.atomic
def report_submit(*, report: Report, actor: UserLike) -> Report:
    report = _locked(report)
    if report.status not in EDITABLE_STATES:
        raise ValidationError(_("报告已报送。"), code="not_editable")
    if not can_author(actor, report.unit):
        raise ValidationError(_("您无权报送该报告。"), code="forbidden")
    now = timezone.now()
    report.status, report.submitted_by, report.submitted_at = ReportStatus.SUBMITTED, actor, now
    report.save(update_fields=["status", "submitted_by", "submitted_at"])
    _event(report, ReportEventKind.SUBMITTED, actor, at=now)
    _rollup_refresh(report)
    return report


def _review(report: Report, actor: UserLike, status: str, comment: str, kind: str) -> Report:
    report = _locked(report)
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError(_("只能审核已报送的报告。"), code="not_submitted")
    if not can_review(actor, report.unit):
        raise ValidationError(_("您无权审核该报告。"), code="forbidden")
    now = timezone.now()
    report.status, report.reviewed_by, report.reviewed_at = status, actor, now
    report.review_comment = comment
    report.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    _event(report, kind, actor, comment, at=now)
    _rollup_refresh(report)
    return report


@transaction.atomic
def report_return(*, report: Report, actor: UserLike, reason: str) -> Report:
    """The reviewer sends the report back with a reason; the author revises and submits it again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写退回理由。")}, code="no_reason")
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("退回理由不能超过 %(max)d 个字。") % {"max": MAX_REASON}})
    return _review(report, actor, ReportStatus.RETURNED, reason, ReportEventKind.RETURNED)


@transaction.atomic
def report_accept(*, report: Report, actor: UserLike, comment: str = "") -> Report:
    comment = (comment or "").strip()[:MAX_REASON]
    return _review(report, actor, ReportStatus.ACCEPTED, comment, ReportEventKind.ACCEPTED)
