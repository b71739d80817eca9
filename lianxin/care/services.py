"""Every write of care work: talks and visits, life events and their due items, the overdue sweep and the
summary purge. Each service runs in one transaction; bad input raises ValidationError and saves nothing.
Key people, plans, violation cases and counselling live in lianxin.care.plans."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, Count, F, PositiveSmallIntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals.codes import Channel, Level
from lianxin.appeals.models import Appeal, Notification
from lianxin.appeals.notify import LevelDirectory
from lianxin.appeals.services import ESCALATION_STEPS, appeal_submit
from lianxin.care.codes import (
    ACTION_OF_KIND,
    ContactKind,
    DayUnit,
    DueEventKind,
    EventSource,
    Responsible,
)
from lianxin.care.counts import contact_counts_refresh
from lianxin.care.models import (
    MAX_SUMMARY,
    CarePlanStep,
    ContactPerson,
    ContactRecord,
    DueItem,
    DueItemEvent,
    EventKind,
    LifeEvent,
    TriggerRule,
)
from lianxin.org.models import Pairing, Person, Role, RoleAssignment, Unit
from lianxin.org.scope import UserLike, own_person_id, people_visible_to
from lianxin.org.workdays import add_workdays, end_of_day


def clean_text(value: str | None, *, field: str, max_length: int, required: bool = False) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise ValidationError({field: _("内容不能为空。")}, code="empty")
    if len(cleaned) > max_length:
        raise ValidationError(
            {field: _("内容不能超过 %(max)d 个字。") % {"max": max_length}}, code="too_long"
        )
    return cleaned


def _not_future(day: dt.date, field: str = "date") -> None:
    if not isinstance(day, dt.date):
        raise ValidationError({field: _("请填写日期。")}, code="no_date")
    if day > timezone.localdate():
        raise ValidationError({field: _("日期不能晚于今天。")}, code="future_date")


def people_in_scope(actor: UserLike, people: Iterable[Person]) -> list[Person]:
    """The given people, each checked to lie in the actor's scope; never the actor themself."""
    ids = {p.pk for p in people if p is not None and p.pk is not None}
    if not ids:
        raise ValidationError({"people": _("请至少选择一名谈话对象。")}, code="no_person")
    if own_person_id(actor) in ids:
        raise ValidationError({"people": _("不能记录与自己的谈话。")}, code="self")
    found = list(people_visible_to(actor).filter(pk__in=ids).select_related("unit"))
    if len(found) != len(ids):
        raise ValidationError({"people": _("所选人员不在您的管理范围内。")}, code="out_of_scope")
    return sorted(found, key=lambda p: p.pk)


# --- talks and visits -------------------------------------------------------------------------------


def _split_fulfils(fulfils: Iterable[Any]) -> tuple[list[int], list[int]]:
    due_ids: list[int] = []
    step_ids: list[int] = []
    for item in fulfils:
        if isinstance(item, DueItem):
            due_ids.append(item.pk)
        elif isinstance(item, CarePlanStep):
            step_ids.append(item.pk)
        else:
            raise ValidationError({"fulfils": _("只能关联待办谈访或帮扶步骤。")}, code="bad_fulfils")
    return due_ids, step_ids


@transaction.atomic
def contact_record(
    *,
    actor: UserLike,
    kind: str,
    date: dt.date,
    people: Sequence[Person],
    place: str = "",
    topic: str = "",
    summary: str = "",
    next_due: dt.date | None = None,
    fulfils: Iterable[DueItem | CarePlanStep] = (),
    follow_up_appeal_text: str | None = None,
) -> ContactRecord:
    """Record a talk or a visit. It fulfils the open due items of its people that it satisfies (the
    required kind, on or after the event) and any items or care steps named in `fulfils`; with
    `follow_up_appeal_text` it raises an appeal on the person's behalf through the talk channel."""
    if kind not in ContactKind.values:
        raise ValidationError({"kind": _("未知的谈访方式。")}, code="unknown_kind")
    _not_future(date)
    if next_due is not None and next_due < date:
        raise ValidationError({"next_due": _("下次联系日期不能早于本次日期。")}, code="bad_next_due")
    members = people_in_scope(actor, people)
    place = clean_text(place, field="place", max_length=100)
    topic = clean_text(topic, field="topic", max_length=200)
    summary = clean_text(summary, field="summary", max_length=MAX_SUMMARY)
    if follow_up_appeal_text is not None and len(members) != 1:
        raise ValidationError(
            {"follow_up_appeal_text": _("代为提出诉求时只能选择一名谈话对象。")}, code="appeal_one_person"
        )
    member_ids = {p.pk for p in members}
    due_ids, step_ids = _split_fulfils(fulfils)
    named = list(
        DueItem.objects.select_for_update()
        .filter(pk__in=due_ids)
        .values_list("pk", "person_id", "done_at", "event__date")
    )
    if len(named) != len(set(due_ids)) or any(
        pid not in member_ids or done is not None or event_date > date for _pk, pid, done, event_date in named
    ):
        raise ValidationError({"fulfils": _("所选待办不属于本次谈话对象或已完成。")}, code="bad_due_item")
    steps = list(CarePlanStep.objects.select_for_update().filter(pk__in=step_ids).select_related("plan"))
    if len(steps) != len(set(step_ids)) or any(
        s.done_at is not None or s.plan.closed_at is not None or s.plan.person_id not in member_ids
        for s in steps
    ):
        raise ValidationError({"fulfils": _("所选帮扶步骤不属于本次谈话对象或已完成。")}, code="bad_step")

    now = timezone.now()
    record = ContactRecord.objects.create(
        kind=kind,
        date=date,
        place=place,
        conducted_by=actor,
        topic=topic,
        summary=summary,
        next_due=next_due,
        care_step=steps[0] if steps else None,
        created_at=now,
    )
    # Each link keeps the unit the person is in now: their contacts stay with it if they move later.
    ContactPerson.objects.bulk_create(
        [ContactPerson(record=record, person=p, unit_id=p.unit_id, date=date) for p in members]
    )
    # The stored coverage of the people's units (tens of people each) now counts this contact.
    contact_counts_refresh(unit_ids={p.unit_id for p in members})
    if follow_up_appeal_text is not None:
        appeal: Appeal = appeal_submit(
            text=follow_up_appeal_text, channel=Channel.TALK, submitter=members[0], entered_by=actor
        ).appeal
        record.follow_up_appeal = appeal
        record.save(update_fields=["follow_up_appeal"])
    for step in steps:
        step.done_at = now
        step.save(update_fields=["done_at"])

    fulfilled = set(due_ids)
    action = ACTION_OF_KIND.get(kind)
    if action is not None:
        fulfilled |= set(
            DueItem.objects.select_for_update()
            .filter(person_id__in=member_ids, action=action, done_at__isnull=True, event__date__lte=date)
            .values_list("pk", flat=True)
        )
    if fulfilled:
        items = list(DueItem.objects.filter(pk__in=fulfilled).values_list("pk", "level"))
        DueItem.objects.filter(pk__in=fulfilled).update(done_at=now, fulfilled_by=record)
        DueItemEvent.objects.bulk_create(
            DueItemEvent(due_item_id=pk, kind=DueEventKind.FULFILLED, level=level, at=now, actor=actor)
            for pk, level in items
        )
    return record


# --- life events and due items ----------------------------------------------------------------------


def branch_secretary(person: Person) -> int | None:
    """The user holding the secretary role nearest above the person's unit."""
    uid: int | None = (
        RoleAssignment.objects.filter(
            role=Role.SECRETARY, unit__path__in=Unit.ancestor_paths(person.unit.path)
        )
        .order_by("-unit__depth", "pk")
        .values_list("user_id", flat=True)
        .first()
    )
    return uid


def responsible_for(person: Person, responsible: str, *, on: dt.date | None = None) -> tuple[str, int | None]:
    """Who answers for a due item, resolved once when it is made: the person's active pairing contact
    (when the rule names the contact and the contact has an account), else the branch secretary."""
    if responsible == Responsible.CONTACT:
        uid = (
            Pairing.objects.active(on)
            .filter(person=person, contact__user__isnull=False)
            .order_by("-start_date", "-pk")
            .values_list("contact__user_id", flat=True)
            .first()
        )
        if uid is not None:
            return Responsible.CONTACT, uid
    return Responsible.SECRETARY, branch_secretary(person)


def due_date_for(rule: TriggerRule, day: dt.date) -> dt.date:
    if rule.unit == DayUnit.WORKDAYS:
        return add_workdays(day, rule.amount)
    return day + dt.timedelta(days=rule.amount)


@transaction.atomic
def life_event_raise(
    *,
    person: Person,
    kind: str,
    date: dt.date,
    source: str,
    actor: UserLike | None = None,
    note: str = "",
    responsible: str | None = None,
) -> LifeEvent:
    """Record an event that requires a talk or a visit, and make its due item. Staff entry passes the
    actor, whose scope must cover the person; roster imports, appeals and violation cases pass none.
    A future date is accepted (a retirement known in advance); the deadline counts from it.
    `responsible` overrides the rule's (Responsible.SECRETARY for events whose cause only the secretary
    may know, such as an appeal)."""
    found = EventKind.objects.filter(code=kind, active=True).select_related("rule").first()
    if found is None or not hasattr(found, "rule"):
        raise ValidationError({"kind": _("未知的事件类型。")}, code="unknown_kind")
    if source not in EventSource.values:
        raise ValidationError({"source": _("未知的事件来源。")}, code="unknown_source")
    if not isinstance(date, dt.date):
        raise ValidationError({"date": _("请填写日期。")}, code="no_date")
    if actor is not None and not people_visible_to(actor).filter(pk=person.pk).exists():
        raise ValidationError({"person": _("该人员不在您的管理范围内。")}, code="out_of_scope")
    note = clean_text(note, field="note", max_length=200)
    rule = found.rule
    real_actor = actor if getattr(actor, "is_authenticated", False) else None
    event = LifeEvent.objects.create(
        person=person, kind=found, date=date, source=source, note=note, created_by=real_actor
    )
    responsible_kind, responsible_id = responsible_for(person, responsible or rule.responsible)
    due = due_date_for(rule, date)
    item = DueItem.objects.create(
        event=event,
        person=person,
        unit_id=person.unit_id,
        action=rule.action,
        responsible_kind=responsible_kind,
        responsible_id=responsible_id,
        due_date=due,
        due_at=end_of_day(due),
    )
    if responsible_id is not None:
        message = _("%(person)s：%(kind)s，请于 %(due)s 前完成%(action)s。") % {
            "person": person.name,
            "kind": found.label,
            "due": due.isoformat(),
            "action": item.get_action_display(),
        }
        Notification.objects.create(user_id=responsible_id, kind="care_due", message=message[:300])
    return event


def _db_datetime(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _climbs_sql(steps: list[tuple[int, dt.datetime]]) -> tuple[str, list[Any], str, list[Any]]:
    """The sweep's filter (open items below a level whose threshold they passed) and the level each
    reaches (the highest threshold passed), as SQL with their parameters."""
    where_sql = (
        "done_at IS NULL AND due_at < %s AND ("
        + " OR ".join("(level < %s AND due_at < %s)" for _step in steps)
        + ")"
    )
    where_params: list[Any] = [_db_datetime(max(cutoff for _level, cutoff in steps))]
    where_params += [p for level, cutoff in steps for p in (level, _db_datetime(cutoff))]
    case_sql = "CASE " + " ".join("WHEN due_at < %s THEN %s" for _step in steps) + " ELSE level END"
    case_params = [p for level, cutoff in reversed(steps) for p in (_db_datetime(cutoff), level)]
    return where_sql, where_params, case_sql, case_params


def _escalate_postgresql(
    steps: list[tuple[int, dt.datetime]], moment: dt.datetime
) -> list[tuple[str, int, int, int]]:
    """One statement: raise the items, log one event per item and count the climbs by unit and levels,
    reading the open items once (a first sweep over 300,000 late items spent a third of its time in
    the separate count and INSERT … SELECT scans)."""
    where_sql, where_params, case_sql, case_params = _climbs_sql(steps)
    items, events, units = DueItem._meta.db_table, DueItemEvent._meta.db_table, Unit._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH climbing AS (SELECT id, level AS from_level, {case_sql} AS to_level "  # noqa: S608 (table names from the models)
            f"FROM {items} WHERE {where_sql}), "
            f"raised AS (UPDATE {items} AS item SET level = climbing.to_level FROM climbing "
            "WHERE item.id = climbing.id "
            "RETURNING item.id, item.unit_id, climbing.from_level, climbing.to_level), "
            f"logged AS (INSERT INTO {events} (due_item_id, kind, level, from_level, at, actor_id) "
            "SELECT id, %s, to_level, from_level, %s, NULL FROM raised) "
            f"SELECT unit.path, raised.from_level, raised.to_level, count(*) FROM raised "
            f"JOIN {units} AS unit ON unit.id = raised.unit_id GROUP BY 1, 2, 3",
            [*case_params, *where_params, DueEventKind.ESCALATED.value, _db_datetime(moment)],
        )
        return [(path, int(before), int(after), int(n)) for path, before, after, n in cursor.fetchall()]


def _escalate_portable(
    steps: list[tuple[int, dt.datetime]], moment: dt.datetime
) -> list[tuple[str, int, int, int]]:
    """The same in three statements (SQLite has no data-modifying CTE): a grouped count of the climbs,
    an INSERT … SELECT of the events, one UPDATE of the levels."""
    where_sql, where_params, case_sql, case_params = _climbs_sql(steps)
    climbs = Q()
    for level, cutoff in steps:
        climbs |= Q(level__lt=level, due_at__lt=cutoff)
    reached = Case(
        *(When(due_at__lt=cutoff, then=Value(level)) for level, cutoff in reversed(steps)),
        default=F("level"),
        output_field=PositiveSmallIntegerField(),
    )
    open_climbing = DueItem.objects.filter(climbs, done_at__isnull=True)
    grouped = list(
        open_climbing.annotate(reached=reached)
        .order_by()
        .values_list("unit__path", "level", "reached")
        .annotate(n=Count("pk"))
    )
    if grouped:
        items, events = DueItem._meta.db_table, DueItemEvent._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {events} (due_item_id, kind, level, from_level, at, actor_id) "  # noqa: S608 (table names from the models)
                f"SELECT id, %s, {case_sql}, level, %s, NULL FROM {items} WHERE {where_sql}",
                [DueEventKind.ESCALATED.value, *case_params, _db_datetime(moment), *where_params],
            )
        # Each item is written once, at the highest level it has reached.
        open_climbing.update(level=reached)
    return grouped


def due_items_escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """The sweep: each open overdue due item climbs responsible → secretary → department → leadership
    on the appeals' thresholds, straight to the highest level its lateness reaches, with one
    DueItemEvent recording the climb (from which level, to which, when). Each level's users get one
    notice per sweep counting the items newly raised to their level, not one per item. Returns how many
    levels were climbed in all (an item lifted from the responsible to the leadership counts three).

    Set-based, so a backlog of a million items costs a few statements: on PostgreSQL one (raise, log
    and count together), elsewhere three. Not safe to run twice at once (the Huey periodic task runs on
    one consumer)."""
    moment = now or timezone.now()
    steps = [(int(level), moment - threshold) for threshold, level in ESCALATION_STEPS]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            grouped = _escalate_postgresql(steps, moment)
        else:
            grouped = _escalate_portable(steps, moment)
        if not grouped:
            return 0
        directory = LevelDirectory()
        counts: Counter[tuple[int, int]] = Counter()
        made = 0
        for path, before, after, n in grouped:
            made += (after - before) * n
            for level in range(before + 1, after + 1):
                for uid in directory.users_at_path(path, level):
                    counts[(uid, level)] += n
        Notification.objects.bulk_create(
            Notification(
                user_id=uid,
                kind="care_escalated",
                message=_("%(n)d 项必谈必访已逾期，升级至%(level)s督办。")
                % {"n": n, "level": Level(level).label},
                created_at=moment,
            )
            for (uid, level), n in sorted(counts.items())
        )
    return made


# --- retention --------------------------------------------------------------------------------------


def summary_retention_days() -> int:
    return int(getattr(settings, "CARE_SUMMARY_RETENTION_DAYS", 3 * 365))


def contact_summaries_purge(*, now: dt.datetime | None = None) -> int:
    """Blank the topic and summary of records older than the retention period; the record, its people,
    its date and kind stay, so counts and coverage do not change. Returns how many were blanked."""
    moment = now or timezone.now()
    cutoff = timezone.localdate(moment) - dt.timedelta(days=summary_retention_days())
    return ContactRecord.objects.filter(date__lt=cutoff, purged_at__isnull=True).update(
        topic="", summary="", purged_at=moment
    )
