"""Data for the report tests: a month of talks, visits, appeals, ratings, warnings and care work in and
out of the month and in and out of branch A, with people's names written into appeal texts and warning
titles so that a leak would show."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from lianxin.appeals.models import Appeal, AppealEvent
from lianxin.care.models import (
    CarePlan,
    ContactPerson,
    ContactRecord,
    DueItem,
    EventKind,
    KeyPersonFlag,
    LifeEvent,
)
from lianxin.insight.models import Warning
from lianxin.org.models import Person, PersonStatus
from lianxin.reports.figures import previous_month
from tests.factories import Org, make_person

_numbers = itertools.count(1)


def report_month() -> dt.date:
    return previous_month(timezone.localdate())


def at(month: dt.date, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(month.replace(day=day), dt.time(hour), tzinfo=timezone.get_current_timezone())


def contact(kind: str, day: dt.date, people: list[Person], by: Any) -> ContactRecord:
    record = ContactRecord.objects.create(
        kind=kind, date=day, conducted_by=by, topic="家庭", summary="张伟家中困难"
    )
    for person in people:
        ContactPerson.objects.create(record=record, person=person, unit_id=person.unit_id, date=day)
    return record


def appeal(unit: Any, received: dt.datetime, **fields: Any) -> Appeal:
    n = next(_numbers)
    defaults: dict[str, Any] = {
        "number": f"LXT{n:08d}",
        "text": "张伟和李娜反映夜班补贴没有发放",
        "channel": "web",
        "received_at": received,
        "unit": unit,
        "track": "branch",
        "last_activity_at": received,
    }
    defaults.update(fields)
    return Appeal.objects.create(**defaults)


def rating(appeal_: Appeal, value: str, when: dt.datetime, kind: str = "rated") -> None:
    AppealEvent.objects.create(appeal=appeal_, kind=kind, at=when, data={"rating": value}, text="刘洋满意")


def warning(unit: Any, opened: dt.datetime, **fields: Any) -> Warning:
    n = next(_numbers)
    defaults: dict[str, Any] = {
        "level": "yellow",
        "source": "appeal",
        "rule": "appeal_grade",
        "target_kind": "unit",
        "unit": unit,
        "title": "王芳相关预警",
        "dedupe_key": f"test-{n}",
        "opened_at": opened,
    }
    defaults.update(fields)
    return Warning.objects.create(**defaults)


@dataclass
class MonthData:
    month: dt.date
    left_person: Person


def build_month(org: Org) -> MonthData:
    """Everything a report counts, around branch A and the month before this one."""
    month = report_month()
    before = previous_month(month)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    a, b, root = org.branch_a, org.branch_b, org.root
    left = make_person(org.grid_a2, "赵敏", status=PersonStatus.LEFT)
    make_person(org.grid_a2, "孙丽")
    by = org.secretary_a

    # Talks and visits: in the month in A, in B, across both, before the month, after it.
    contact("group_talk", month.replace(day=5), [org.employee_person, org.grid_person], by)
    contact("home_visit", month.replace(day=6), [org.paired_person], by)
    contact("phone", month.replace(day=7), [org.stranger], by)
    contact("talk", month.replace(day=8), [org.employee_person, org.stranger], by)
    contact("hospital_visit", month.replace(day=28), [left], by)
    contact("talk", before.replace(day=25), [org.employee_person], by)
    contact("home_visit", following, [org.grid_person], by)

    # Appeals in A, in B, at the enterprise (company track), merged, unclassified, before and after.
    a1 = appeal(
        a,
        at(month, 3),
        category_id="pay",
        grade="yellow",
        state="answered",
        closure_due=at(month, 10),
        answered_at=at(month, 8),
        submitter=org.employee_person,
    )
    appeal(
        a, at(month, 12), category_id="pay", grade="orange", state="in_progress", closure_due=at(month, 15)
    )
    a3 = appeal(
        a,
        at(month, 14),
        category_id="wellbeing",
        grade="red",
        state="closed",
        closure_due=at(month, 15),
        answered_at=at(month, 16),
    )
    appeal(a, at(month, 15), category_id="safety", grade="blue", state="merged", closure_due=at(month, 20))
    a5 = appeal(
        a,
        at(before, 20),
        category_id="conditions",
        grade="yellow",
        state="rated",
        closure_due=at(month, 2),
        answered_at=at(month, 1),
    )
    appeal(a, at(before, 21), category_id="pay", grade="blue", state="closed")
    a6 = appeal(
        b, at(month, 4), category_id="pay", grade="yellow", state="answered", closure_due=at(month, 9)
    )
    appeal(root, at(month, 9), category_id="conduct", grade="blue", state="received", track="company")
    appeal(a, at(month, 25, 23))
    appeal(a, at(following, 1, 9), category_id="pay", grade="yellow")
    rating(a3, "satisfied", at(month, 17))
    rating(a1, "dissatisfied", at(month, 18), kind="return_visit")
    rating(a5, "very_satisfied", at(before, 28))
    rating(a6, "basic", at(month, 11))

    # Warnings: a trend in A's grid this month, an open red one in A, a closed one in B, an old open one.
    warning(
        org.grid_a1,
        at(month, 10),
        source="trend",
        rule="trend_count",
        level="orange",
        category="pay",
        target_kind="topic",
        topic="张伟",
        evidence={
            "kind": "unit",
            "unit": {"unit_id": org.grid_a1.pk, "name": "张伟"},
            "count": 12,
            "baseline_mean": 2.5,
            "p_value": 0.001,
            "weeks": [{"week": "W1", "count": 2}, {"week": "W2", "count": 12}],
            "units": [{"unit_id": org.grid_a1.pk, "name": "李娜", "count": 12}],
            "appeal_ids": [a1.pk],
        },
    )
    warning(a, at(month, 14), level="red", appeal=a3)
    warning(b, at(month, 11), status="closed")
    warning(a, at(before, 3), level="blue")

    # Care: a key person flagged this month with a plan, and two required talks due in the month.
    flag = KeyPersonFlag.objects.create(
        person=org.employee_person, reason="difficulty", opened_by=by, opened_at=at(month, 2)
    )
    CarePlan.objects.create(
        person=org.employee_person,
        flag=flag,
        responsible=by,
        cadence_days=7,
        opened_by=by,
        opened_at=at(month, 2),
    )
    kind = EventKind.objects.order_by("order").first()
    assert kind is not None
    for n, done in ((1, at(month, 6)), (2, None)):
        event = LifeEvent.objects.create(
            person=org.employee_person, kind=kind, date=month.replace(day=n), source="staff"
        )
        DueItem.objects.create(
            event=event,
            person=org.employee_person,
            unit=org.grid_a1,
            action="talk",
            responsible_kind="secretary",
            due_date=month.replace(day=9),
            due_at=at(month, 9, 23),
            done_at=done,
        )
    return MonthData(month=month, left_person=left)


NAMES = ("张伟", "李娜", "王芳", "刘洋", "陈静", "赵敏", "孙丽")
