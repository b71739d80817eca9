"""What an applied roster import changed about people, announced to the apps that act on it (care
raises the must-talk and must-visit events). Sent inside the import's transaction, so a receiver that
fails undoes the whole import, and a failed import announces nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.dispatch import Signal
from django.utils import timezone

from lianxin.org.models import Person, PersonStatus

# Receivers get `changes: list[RosterChange]`.
roster_people_changed = Signal()

# A new person counts as newly joined when their hire date is this recent; an initial load of an
# enterprise's whole roster must not raise a welcome talk for everyone hired years ago.
NEWLY_JOINED_DAYS = 30


@dataclass(frozen=True)
class RosterChange:
    person_id: int
    change: str  # "joined", "moved" (unit or position) or "retired"
    date: dt.date


def changes_of(
    *,
    created: list[tuple[str, dt.date | None]],
    updated: list[tuple[int, dict[str, object], dict[str, object]]],
    today: dt.date | None = None,
) -> list[RosterChange]:
    """created: (employee number, hire date) of new people; updated: (person id, stored values, new
    values incl. unit_id) of changed people."""
    day = today or timezone.localdate()
    recent = {
        no: hired
        for no, hired in created
        if hired is not None and 0 <= (day - hired).days <= NEWLY_JOINED_DAYS
    }
    found: list[RosterChange] = []
    if recent:
        for pk, number in Person.objects.filter(employee_no__in=list(recent)).values_list(
            "pk", "employee_no"
        ):
            hired = recent[number]
            if hired is not None:
                found.append(RosterChange(pk, "joined", hired))
    for pk, old, new in updated:
        if new.get("status") == PersonStatus.RETIRED and old.get("status") != PersonStatus.RETIRED:
            found.append(RosterChange(pk, "retired", day))
        elif new.get("status", old.get("status")) != PersonStatus.LEFT and (
            new["unit_id"] != old["unit_id"]
            or new.get("position", old.get("position")) != old.get("position")
        ):
            found.append(RosterChange(pk, "moved", day))
    return sorted(found, key=lambda c: (c.person_id, c.change))
