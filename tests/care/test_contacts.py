"""Recording talks and visits: bad input saves nothing, a follow-up appeal in the same transaction, the
retention purge, and contact coverage ("my people", the uncontacted, rates per grid and branch)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lianxin.appeals.codes import Channel
from lianxin.appeals.models import Appeal
from lianxin.care import services
from lianxin.care.codes import ContactKind
from lianxin.care.models import ContactPerson, ContactRecord
from lianxin.care.selectors import coverage_rates, my_people, uncontacted
from lianxin.org.models import Pairing
from tests.factories import Org, make_person

TODAY = timezone.localdate()


def record(org: Org, **overrides: object) -> ContactRecord:
    fields: dict[str, object] = {
        "actor": org.grid_member,
        "kind": ContactKind.TALK,
        "date": TODAY,
        "people": [org.paired_person],
        "place": "班组休息室",
        "topic": "近况",
        "summary": "家中老人住院，情绪低落",
    }
    fields.update(overrides)
    return services.contact_record(**fields)  # type: ignore[arg-type]


def test_a_grid_member_records_a_talk_with_several_people(org: Org) -> None:
    talk = record(org, kind=ContactKind.GROUP_TALK, people=[org.paired_person, org.employee_person])
    assert talk.conducted_by == org.grid_member
    assert set(talk.people.all()) == {org.paired_person, org.employee_person}
    assert set(ContactPerson.objects.values_list("date", flat=True)) == {TODAY}
    # Each link keeps the person's unit of the day, and keeps it when the person moves later.
    units = dict(ContactPerson.objects.values_list("person_id", "unit_id"))
    assert units == {org.paired_person.pk: org.grid_a2.pk, org.employee_person.pk: org.grid_a1.pk}
    org.paired_person.unit = org.grid_b1
    org.paired_person.save(update_fields=["unit", "updated_at"])
    assert ContactPerson.objects.get(person=org.paired_person).unit_id == org.grid_a2.pk


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date": TODAY + dt.timedelta(days=1)}, "日期不能晚于今天"),
        ({"people": []}, "请至少选择一名谈话对象"),
        ({"people": ["stranger"]}, "不在您的管理范围内"),
        ({"people": ["paired", "stranger"]}, "不在您的管理范围内"),
        ({"kind": "telepathy"}, "未知的谈访方式"),
        ({"summary": "字" * 5001}, "不能超过"),
        ({"next_due": TODAY - dt.timedelta(days=1)}, "下次联系日期"),
    ],
)
def test_bad_input_gets_a_clear_message_and_saves_nothing(
    org: Org, overrides: dict[str, object], message: str
) -> None:
    names = {"stranger": org.stranger, "paired": org.paired_person}
    if "people" in overrides:
        overrides["people"] = [names[n] for n in overrides["people"]]  # type: ignore[attr-defined]
    with pytest.raises(ValidationError) as error:
        record(org, follow_up_appeal_text="请协调陪护假", **overrides)
    assert message in str(error.value)
    assert not ContactRecord.objects.exists() and not ContactPerson.objects.exists()
    assert not Appeal.objects.exists()


def test_an_employee_cannot_record_a_talk_and_nobody_records_one_with_themself(org: Org) -> None:
    with pytest.raises(ValidationError):
        record(org, actor=org.employee, people=[org.paired_person])
    with pytest.raises(ValidationError):
        record(org, actor=org.grid_member, people=[org.grid_person])
    assert not ContactRecord.objects.exists()


def test_a_follow_up_appeal_is_raised_on_the_persons_behalf(org: Org) -> None:
    talk = record(org, follow_up_appeal_text="希望调整夜班以便照顾住院的父亲")
    appeal = talk.follow_up_appeal
    assert appeal is not None and appeal.channel == Channel.TALK
    assert appeal.submitter == org.paired_person and appeal.entered_by == org.grid_member
    with pytest.raises(ValidationError):  # an empty appeal undoes the whole record
        record(org, follow_up_appeal_text="   ")
    assert ContactRecord.objects.count() == 1 and Appeal.objects.count() == 1


def test_the_purge_blanks_old_summaries_and_keeps_records_and_counts(org: Org, settings: object) -> None:
    old = record(org, date=dt.date(2022, 3, 1), topic="旧主题", summary="旧内容")
    recent = record(org, date=TODAY - dt.timedelta(days=30))
    with time_machine.travel(dt.datetime.now(tz=dt.UTC), tick=False):
        assert services.contact_summaries_purge() == 1
        assert services.contact_summaries_purge() == 0
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.topic, old.summary) == ("", "") and old.purged_at is not None
    assert old.date == dt.date(2022, 3, 1) and old.people.count() == 1
    assert recent.summary == "家中老人住院，情绪低落" and recent.purged_at is None
    assert ContactRecord.objects.count() == 2
    settings.CARE_SUMMARY_RETENTION_DAYS = 10  # type: ignore[attr-defined]
    assert services.contact_summaries_purge() == 1


def test_my_people_shows_the_last_contact_in_one_query(org: Org) -> None:
    record(org, date=TODAY - dt.timedelta(days=40))
    record(org, date=TODAY - dt.timedelta(days=5), kind=ContactKind.PHONE)
    with CaptureQueriesContext(connection) as few:
        first = [(p.name, p.last_contact, p.unit.name) for p in my_people(org.grid_member)]  # type: ignore[attr-defined]
    assert first == [("王芳", TODAY - dt.timedelta(days=5), "运行二班")]
    for _ in range(15):
        Pairing.objects.create(contact=org.grid_person, person=make_person(org.grid_a2))
    with CaptureQueriesContext(connection) as many:
        rows = [(p.name, p.last_contact) for p in my_people(org.grid_member)]  # type: ignore[attr-defined]
    assert len(rows) == 16
    # Never contacted first.
    assert rows[-1] == ("王芳", TODAY - dt.timedelta(days=5)) and rows[0][1] is None
    assert len(few.captured_queries) == len(many.captured_queries)
    assert list(my_people(org.secretary_b)) == []  # no person of their own, nobody paired


def test_ended_pairings_leave_my_people(org: Org) -> None:
    Pairing.objects.update(end_date=TODAY - dt.timedelta(days=1), start_date=TODAY - dt.timedelta(days=10))
    assert list(my_people(org.grid_member)) == []


def test_uncontacted_and_coverage_per_grid_and_branch(org: Org, settings: object) -> None:
    record(org, date=TODAY - dt.timedelta(days=10), people=[org.paired_person])
    record(org, date=TODAY - dt.timedelta(days=100), people=[org.employee_person])
    record(org, actor=org.secretary_b, date=TODAY - dt.timedelta(days=3), people=[org.stranger])
    names = set(uncontacted(org.branch_a).values_list("name", flat=True))
    # 张伟 last talked to 100 days ago, 李娜 and 陈静 never; 王芳 within 90 days.
    assert names == {"张伟", "李娜", "陈静"}
    assert set(uncontacted(org.branch_a, days=120).values_list("name", flat=True)) == {"李娜", "陈静"}
    settings.CARE_UNCONTACTED_DAYS = 5  # type: ignore[attr-defined]
    assert "王芳" in set(uncontacted(org.branch_a).values_list("name", flat=True))

    with CaptureQueriesContext(connection) as queries:
        rows = {row.unit.name: (row.people, row.contacted) for row in coverage_rates(org.root, days=90)}
    assert len(queries.captured_queries) == 2  # one aggregate, one list of grids and branches
    assert rows == {
        "运维部": (4, 1),
        "运行一班": (2, 0),
        "运行二班": (1, 1),
        "检修部": (1, 1),
        "检修一班": (1, 1),
    }
    branch_a = next(r for r in coverage_rates(org.root, days=90) if r.unit == org.branch_a)
    assert branch_a.is_branch and not branch_a.is_grid and branch_a.rate == 0.25
