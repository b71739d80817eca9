"""Each restriction for each role: talk summaries, key status and care plans, counselling details; consent
and its withdrawal; every restricted read is logged; out of scope is 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from lianxin.audit.models import AccessLog
from lianxin.care import access, plans, services
from lianxin.care.codes import ContactKind, ReferralStatus
from lianxin.care.models import CounsellingReferral, KeyPersonFlag
from lianxin.care.selectors import contact_summary_for, counselling_details_for, key_flags_for, key_people_due
from lianxin.org.models import Person
from tests.factories import Org, make_user

TODAY = timezone.localdate()
PERSONAS = ["grid_member", "secretary_a", "secretary_b", "employee", "department", "leader", "counsellor"]


@pytest.fixture
def counsellor(org: Org) -> Any:
    return make_user("counsellor", counsellor=org.root)


def persona(org: Org, counsellor: Any, name: str) -> Any:
    return counsellor if name == "counsellor" else getattr(org, name)


def logged(sections: list[str]) -> set[str]:
    return {a.actor.username for a in AccessLog.objects.select_related("actor") if a.sections == sections}


def test_talk_summaries_for_each_role_and_every_read_logged(org: Org, counsellor: Any) -> None:
    talk = services.contact_record(
        actor=org.grid_member,
        kind=ContactKind.TALK,
        date=TODAY,
        people=[org.employee_person],
        topic="家庭变故",
        summary="父亲病重，需要请假照顾",
    )
    allowed = {
        "grid_member",
        "secretary_a",
        "department",
        "leader",
    }  # the recorder, branch A's secretary and above
    for name in PERSONAS:
        seen = contact_summary_for(persona(org, counsellor, name), talk, ip="10.0.0.8")
        assert (seen is not None) == (name in allowed), name
        if seen is not None:
            assert (seen.topic, seen.summary) == ("家庭变故", "父亲病重，需要请假照顾")
    rows = AccessLog.objects.filter(sections=["talk_summary"])
    assert rows.count() == 4 and {r.person_id for r in rows} == {org.employee_person.pk}
    assert logged(["talk_summary"]) == {"grid", "secretary_a", "department", "leader"}
    assert all(r.ip_address == "10.0.0.8" for r in rows)

    # A talk by the secretary: the grid member sees that it happened, never what was said.
    by_secretary = services.contact_record(
        actor=org.secretary_a,
        kind=ContactKind.HOME_VISIT,
        date=TODAY,
        people=[org.employee_person],
        summary="家访",
    )
    assert access.contact_for(org.grid_member, by_secretary.pk) == by_secretary
    assert contact_summary_for(org.grid_member, by_secretary) is None
    for outsider in (org.secretary_b, org.informant, counsellor):
        with pytest.raises(Http404):
            access.contact_for(outsider, by_secretary.pk)


def test_a_group_talk_across_branches_is_read_only_above_both(org: Org) -> None:
    group = services.contact_record(
        actor=org.department,
        kind=ContactKind.GROUP_TALK,
        date=TODAY,
        people=[org.employee_person, org.stranger],
        summary="两个班组的矛盾",
    )
    assert contact_summary_for(org.secretary_a, group) is None
    assert contact_summary_for(org.secretary_b, group) is None
    assert contact_summary_for(org.leader, group) is not None
    assert AccessLog.objects.filter(actor=org.leader).count() == 2  # one row per person in the talk


def test_key_status_for_each_role_and_never_for_peers(org: Org, counsellor: Any) -> None:
    person = org.paired_person
    with pytest.raises(ValidationError):
        plans.key_flag_open(actor=org.grid_member, person=person, reason="difficulty")
    with pytest.raises(ValidationError):
        plans.key_flag_open(actor=org.secretary_b, person=person, reason="difficulty")
    plans.key_flag_open(actor=org.secretary_a, person=person, reason="difficulty", level=2, note="房贷压力大")
    assert Person.objects.get(pk=person.pk).is_key_person
    paired_user = make_user("paired", person)
    allowed = {"secretary_a", "department", "leader"}
    for name in PERSONAS:
        flags = key_flags_for(persona(org, counsellor, name), person)
        assert (flags is not None) == (name in allowed), name
    own = key_flags_for(paired_user, person)  # the person sees their own file
    assert own is not None and [f.note for f in own] == ["房贷压力大"]
    assert logged(["key_person"]) == {"secretary_a", "department", "leader", "paired"}

    plan = plans.care_plan_open(
        actor=org.secretary_a,
        person=person,
        responsible=org.grid_member,
        cadence_days=14,
        steps=[(TODAY + dt.timedelta(days=7), "帮助申请困难补助")],
    )
    # The plan's responsible user sees the plan, not the flag list; other peers see neither.
    assert access.care_plan_for(org.grid_member, plan.pk) == plan
    assert access.care_plan_for(paired_user, plan.pk) == plan
    for outsider in (org.secretary_b, org.employee, counsellor):
        with pytest.raises(Http404):
            access.care_plan_for(outsider, plan.pk)

    flag = KeyPersonFlag.objects.get()
    plans.key_flag_close(actor=org.secretary_a, flag=flag)
    assert not Person.objects.get(pk=person.pk).is_key_person


def test_care_plan_runs_to_closure_and_lapsed_cadence_is_listed(org: Org) -> None:
    person = org.employee_person
    plan = plans.care_plan_open(
        actor=org.secretary_a,
        person=person,
        responsible=org.grid_member,
        cadence_days=14,
        steps=[(TODAY, "上门了解困难"), (TODAY + dt.timedelta(days=14), "跟进补助")],
        goal="渡过难关",
    )
    services.contact_record(
        actor=org.grid_member, kind=ContactKind.TALK, date=TODAY - dt.timedelta(days=20), people=[person]
    )
    lapsed = key_people_due(org.secretary_a, today=TODAY)
    assert [(d.plan, d.last_contact) for d in lapsed] == [(plan, TODAY - dt.timedelta(days=20))]
    assert key_people_due(org.secretary_b, today=TODAY) == []
    first, second = plan.steps.all()
    services.contact_record(
        actor=org.grid_member, kind=ContactKind.HOME_VISIT, date=TODAY, people=[person], fulfils=[first]
    )
    first.refresh_from_db()
    assert first.done_at is not None and first.contacts.get().kind == ContactKind.HOME_VISIT
    assert key_people_due(org.secretary_a, today=TODAY) == []
    plans.care_plan_step_complete(actor=org.grid_member, step=second, note="补助已到账")
    with pytest.raises(ValidationError):
        plans.care_plan_review(actor=org.grid_member, plan=plan, review="好转")  # a peer does not review
    plans.care_plan_review(actor=org.secretary_a, plan=plan, review="情况好转")
    with pytest.raises(ValidationError):
        plans.care_plan_close(actor=org.secretary_a, plan=plan, outcome=" ")
    closed = plans.care_plan_close(actor=org.secretary_a, plan=plan, outcome="困难解决")
    assert closed.closed_at is not None and closed.review == "情况好转"
    with pytest.raises(ValidationError):
        plans.care_plan_step_add(actor=org.secretary_a, plan=plan, due_date=TODAY, action="再访")


def test_counselling_details_only_for_the_counsellor(org: Org, counsellor: Any) -> None:
    person = org.employee_person
    with pytest.raises(ValidationError) as no_consent:
        plans.counselling_refer(actor=org.employee, person=person, details="长期失眠")
    assert "单独同意" in str(no_consent.value)
    consent = plans.consent_give(actor=org.employee, person=person, purpose="counselling", version="2026.1")
    assert consent.given_at is not None and consent.version == "2026.1"
    referral = plans.counselling_refer(actor=org.employee, person=person, details="长期失眠，想找人聊聊")
    assert referral.by_self and referral.consent == consent
    for name in PERSONAS:
        details = counselling_details_for(persona(org, counsellor, name), referral)
        assert (details is not None) == (name == "counsellor"), name
    assert logged(["counselling"]) == {"counsellor"}
    # Those who may know of it see only the status; the person's peers and other branches see nothing.
    for name in ("secretary_a", "employee", "department", "leader", "counsellor"):
        seen = access.referral_for(persona(org, counsellor, name), referral.pk)
        assert seen.get_status_display() == "已转介"
    for name in ("grid_member", "secretary_b"):
        with pytest.raises(Http404):
            access.referral_for(persona(org, counsellor, name), referral.pk)
    with pytest.raises(ValidationError):
        plans.counselling_close(actor=org.secretary_a, referral=referral)
    plans.counselling_close(actor=counsellor, referral=referral)
    assert CounsellingReferral.objects.get().status == ReferralStatus.CLOSED


def test_a_secretary_refers_with_consent_and_withdrawal_stops_processing(org: Org, counsellor: Any) -> None:
    person = org.employee_person
    with pytest.raises(ValidationError):
        plans.consent_give(actor=org.secretary_b, person=person, purpose="counselling", version="2026.1")
    plans.consent_give(actor=org.secretary_a, person=person, purpose="counselling", version="2026.1")
    referral = plans.counselling_refer(actor=org.secretary_a, person=person, details="同事反映情绪低落")
    assert not referral.by_self
    assert counselling_details_for(counsellor, referral) == "同事反映情绪低落"

    assert plans.consent_withdraw(actor=org.employee, person=person, purpose="counselling") == 1
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED and referral.consent.withdrawn_at is not None
    assert counselling_details_for(counsellor, referral) is None  # no one reads it any more
    with pytest.raises(ValidationError):
        plans.counselling_refer(actor=org.secretary_a, person=person, details="再次转介")
    assert CounsellingReferral.objects.count() == 1

    # Consent given again allows a new referral; the old one stays hidden.
    plans.consent_give(actor=org.employee, person=person, purpose="counselling", version="2026.2")
    fresh = plans.counselling_refer(actor=org.employee, person=person, details="愿意再试")
    assert counselling_details_for(counsellor, fresh) == "愿意再试"
    assert counselling_details_for(counsellor, referral) is None


def test_health_notes_need_health_consent_and_vanish_on_withdrawal(org: Org) -> None:
    person = org.employee_person
    with pytest.raises(ValidationError):
        plans.key_flag_open(actor=org.secretary_a, person=person, reason="health", note="抑郁症复诊")
    assert not KeyPersonFlag.objects.exists()
    plans.key_flag_open(actor=org.secretary_a, person=person, reason="health")  # no note, no health data
    plans.consent_give(actor=org.employee, person=person, purpose="health", version="2026.1")
    plans.key_flag_open(actor=org.secretary_a, person=person, reason="health", note="抑郁症复诊")
    notes = {f.note for f in key_flags_for(org.secretary_a, person) or []}
    assert notes == {"", "抑郁症复诊"}
    plans.consent_withdraw(actor=org.employee, person=person, purpose="health")
    assert {f.note for f in key_flags_for(org.secretary_a, person) or []} == {""}
    assert KeyPersonFlag.objects.filter(note="抑郁症复诊").exists()  # kept, not shown


def test_due_items_are_seen_by_the_responsible_and_supervisors_only(org: Org, counsellor: Any) -> None:
    item = services.life_event_raise(
        person=org.paired_person, kind="family_crisis", date=TODAY, source="staff"
    ).due_item
    allowed = {"grid_member", "secretary_a", "department", "leader"}
    for name in PERSONAS:
        user = persona(org, counsellor, name)
        if name in allowed:
            assert access.due_item_for(user, item.pk) == item
        else:
            with pytest.raises(Http404):
                access.due_item_for(user, item.pk)
    with pytest.raises(Http404):
        access.due_item_for(org.secretary_a, "not-a-number")  # type: ignore[arg-type]
