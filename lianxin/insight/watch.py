"""The rule sources of early warning (预警): an appeal's grade, repeat appeals, key people not contacted
within their care plan's cadence, and red phrases in talk summaries.

Each rule finds its candidates with a few grouped queries over the whole enterprise, then `_apply` raises
only what is new: one open warning per dedupe key, a closed warning stays closed until something newer
happens (a later appeal, a later missed contact, a more urgent grade), so the scan can run any number of
times. Every function takes `now`, so tests run on a frozen clock."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals.codes import FINISHED_STATES, EventKind, Grade
from lianxin.appeals.models import Appeal, AppealEvent
from lianxin.care.models import CarePlan, ContactPerson, ContactRecord
from lianxin.insight.codes import (
    OPEN_WARNING_STATES,
    TargetKind,
    WarningEventKind,
    WarningLevel,
    WarningSource,
)
from lianxin.insight.models import DisposalPrinciple, Warning, WarningEvent
from lianxin.insight.warnings import warning_raise, warnings_alert_red
from lianxin.org.models import Person, Unit

logger = logging.getLogger(__name__)

RULE_APPEAL_GRADE = "appeal_grade"
RULE_REPEAT_APPEALS = "repeat_appeals"
RULE_KEY_CADENCE = "key_cadence"
RULE_TALK_RED = "talk_red_phrase"

RANK = {WarningLevel.RED: 0, WarningLevel.ORANGE: 1, WarningLevel.YELLOW: 2, WarningLevel.BLUE: 3}
KEY_CHUNK = 500
TALK_HWM_KEY = "insight:watch:talk_hwm"
# Records whose ids lie just below the high-water mark are read again: a talk saved in a transaction that
# committed after a later one would otherwise be missed. Dedupe makes the second look harmless.
TALK_OVERLAP_IDS = 200


def repeat_threshold() -> int:
    return int(getattr(settings, "WARNING_REPEAT_APPEALS", 3))


def repeat_days() -> int:
    return int(getattr(settings, "WARNING_REPEAT_DAYS", 30))


def talk_first_lookback_days() -> int:
    """How far back the first scan (no high-water mark yet) reads talk records."""
    return int(getattr(settings, "WARNING_TALK_LOOKBACK_DAYS", 1))


@dataclass
class Candidate:
    """A warning a rule would raise; `marker` orders the facts behind it (a later fact sorts higher)."""

    key: str
    rule: str
    level: str
    source: str
    target_kind: str
    unit_id: int
    title: str
    marker: str
    person_id: int | None = None
    appeal_id: int | None = None
    category: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class ScanResult:
    raised: int = 0
    refreshed: int = 0
    skipped: int = 0

    def add(self, other: ScanResult) -> None:
        self.raised += other.raised
        self.refreshed += other.refreshed
        self.skipped += other.skipped


def _marker(number: int) -> str:
    return f"{number:012d}"


def _chunks(items: Sequence[Any], size: int = KEY_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing(keys: list[str]) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The open warning per key, and the latest closed one per key."""
    open_by_key: dict[str, dict[str, Any]] = {}
    closed_by_key: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(keys):
        rows = (
            Warning.objects.filter(dedupe_key__in=list(chunk))
            .order_by("closed_at", "pk")
            .values("dedupe_key", "status", "level", "evidence")
        )
        for row in rows:
            if row["status"] in OPEN_WARNING_STATES:
                open_by_key[row["dedupe_key"]] = dict(row)
            else:
                closed_by_key[row["dedupe_key"]] = dict(row)
    return open_by_key, closed_by_key


def _newer(candidate: Candidate, row: dict[str, Any]) -> bool:
    """Whether the candidate says more than the warning already raised: a later fact or a higher level."""
    known = str((row["evidence"] or {}).get("marker", ""))
    return candidate.marker > known or RANK[WarningLevel(candidate.level)] < RANK[WarningLevel(row["level"])]


def _apply(candidates: list[Candidate], now: dt.datetime) -> ScanResult:
    result = ScanResult()
    if not candidates:
        return result
    open_by_key, closed_by_key = _existing([c.key for c in candidates])
    todo: list[Candidate] = []
    for candidate in candidates:
        row = open_by_key.get(candidate.key) or closed_by_key.get(candidate.key)
        if row is not None and not _newer(candidate, row):
            result.skipped += 1
            continue
        todo.append(candidate)
    if not todo:
        return result
    # Keys never raised before go in bulk (a first scan may find tens of thousands); the rest one by one
    # through warning_raise, which refreshes an open warning or opens a new one after a closed one.
    fresh = [c for c in todo if c.key not in open_by_key and c.key not in closed_by_key]
    if fresh and connection.features.can_return_rows_from_bulk_insert:
        done = _bulk_open(fresh, now)
        result.raised += len(done)
        todo = [c for c in todo if c.key not in done]
    if not todo:
        return result
    units = Unit.objects.in_bulk({c.unit_id for c in todo})
    people = Person.objects.in_bulk({c.person_id for c in todo if c.person_id is not None})
    for candidate in todo:
        evidence = {**candidate.evidence, "marker": candidate.marker}
        _warning, new = warning_raise(
            level=candidate.level,
            source=candidate.source,
            rule=candidate.rule,
            target_kind=candidate.target_kind,
            unit=units[candidate.unit_id],
            person=people.get(candidate.person_id) if candidate.person_id is not None else None,
            appeal=Appeal(pk=candidate.appeal_id) if candidate.appeal_id is not None else None,
            category=candidate.category,
            title=candidate.title,
            dedupe_key=candidate.key,
            evidence=evidence,
            now=now,
        )
        if new:
            result.raised += 1
        else:
            result.refreshed += 1
    return result


def _bulk_open(candidates: list[Candidate], now: dt.datetime) -> set[str]:
    """Open warnings for never-seen keys in batches, each with its "opened" event, the disposal plan and
    deadline of its level as warning_raise would set them. A batch that meets a warning raised meanwhile
    (the one-open-per-key constraint) is left whole to the one-by-one path. Returns the keys opened."""
    principles = {p.level: p for p in DisposalPrinciple.objects.all()}
    opened: set[str] = set()
    for batch in _chunks(candidates, 1000):
        rows = []
        for c in batch:
            principle = principles.get(c.level)
            rows.append(
                Warning(
                    level=c.level,
                    source=c.source,
                    rule=c.rule,
                    target_kind=c.target_kind,
                    person_id=c.person_id,
                    unit_id=c.unit_id,
                    category=c.category,
                    appeal_id=c.appeal_id,
                    title=c.title[:200],
                    evidence={**c.evidence, "marker": c.marker},
                    disposal_plan=principle.principles if principle else "",
                    respond_by=now + dt.timedelta(hours=principle.respond_hours) if principle else None,
                    dedupe_key=c.key[:120],
                    opened_at=now,
                )
            )
        try:
            with transaction.atomic():
                Warning.objects.bulk_create(rows)
                WarningEvent.objects.bulk_create(
                    [
                        WarningEvent(warning=w, kind=WarningEventKind.OPENED, text=w.title, at=now)
                        for w in rows
                    ]
                )
                warnings_alert_red(rows)
        except IntegrityError:
            continue
        opened.update(c.key for c in batch)
    return opened


# --- an appeal graded red or orange ------------------------------------------------------------------

APPEAL_LEVEL = {Grade.RED: WarningLevel.RED, Grade.ORANGE: WarningLevel.ORANGE}


def _appeal_candidates(appeals: Any) -> list[Candidate]:
    rows = appeals.values(
        "pk",
        "number",
        "grade",
        "unit_id",
        "submitter_id",
        "submitter__unit_id",
        "submitter__name",
        "is_anonymous",
        "category_id",
    )
    candidates = []
    for row in rows:
        level = APPEAL_LEVEL[Grade(row["grade"])]
        label = WarningLevel(level).label
        # An anonymous appeal carries no person, and the warning names none: its target is the unit.
        named = row["submitter_id"] is not None and not row["is_anonymous"]
        candidates.append(
            Candidate(
                key=f"{RULE_APPEAL_GRADE}:{row['pk']}",
                rule=RULE_APPEAL_GRADE,
                level=level,
                source=WarningSource.APPEAL,
                target_kind=TargetKind.PERSON if named else TargetKind.UNIT,
                unit_id=row["submitter__unit_id"] if named else row["unit_id"],
                person_id=row["submitter_id"] if named else None,
                appeal_id=row["pk"],
                category=row["category_id"] or "",
                title=(
                    _("%(name)s：%(level)s（诉求 %(number)s）")
                    % {"name": row["submitter__name"], "level": label, "number": row["number"]}
                    if named
                    else _("%(level)s：诉求 %(number)s") % {"level": label, "number": row["number"]}
                ),
                marker=_marker(0),
                evidence={"appeal_ids": [row["pk"]], "grade": row["grade"]},
            )
        )
    return candidates


def _graded_appeals(now: dt.datetime) -> Any:
    """Unfinished red and orange appeals without a warning of their level or a more urgent one."""
    warned = Warning.objects.filter(appeal=OuterRef("pk"), rule=RULE_APPEAL_GRADE)
    red = Q(grade=Grade.RED) & ~Exists(warned.filter(level=WarningLevel.RED))
    orange = Q(grade=Grade.ORANGE) & ~Exists(warned.filter(level__in=[WarningLevel.RED, WarningLevel.ORANGE]))
    return (
        Appeal.objects.filter(grade__in=[Grade.RED, Grade.ORANGE], received_at__lte=now)
        .exclude(state__in=FINISHED_STATES)
        .filter(red | orange)
        .order_by("pk")
    )


def watch_appeal_grades(*, now: dt.datetime | None = None) -> ScanResult:
    moment = now or timezone.now()
    return _apply(_appeal_candidates(_graded_appeals(moment)), moment)


def watch_appeal(appeal_id: int, *, now: dt.datetime | None = None) -> ScanResult:
    """The same rule for one appeal, right after it is triaged."""
    moment = now or timezone.now()
    return _apply(_appeal_candidates(_graded_appeals(moment).filter(pk=appeal_id)), moment)


def _on_appeal_event(sender: Any, instance: AppealEvent, created: bool, **kwargs: Any) -> None:
    """A triage to red or orange raises its warning as soon as the triage commits (robust: a failure here
    is logged and never undoes or breaks the triage; the periodic scan is the backstop)."""
    if not created or instance.kind != EventKind.TRIAGED:
        return
    if (instance.data or {}).get("grade") not in APPEAL_LEVEL:
        return
    transaction.on_commit(partial(watch_appeal, instance.appeal_id), robust=True)


def connect_signals() -> None:
    post_save.connect(_on_appeal_event, sender=AppealEvent, dispatch_uid="insight_watch_appeal_triaged")


# --- repeat appeals -------------------------------------------------------------------------------------


def watch_repeat_appeals(
    *, now: dt.datetime | None = None, threshold: int | None = None, days: int | None = None
) -> ScanResult:
    """A named person with `threshold` or more appeals received in the last `days` days (3 in 30 by
    default, settings WARNING_REPEAT_APPEALS and WARNING_REPEAT_DAYS): one grouped query."""
    moment = now or timezone.now()
    count = threshold or repeat_threshold()
    span = days or repeat_days()
    window = Appeal.objects.filter(
        submitter__isnull=False,
        is_anonymous=False,
        received_at__gt=moment - dt.timedelta(days=span),
        received_at__lte=moment,
    )
    groups = list(
        window.order_by()
        .values("submitter_id", "submitter__unit_id", "submitter__name")
        .annotate(n=Count("pk"), last=Max("pk"))
        .filter(n__gte=count)
    )
    examples: dict[int, list[int]] = {}
    for chunk in _chunks([g["submitter_id"] for g in groups]):
        for submitter_id, pk in (
            window.filter(submitter_id__in=list(chunk))
            .order_by("-received_at")
            .values_list("submitter_id", "pk")
        ):
            found = examples.setdefault(submitter_id, [])
            if len(found) < 10:
                found.append(pk)
    candidates = [
        Candidate(
            key=f"{RULE_REPEAT_APPEALS}:{g['submitter_id']}",
            rule=RULE_REPEAT_APPEALS,
            level=WarningLevel.YELLOW,
            source=WarningSource.RULE,
            target_kind=TargetKind.PERSON,
            unit_id=g["submitter__unit_id"],
            person_id=g["submitter_id"],
            title=_("%(name)s：%(days)d 天内反映诉求 %(n)d 件")
            % {"name": g["submitter__name"], "days": span, "n": g["n"]},
            marker=_marker(g["last"]),
            evidence={"count": g["n"], "days": span, "appeal_ids": examples.get(g["submitter_id"], [])},
        )
        for g in groups
    ]
    return _apply(candidates, moment)


# --- key people not contacted within their cadence -----------------------------------------------------


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def key_plans_due(*, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Every open care plan in the enterprise whose person was not contacted within the plan's cadence,
    counted from the last contact, or from the plan's opening when there was none (the rule of
    care.selectors.key_people_due, for everyone at once): one query per distinct cadence."""
    day = today or timezone.localdate()
    open_plans = CarePlan.objects.filter(closed_at__isnull=True)
    cadences = sorted(set(open_plans.order_by().values_list("cadence_days", flat=True).distinct()))
    last_contact = Subquery(
        ContactPerson.objects.filter(person=OuterRef("person_id")).order_by("-date").values("date")[:1]
    )
    due: list[dict[str, Any]] = []
    for cadence in cadences:
        cutoff = day - dt.timedelta(days=cadence)
        contacts = ContactPerson.objects.filter(person=OuterRef("person_id"))
        rows = (
            open_plans.filter(cadence_days=cadence)
            .filter(~Exists(contacts.filter(date__gte=cutoff)))
            .filter(Q(Exists(contacts)) | Q(opened_at__lt=_local_midnight(cutoff)))
            .annotate(last_contact=last_contact)
            .order_by("pk")
            .values("pk", "person_id", "person__unit_id", "person__name", "opened_at", "last_contact")
        )
        for row in rows:
            start = row["last_contact"] or timezone.localdate(row["opened_at"])
            row["cadence_days"] = cadence
            row["due_since"] = start + dt.timedelta(days=cadence)
            due.append(row)
    return due


def watch_key_cadence(*, now: dt.datetime | None = None) -> ScanResult:
    moment = now or timezone.now()
    rows = key_plans_due(today=timezone.localdate(moment))
    candidates = [
        Candidate(
            key=f"{RULE_KEY_CADENCE}:{row['pk']}",
            rule=RULE_KEY_CADENCE,
            level=WarningLevel.ORANGE,
            source=WarningSource.RULE,
            target_kind=TargetKind.PERSON,
            unit_id=row["person__unit_id"],
            person_id=row["person_id"],
            title=_("%(name)s：超过 %(n)d 天帮扶周期未谈访")
            % {"name": row["person__name"], "n": row["cadence_days"]},
            marker=row["due_since"].isoformat(),
            evidence={
                "plan_id": row["pk"],
                "cadence_days": row["cadence_days"],
                "last_contact": row["last_contact"].isoformat() if row["last_contact"] else None,
                "due_since": row["due_since"].isoformat(),
            },
        )
        for row in rows
    ]
    return _apply(candidates, moment)


# --- a red phrase in a talk summary ---------------------------------------------------------------------


def _red_grader() -> Callable[[str], list[str] | None] | None:
    """The lexicon rules' red judgement: the matched words when the text grades red, else None. None
    altogether when the rules are not installed, and the rule is skipped with a note."""
    try:
        from lianxin.insight.suggest.rules import rules_suggest  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        logger.warning("insight watch: lexicon rules (insight.suggest.rules) missing, talk rule skipped")
        return None

    def grade(text: str) -> list[str] | None:
        found: Any = rules_suggest(text)
        if found is None:
            return None
        level = found.get("grade") if isinstance(found, dict) else getattr(found, "grade", "")
        if level != Grade.RED:
            return None
        raw = found.get("evidence") if isinstance(found, dict) else getattr(found, "evidence", None)
        return _words(raw or [])

    return grade


def _words(evidence: Iterable[Any]) -> list[str]:
    words: list[str] = []
    for item in evidence:
        if isinstance(item, dict):
            word = item.get("word") or item.get("pattern") or item.get("text") or item.get("term") or ""
        elif isinstance(item, list | tuple):
            word = item[0] if item else ""
        else:
            word = item
        word = str(word)[:40]
        if word and word not in words:
            words.append(word)
    return words[:10]


def watch_talk_summaries(*, now: dt.datetime | None = None) -> ScanResult:
    """Talk and visit records saved since the last scan whose summary the lexicon grades red. The warning
    holds the record's id and the matched words, never the summary, which is restricted."""
    moment = now or timezone.now()
    grade = _red_grader()
    if grade is None:
        return ScanResult()
    hwm = cache.get(TALK_HWM_KEY)
    records = ContactRecord.objects.filter(purged_at__isnull=True, created_at__lte=moment).exclude(summary="")
    if hwm is None:
        since = timezone.localdate(moment) - dt.timedelta(days=talk_first_lookback_days())
        records = records.filter(date__gte=since)
    else:
        records = records.filter(pk__gt=max(int(hwm) - TALK_OVERLAP_IDS, 0))
    red: dict[int, list[str]] = {}
    top = int(hwm or 0)
    for pk, summary in records.order_by("pk").values_list("pk", "summary").iterator(chunk_size=500):
        top = max(top, pk)
        words = grade(summary)
        if words is not None:
            red[pk] = words
    candidates: list[Candidate] = []
    for chunk in _chunks(sorted(red)):
        links = (
            ContactPerson.objects.filter(record_id__in=list(chunk))
            .order_by("record_id", "person_id")
            .values_list("record_id", "person_id", "person__unit_id", "person__name")
        )
        for record_id, person_id, unit_id, name in links:
            candidates.append(
                Candidate(
                    key=f"{RULE_TALK_RED}:{record_id}:{person_id}",
                    rule=RULE_TALK_RED,
                    level=WarningLevel.RED,
                    source=WarningSource.RULE,
                    target_kind=TargetKind.PERSON,
                    unit_id=unit_id,
                    person_id=person_id,
                    title=_("%(name)s：谈心谈话记录出现红色信号") % {"name": name},
                    marker=_marker(0),
                    evidence={"record_id": record_id, "words": red[record_id]},
                )
            )
    result = _apply(candidates, moment)
    if hwm is None:
        seen = ContactRecord.objects.filter(created_at__lte=moment).aggregate(m=Max("pk"))["m"]
        top = max(top, seen or 0)
    cache.set(TALK_HWM_KEY, top, timeout=None)
    return result


# --- the scan -----------------------------------------------------------------------------------------

RULES: dict[str, Callable[..., ScanResult]] = {
    RULE_APPEAL_GRADE: watch_appeal_grades,
    RULE_REPEAT_APPEALS: watch_repeat_appeals,
    RULE_KEY_CADENCE: watch_key_cadence,
    RULE_TALK_RED: watch_talk_summaries,
}


def watch_scan(*, now: dt.datetime | None = None) -> dict[str, dict[str, int]]:
    """Run every rule source once; a failing rule is logged and the others still run."""
    moment = now or timezone.now()
    report: dict[str, dict[str, int]] = {}
    for name, rule in RULES.items():
        try:
            outcome = rule(now=moment)
        except Exception:
            logger.exception("insight watch: rule %s failed", name)
            report[name] = {"failed": 1}
            continue
        report[name] = {"raised": outcome.raised, "refreshed": outcome.refreshed, "skipped": outcome.skipped}
    return report


def talk_words_purge() -> int:
    """Words quoted from a talk's summary leave its warnings once the summary itself has been purged at the
    end of its retention period: the warning keeps the record's number, never the words. Returns how many
    warnings were cleared."""
    quoting = [
        (pk, evidence)
        for pk, evidence in Warning.objects.filter(rule=RULE_TALK_RED, evidence__has_key="words").values_list(
            "pk", "evidence"
        )
        if isinstance(evidence, dict) and evidence.get("words")
    ]
    records = {e.get("record_id") for _pk, e in quoting}
    purged = set(
        ContactRecord.objects.filter(
            pk__in=[r for r in records if isinstance(r, int)], purged_at__isnull=False
        ).values_list("pk", flat=True)
    )
    cleared = 0
    for pk, evidence in quoting:
        if evidence.get("record_id") in purged:
            Warning.objects.filter(pk=pk).update(evidence={**evidence, "words": [], "words_purged": True})
            cleared += 1
    return cleared
