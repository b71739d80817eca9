"""Must-talk and must-visit events raised by a roster import: a recent hire (新入职), a change of unit or
position (岗位变动), a retirement (退休). Made in bulk inside the import's transaction — a handful of
statements whatever the number of people — with the same responsible person and deadline that
`life_event_raise` would give each one, and one notice per responsible user."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.utils.translation import gettext as _

from lianxin.appeals.models import Notification
from lianxin.care.codes import EventSource, Responsible
from lianxin.care.models import DueItem, EventKind, LifeEvent
from lianxin.care.services import due_date_for
from lianxin.org.models import Pairing, Person, Role, RoleAssignment, Unit
from lianxin.org.roster.changes import RosterChange
from lianxin.org.workdays import end_of_day

EVENT_OF_CHANGE = {"joined": "newly_joined", "moved": "job_change", "retired": "retirement"}


def life_events_from_roster(*, changes: list[RosterChange]) -> int:
    """Raise the events and their due items for the changes; kinds an administrator retired are
    skipped. Returns how many events were raised."""
    kinds = {
        k.code: k
        for k in EventKind.objects.filter(code__in=EVENT_OF_CHANGE.values(), active=True).select_related(
            "rule"
        )
        if hasattr(k, "rule")
    }
    wanted = [
        (c, kinds[EVENT_OF_CHANGE[c.change]]) for c in changes if EVENT_OF_CHANGE.get(c.change) in kinds
    ]
    if not wanted:
        return 0
    ids = {c.person_id for c, _kind in wanted}
    people = Person.objects.select_related("unit").in_bulk(list(ids))
    contact_of: dict[int, int] = {}
    for person_id, user_id in (
        Pairing.objects.active()
        .filter(person_id__in=ids, contact__user__isnull=False)
        .order_by("person_id", "-start_date", "-pk")
        .values_list("person_id", "contact__user_id")
    ):
        contact_of.setdefault(person_id, user_id)
    prefixes = {p for person in people.values() for p in Unit.ancestor_paths(person.unit.path)}
    secretary_at: dict[str, int] = {}
    for path, user_id in (
        RoleAssignment.objects.filter(role=Role.SECRETARY, unit__path__in=prefixes)
        .order_by("pk")
        .values_list("unit__path", "user_id")
    ):
        secretary_at.setdefault(path, user_id)

    def responsible(person: Person, rule_responsible: str) -> tuple[str, int | None]:
        if rule_responsible == Responsible.CONTACT and person.pk in contact_of:
            return Responsible.CONTACT, contact_of[person.pk]
        for path in reversed(Unit.ancestor_paths(person.unit.path)):
            if path in secretary_at:
                return Responsible.SECRETARY, secretary_at[path]
        return Responsible.SECRETARY, None

    events = LifeEvent.objects.bulk_create(
        LifeEvent(person=people[c.person_id], kind=kind, date=c.date, source=EventSource.ROSTER)
        for c, kind in wanted
    )
    items: list[Any] = []
    notices: Counter[int] = Counter()
    for event, (_change, kind) in zip(events, wanted, strict=True):
        person = people[event.person_id]
        responsible_kind, responsible_id = responsible(person, kind.rule.responsible)
        due = due_date_for(kind.rule, event.date)
        items.append(
            DueItem(
                event=event,
                person=person,
                unit_id=person.unit_id,
                action=kind.rule.action,
                responsible_kind=responsible_kind,
                responsible_id=responsible_id,
                due_date=due,
                due_at=end_of_day(due),
            )
        )
        if responsible_id is not None:
            notices[responsible_id] += 1
    DueItem.objects.bulk_create(items)
    Notification.objects.bulk_create(
        Notification(
            user_id=user_id,
            kind="care_due",
            message=_("花名册导入产生 %(n)d 项必谈必访（新入职、岗位变动或退休），请按时完成。") % {"n": n},
        )
        for user_id, n in sorted(notices.items())
    )
    return len(events)


def on_roster_people_changed(sender: Any, changes: list[RosterChange], **kwargs: Any) -> None:
    life_events_from_roster(changes=changes)
