"""Care on the person's file timeline: everything in date order, restricted parts by the viewer's role."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lianxin.audit.models import AccessLog
from lianxin.care import plans, services
from lianxin.care.codes import ContactKind
from lianxin.org.selectors import timeline_for
from tests.factories import Org, make_user

TODAY = timezone.localdate()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def build(org: Org) -> None:
    person = org.employee_person
    services.life_event_raise(person=person, kind="hospitalised", date=days_ago(30), source="staff")
    services.contact_record(
        actor=org.grid_member,
        kind=ContactKind.HOSPITAL_VISIT,
        date=days_ago(28),
        people=[person],
        place="市医院",
        topic="住院探望",
        summary="恢复中",
    )
    plans.key_flag_open(actor=org.secretary_a, person=person, reason="health")
    plans.care_plan_open(
        actor=org.secretary_a,
        person=person,
        responsible=org.secretary_a,
        cadence_days=14,
        steps=[(days_ago(10), "出院后回访")],
    )
    services.contact_record(
        actor=org.grid_member, kind=ContactKind.PHONE, date=days_ago(5), people=[person], topic="电话问候"
    )
    plans.consent_give(actor=org.employee, person=person, purpose="counselling", version="2026.1")
    plans.counselling_refer(actor=org.employee, person=person, details="术后焦虑")


def test_secretary_sees_every_care_entry_newest_first(org: Org) -> None:
    build(org)
    entries = timeline_for(org.secretary_a, org.employee_person)
    kinds = [e.kind for e in entries]
    assert {"谈访", "事件", "待办谈访", "帮扶", "重点人员", "心理咨询"} <= set(kinds)
    # Strictly newest first: the counselling referral and the flag today … the event 30 days ago last.
    dates = [
        e.at if isinstance(e.at, dt.date) and not isinstance(e.at, dt.datetime) else e.at.date()
        for e in entries
    ]
    assert dates == sorted(dates, reverse=True)
    assert entries[-1].kind == "事件" and "住院" in entries[-1].title
    titles = [e.title for e in entries if e.kind == "谈访"]
    assert titles == ["电话联系 · 电话问候", "医院探望 · 市医院 · 住院探望"]
    assert "术后焦虑" not in " ".join(e.title for e in entries)  # counselling shows its status only
    assert AccessLog.objects.filter(actor=org.secretary_a, sections=["talk_summary"]).count() == 1


def test_restricted_parts_follow_the_viewers_role(org: Org) -> None:
    build(org)
    secretary_b_scope = make_user("viewer_b", department=org.branch_b)  # no reach into branch A
    assert [
        e for e in timeline_for(secretary_b_scope, org.employee_person) if e.kind in {"谈访", "事件"}
    ] == []

    # The grid member (a peer who recorded the talks): talks with the topics they wrote, the due item
    # they answer for, no key status, no care plan, no counselling.
    grid = {e.kind for e in timeline_for(org.grid_member, org.employee_person)}
    assert "谈访" in grid and not grid & {"重点人员", "帮扶", "心理咨询"}
    # The person themself: their key status and plan, their referral's status; no topics, no due items.
    own = timeline_for(org.employee, org.employee_person)
    own_kinds = {e.kind for e in own}
    assert {"重点人员", "帮扶", "心理咨询", "谈访"} <= own_kinds and not own_kinds & {"事件", "待办谈访"}
    assert all("问候" not in e.title for e in own)
