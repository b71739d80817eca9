"""Reads of care work: "my people" and coverage, open due items, key people past their cadence, and the
restricted reads (talk summaries, key status, counselling details), each of which writes an access log row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from lianxin.audit.services import access_log_record
from lianxin.care.codes import ConsentPurpose, KeyReason
from lianxin.care.counts import subtree_sums, subtree_unit_counts
from lianxin.care.counts import uncontacted_days as uncontacted_days  # the pages and the API read it here
from lianxin.care.models import (
    CarePlan,
    Consent,
    ContactPerson,
    ContactRecord,
    CounsellingReferral,
    DueItem,
    KeyPersonFlag,
)
from lianxin.care.scope import (
    can_read_counselling,
    can_read_summary,
    can_see_key_status,
    care_plans_visible_to,
    due_items_visible_to,
)
from lianxin.org.models import Pairing, Person, PersonStatus, Unit
from lianxin.org.scope import UserLike, own_person_id


def last_contact_subquery() -> Subquery:
    """The date of the person's latest talk or visit: one probe of the (person, date) index."""
    return Subquery(ContactPerson.objects.filter(person=OuterRef("pk")).order_by("-date").values("date")[:1])


# --- coverage ---------------------------------------------------------------------------------------


def my_people(user: UserLike, *, on: dt.date | None = None) -> QuerySet[Person]:
    """The people actively paired with the user's own person, each with `last_contact` (a date or None),
    those never or longest not contacted first. One query, whatever the number of people."""
    me = own_person_id(user)
    if me is None:
        return Person.objects.none()
    paired = Pairing.objects.active(on).filter(contact_id=me).values("person_id")
    return (
        Person.objects.filter(pk__in=paired)
        .select_related("unit")
        .annotate(last_contact=last_contact_subquery())
        .order_by(F("last_contact").asc(nulls_first=True), "name", "pk")
    )


def _cutoff(days: int | None, today: dt.date | None) -> dt.date:
    span = uncontacted_days() if days is None else days
    return (today or timezone.localdate()) - dt.timedelta(days=span)


def uncontacted(unit: Unit, days: int | None = None, *, today: dt.date | None = None) -> QuerySet[Person]:
    """People in the unit's subtree (not those who left) with no talk or visit in the last `days`
    (CARE_UNCONTACTED_DAYS, 90 by default), with `last_contact` annotated."""
    since = _cutoff(days, today)
    recent = ContactPerson.objects.filter(person=OuterRef("pk"), date__gte=since)
    return (
        Person.objects.filter(unit__path__startswith=unit.path)
        .exclude(status=PersonStatus.LEFT)
        .filter(~Exists(recent))
        .annotate(last_contact=last_contact_subquery())
        .order_by("unit__path", "name", "pk")
    )


@dataclass(frozen=True)
class CoverageRow:
    unit: Unit
    is_grid: bool
    is_branch: bool
    people: int
    contacted: int

    @property
    def rate(self) -> float:
        return self.contacted / self.people if self.people else 0.0


def _rolled_up(unit: Unit, days: int | None, today: dt.date | None) -> tuple[dict[str, int], dict[str, int]]:
    """People and people contacted within `days`, per path from the unit down (a path counts its whole
    subtree).

    For the configured window today (what the coverage page shows) the per-unit numbers come from the
    stored rows of lianxin.care.counts, each unit without a current row counted live in the same query;
    any other window or day is aggregated live over the people."""
    configured = uncontacted_days()
    day = today or timezone.localdate()
    if (days is None or days == configured) and day == timezone.localdate():
        per_unit = subtree_unit_counts(unit, days=configured, today=day)
    else:
        per_unit = _live_unit_counts(unit, _cutoff(days, today))
    # Each unit's counts are added to every ancestor path once (depth steps per unit), so the roll-up is
    # linear in the units; testing every target against every unit was quadratic (4.7 s for 5,000 grids).
    # Only prefixes from the unit itself down: nothing above it is shown.
    people_under: dict[str, int] = {}
    contacted_under: dict[str, int] = {}
    step = Unit.steplen
    top = len(unit.path)
    for path, people, contacted in per_unit:
        if not people:
            continue
        for end in range(top, len(path) + 1, step):
            prefix = path[:end]
            people_under[prefix] = people_under.get(prefix, 0) + people
            contacted_under[prefix] = contacted_under.get(prefix, 0) + contacted
    return people_under, contacted_under


def _coverage_targets(unit: Unit) -> QuerySet[Unit]:
    # Only the fields a coverage row shows: a branch holds ten thousand grids, and building each unit
    # with every field and its kind took three times as long as the counts themselves.
    targets: QuerySet[Unit] = (
        Unit.objects.filter(unit.subtree_q())
        .filter(Q(is_grid=True) | Q(kind__is_branch=True))
        .only("path", "depth", "name", "is_grid")
        .annotate(branch=F("kind__is_branch"))
        .order_by("path")
    )
    return targets


def coverage_rates(unit: Unit, days: int | None = None, *, today: dt.date | None = None) -> list[CoverageRow]:
    """Per grid and per branch in the unit's subtree: people, and people contacted within `days`. Two
    queries: the per-unit counts, rolled up to each grid and branch above them, and the grids and branches."""
    people_under, contacted_under = _rolled_up(unit, days, today)
    return [
        CoverageRow(t, t.is_grid, t.branch, people_under.get(t.path, 0), contacted_under.get(t.path, 0))
        for t in _coverage_targets(unit)
    ]


@dataclass(frozen=True)
class CoveragePage:
    total: CoverageRow  # the unit itself, its whole subtree
    rows: list[CoverageRow]  # one page of its grids and branches, in tree order
    has_next: bool


def coverage_page(unit: Unit, *, page: int = 1, size: int = 50, days: int | None = None) -> CoveragePage:
    """One page of coverage_rates, with the unit's own total: a branch of ten thousand grids is read a page
    at a time, and only what the page shows is counted (three queries for the configured window).

    The page's grids and branches are consecutive in tree order, so every unit below them lies in one path
    range — from the first shown down to the end of the last one's subtree — except the subtrees of the
    shown units that are ancestors of the last one (a branch whose grids run on to later pages). Those and
    the unit's own total are summed in the database in one aggregate; the range comes back per unit (about
    as many units as the page has rows) and is rolled up here. Other windows or days (not shown on the
    page) are rolled up over the whole subtree live."""
    start = (max(page, 1) - 1) * size
    found = list(_coverage_targets(unit)[start : start + size + 1])
    shown = found[:size]
    configured = uncontacted_days()
    if days not in (None, configured):
        people_under, contacted_under = _rolled_up(unit, days, None)
    else:
        people_under, contacted_under = _page_counts(unit, [t.path for t in shown], configured)
    rows = [
        CoverageRow(t, t.is_grid, t.branch, people_under.get(t.path, 0), contacted_under.get(t.path, 0))
        for t in shown
    ]
    is_branch = bool(getattr(unit, "kind", None) and unit.kind.is_branch)
    total = CoverageRow(
        unit, unit.is_grid, is_branch, people_under.get(unit.path, 0), contacted_under.get(unit.path, 0)
    )
    return CoveragePage(total, rows, len(found) > size)


def _page_counts(unit: Unit, paths: list[str], days: int) -> tuple[dict[str, int], dict[str, int]]:
    """People and contacted of the unit and of each path shown (in tree order), from the stored rows."""
    today = timezone.localdate()
    people_under: dict[str, int] = {}
    contacted_under: dict[str, int] = {}
    whole = [unit.path]
    if paths:
        first, last = paths[0], paths[-1]
        whole += [p for p in paths if p != last and p != unit.path and last.startswith(p)]
        wanted = set(paths) - set(whole)
        in_range = Q(path__gte=first) & (Q(path__lte=last) | Q(path__startswith=last))
        for path, people, contacted in subtree_unit_counts(unit, days=days, today=today, within=in_range):
            if not people:
                continue
            for end in range(len(unit.path), len(path) + 1, Unit.steplen):
                prefix = path[:end]
                if prefix in wanted:
                    people_under[prefix] = people_under.get(prefix, 0) + people
                    contacted_under[prefix] = contacted_under.get(prefix, 0) + contacted
    for prefix, (people, contacted) in subtree_sums(unit, whole, days=days, today=today).items():
        people_under[prefix], contacted_under[prefix] = people, contacted
    return people_under, contacted_under


def _live_unit_counts(unit: Unit, since: dt.date) -> list[tuple[str, int, int]]:
    """(path, people, contacted since `since`) per unit of the subtree that holds people, aggregated over
    the person table: one EXISTS probe of the (person, date) index per person."""
    recent = ContactPerson.objects.filter(person=OuterRef("pk"), date__gte=since)
    rows = (
        Person.objects.filter(unit__path__startswith=unit.path)
        .exclude(status=PersonStatus.LEFT)
        .annotate(recent=Exists(recent))
        .order_by()
        .values("unit__path")
        .annotate(people=Count("pk"), contacted=Count("pk", filter=Q(recent=True)))
        .values_list("unit__path", "people", "contacted")
    )
    return list(rows)


# --- due items and key people -------------------------------------------------------------------------


def due_items_open(user: UserLike) -> QuerySet[DueItem]:
    """Open due items the user answers for or supervises, earliest deadline first."""
    return (
        due_items_visible_to(user)
        .filter(done_at__isnull=True)
        .select_related("person", "event__kind", "responsible")
        .order_by("due_at", "pk")
    )


@dataclass(frozen=True)
class PlanDue:
    plan: CarePlan
    last_contact: dt.date | None
    due_since: dt.date


def key_people_due(user: UserLike, *, today: dt.date | None = None) -> list[PlanDue]:
    """Open care plans the user sees whose person was not contacted within the plan's cadence (counted
    from the last contact, or from the plan's opening when there was none) — for later warnings."""
    day = today or timezone.localdate()
    plans = (
        care_plans_visible_to(user)
        .filter(closed_at__isnull=True)
        .select_related("person", "responsible")
        .annotate(
            last_contact=Subquery(
                ContactPerson.objects.filter(person=OuterRef("person_id"))
                .order_by("-date")
                .values("date")[:1]
            )
        )
        .order_by("pk")
    )
    due = []
    for plan in plans:
        last: dt.date | None = plan.last_contact
        start = last or timezone.localdate(plan.opened_at)
        since = start + dt.timedelta(days=plan.cadence_days)
        if since < day:
            due.append(PlanDue(plan, last, since))
    return due


# --- restricted reads, each logged ----------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    topic: str
    summary: str
    purged: bool


def contact_summary_for(
    user: UserLike, record: ContactRecord, *, ip: str | None = None, channel: str = "web"
) -> Summary | None:
    """The topic and summary if the user may read them (None otherwise); each read is logged against every
    person in the record with the section "talk_summary"."""
    people = list(record.people.select_related("unit"))
    if not can_read_summary(user, record, people):
        return None
    for person in people:
        access_log_record(actor=user, person=person, sections=["talk_summary"], ip=ip, channel=channel)
    return Summary(record.topic, record.summary, record.purged_at is not None)


def key_flags_for(
    user: UserLike, person: Person, *, ip: str | None = None, channel: str = "web"
) -> list[KeyPersonFlag] | None:
    """The person's open key-person flags for a viewer allowed to know the key status (None for anyone
    else, who must not learn the person is flagged). A health note is blanked once the health consent is
    withdrawn. A read that shows any flag is logged with the section "key_person"."""
    if not can_see_key_status(user, person):
        return None
    flags = list(KeyPersonFlag.objects.filter(person=person, closed_at__isnull=True).order_by("-opened_at"))
    if any(f.reason == KeyReason.HEALTH and f.note for f in flags):
        consented = Consent.objects.filter(
            person=person, purpose=ConsentPurpose.HEALTH, withdrawn_at__isnull=True
        ).exists()
        if not consented:
            for flag in flags:
                if flag.reason == KeyReason.HEALTH:
                    flag.note = ""
    if flags:
        access_log_record(actor=user, person=person, sections=["key_person"], ip=ip, channel=channel)
    return flags


def counselling_details_for(
    user: UserLike, referral: CounsellingReferral, *, ip: str | None = None, channel: str = "web"
) -> str | None:
    """The referral's details for the counsellor while consent stands (logged as "counselling"); None for
    everyone else, who see only the status."""
    if not can_read_counselling(user, referral):
        return None
    access_log_record(actor=user, person=referral.person, sections=["counselling"], ip=ip, channel=channel)
    return referral.details
