"""Care pages for the secretary and above: life events, key people and care plans, 三违 cases and
counselling referrals — allowed, 404 out of scope or below the role, 405, details only for the counsellor."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lianxin.care import plans
from lianxin.care.codes import ConsentPurpose, ReferralStatus
from lianxin.care.models import (
    CarePlan,
    Consent,
    CounsellingReferral,
    DueItem,
    KeyPersonFlag,
    LifeEvent,
    ViolationCase,
)
from tests.factories import Org, make_person, make_user

TODAY = timezone.localdate()


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_raise_a_life_event_that_makes_a_due_item(org: Org) -> None:
    url = reverse("life_event_new", args=[org.paired_person.pk])
    assert client_for(org.secretary_a).get(url).status_code == 200
    response = client_for(org.secretary_a).post(url, {"kind": "job_change", "date": TODAY.isoformat()})
    assert response.status_code == 302
    assert DueItem.objects.get().responsible == org.grid_member
    refused = client_for(org.secretary_a).post(url, {"kind": "telepathy", "date": TODAY.isoformat()})
    assert refused.status_code == 400 and "telepathy" in refused.content.decode()
    assert LifeEvent.objects.count() == 1
    assert client_for(org.secretary_b).get(url).status_code == 404
    assert client_for(org.employee).get(url).status_code == 404
    assert client_for(org.secretary_a).put(url).status_code == 405


def test_key_people_are_for_the_secretary_and_above_only(org: Org) -> None:
    url = reverse("key_flag_new", args=[org.paired_person.pk])
    response = client_for(org.secretary_a).post(url, {"reason": "difficulty", "level": 2, "note": "房贷压力"})
    assert response.status_code == 302 and KeyPersonFlag.objects.get().person == org.paired_person
    listing = client_for(org.secretary_a).get(reverse("key_people"))
    assert "王芳" in listing.content.decode()
    for user in (org.grid_member, org.employee):
        assert client_for(user).get(reverse("key_people")).status_code == 404
        assert client_for(user).get(url).status_code == 404
    assert client_for(org.secretary_b).get(url).status_code == 404
    assert client_for(org.secretary_a).post(reverse("key_people")).status_code == 405
    bad = client_for(org.secretary_a).post(url, {"reason": "gossip", "level": 2})
    assert bad.status_code == 400 and KeyPersonFlag.objects.count() == 1


def test_the_key_people_list_takes_the_same_queries_for_one_or_many(org: Org) -> None:
    client = client_for(org.secretary_a)
    plans.key_flag_open(actor=org.secretary_a, person=org.paired_person, reason="difficulty")
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("key_people"))
    for _ in range(5):
        plans.key_flag_open(actor=org.secretary_a, person=make_person(org.grid_a2), reason="conflict")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("key_people"))
    assert len(many) == len(one)


def test_a_care_plan_runs_to_closure(org: Org) -> None:
    client = client_for(org.secretary_a)
    response = client.post(
        reverse("care_plan_new", args=[org.paired_person.pk]),
        {"responsible": org.grid_member.pk, "cadence_days": 14, "goal": "稳定情绪"},
    )
    plan = CarePlan.objects.get()
    url = reverse("care_plan_detail", args=[plan.pk])
    assert response.status_code == 302 and response["Location"] == url
    day = (TODAY + dt.timedelta(days=7)).isoformat()
    assert client.post(url, {"action": "step_add", "due_date": day, "measure": ""}).status_code == 400
    assert plan.steps.count() == 0
    added = client.post(url, {"action": "step_add", "due_date": day, "measure": "一对一谈心"})
    assert added.status_code == 302
    step = plan.steps.get()
    done = client_for(org.grid_member).post(url, {"action": "step_done", "step": step.pk, "text": "已谈"})
    assert done.status_code == 302
    step.refresh_from_db()
    assert step.done_at is not None
    assert client.post(url, {"action": "close", "text": ""}).status_code == 400
    assert client.post(url, {"action": "review", "text": "情绪好转"}).status_code == 302
    assert client.post(url, {"action": "close", "text": "目标达成"}).status_code == 302
    plan.refresh_from_db()
    assert plan.closed_at is not None and plan.review == "情绪好转"
    assert client_for(org.secretary_b).get(url).status_code == 404
    assert client.put(url).status_code == 405


def test_a_violation_case_raises_the_must_talk_and_runs_to_closure(org: Org) -> None:
    client = client_for(org.secretary_a)
    new = reverse("violation_new", args=[org.paired_person.pk])
    form = {
        "date": TODAY.isoformat(),
        "kind": "operation",
        "severity": "general",
        "reported_by_unit": org.root.pk,
        "helper": org.secretary_a.pk,
    }
    future = client.post(new, {**form, "date": (TODAY + dt.timedelta(days=1)).isoformat()})
    assert future.status_code == 400 and "日期不能晚于今天" in future.content.decode()
    assert not ViolationCase.objects.exists() and not DueItem.objects.exists()
    assert client.post(new, form).status_code == 302
    case = ViolationCase.objects.get()
    assert DueItem.objects.get().event == case.event
    url = reverse("violation_detail", args=[case.pk])
    early = client.post(url, {"action": "close"})
    assert early.status_code == 400 and "全部完成后才能结案" in early.content.decode()
    for step in ("talk", "study", "family", "retest"):
        assert client.post(url, {"step": step, "text": "已完成"}).status_code == 302
    assert client.post(url, {"action": "close"}).status_code == 302
    case.refresh_from_db()
    assert case.closed_at is not None
    assert "帮教" in client.get(reverse("violation_list")).content.decode()
    assert client_for(org.secretary_b).get(url).status_code == 404
    assert client_for(org.grid_member).get(url).status_code == 404
    assert client_for(org.grid_member).get(new).status_code == 404
    assert client_for(org.grid_member).get(reverse("violation_list")).status_code == 404
    assert client.put(url).status_code == 405


def test_a_secretary_refers_with_consent_and_only_the_counsellor_reads_the_details(org: Org) -> None:
    counsellor = make_user("counsellor", counsellor=org.root)
    url = reverse("referral_new", args=[org.paired_person.pk])
    no_consent = client_for(org.secretary_a).post(url, {"version": "v1", "details": "失眠焦虑"})
    assert no_consent.status_code == 400 and "单独同意" in no_consent.content.decode()
    assert not CounsellingReferral.objects.exists() and not Consent.objects.exists()
    made = client_for(org.secretary_a).post(url, {"consent": "on", "version": "v1", "details": "失眠焦虑"})
    assert made.status_code == 302
    referral = CounsellingReferral.objects.get()
    assert not referral.by_self and referral.consent.purpose == ConsentPurpose.COUNSELLING
    listing = reverse("referral_list")
    assert "失眠焦虑" in client_for(counsellor).get(listing).content.decode()
    seen = client_for(org.secretary_a).get(listing).content.decode()
    assert "已转介" in seen and "失眠焦虑" not in seen
    assert "王芳" not in client_for(org.grid_member).get(listing).content.decode()
    close = reverse("referral_close", args=[referral.pk])
    assert client_for(org.secretary_a).post(close).status_code == 400
    assert client_for(org.secretary_b).post(close).status_code == 404
    assert client_for(counsellor).get(close).status_code == 405
    assert client_for(counsellor).post(close).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED
    assert client_for(org.secretary_b).get(url).status_code == 404


def test_a_person_asks_for_counselling_for_themself(org: Org) -> None:
    url = reverse("referral_new", args=[org.employee_person.pk])
    made = client_for(org.employee).post(url, {"consent": "on", "version": "v1", "details": "压力大"})
    assert made.status_code == 302
    assert CounsellingReferral.objects.get().by_self
