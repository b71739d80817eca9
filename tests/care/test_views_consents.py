"""The consent page and lifting a key-person flag: the person and their secretary and above only,
withdrawal stops processing, every refusal saves nothing."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from lianxin.care import plans
from lianxin.care.codes import ConsentPurpose, ReferralStatus
from lianxin.care.models import Consent, CounsellingReferral, KeyPersonFlag
from tests.factories import Org, make_user


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_person_gives_and_withdraws_consent_on_their_own_page(org: Org) -> None:
    url = reverse("consent_list", args=[org.employee_person.pk])
    client = client_for(org.employee)
    page = client.get(url)
    assert page.status_code == 200 and "未同意" in page.content.decode()
    given = client.post(url, {"action": "give", "purpose": ConsentPurpose.HEALTH, "version": "2026-1"})
    assert given.status_code == 302
    consent = Consent.objects.get()
    assert (consent.purpose, consent.version, consent.withdrawn_at) == (ConsentPurpose.HEALTH, "2026-1", None)
    shown = client.get(url).content.decode()
    assert "已同意" in shown and "2026-1" in shown
    withdrawn = client.post(url, {"action": "withdraw", "purpose": ConsentPurpose.HEALTH})
    assert withdrawn.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    again = client.post(url, {"action": "withdraw", "purpose": ConsentPurpose.HEALTH})
    assert again.status_code == 400 and "没有可撤回的同意" in again.content.decode()


def test_withdrawing_counselling_consent_closes_the_referral_for_the_counsellor_too(org: Org) -> None:
    counsellor = make_user("counsellor", counsellor=org.root)
    plans.consent_give(
        actor=org.secretary_a, person=org.paired_person, purpose=ConsentPurpose.COUNSELLING, version="v1"
    )
    plans.counselling_refer(actor=org.secretary_a, person=org.paired_person, details="长期失眠")
    assert "长期失眠" in client_for(counsellor).get(reverse("referral_list")).content.decode()
    url = reverse("consent_list", args=[org.paired_person.pk])
    response = client_for(org.secretary_a).post(
        url, {"action": "withdraw", "purpose": ConsentPurpose.COUNSELLING}
    )
    assert response.status_code == 302
    assert CounsellingReferral.objects.get().status == ReferralStatus.CLOSED
    assert "长期失眠" not in client_for(counsellor).get(reverse("referral_list")).content.decode()


def test_the_consent_page_is_for_the_person_and_their_secretary_only(org: Org) -> None:
    url = reverse("consent_list", args=[org.paired_person.pk])
    assert client_for(org.secretary_a).get(url).status_code == 200
    # The grid member sees the paired person's file, but not their consents.
    for user in (org.grid_member, org.secretary_b, org.employee):
        assert client_for(user).get(url).status_code == 404
        assert (
            client_for(user).post(url, {"action": "give", "purpose": "health", "version": "v1"}).status_code
            == 404
        )
    assert not Consent.objects.exists()
    bad = client_for(org.secretary_a).post(url, {"action": "give", "purpose": "gossip", "version": "v1"})
    assert bad.status_code == 400 and not Consent.objects.exists()
    unknown = client_for(org.secretary_a).post(url, {"action": "erase"})
    assert unknown.status_code == 400
    assert client_for(org.secretary_a).put(url).status_code == 405


def test_the_secretary_lifts_a_key_flag_and_the_person_is_no_longer_key(org: Org) -> None:
    flag = plans.key_flag_open(actor=org.secretary_a, person=org.paired_person, reason="difficulty")
    url = reverse("key_flag_close", args=[flag.pk])
    for user in (org.secretary_b, org.grid_member, org.employee):
        assert client_for(user).post(url).status_code == 404
    assert client_for(org.secretary_a).get(url).status_code == 405
    assert client_for(org.secretary_a).post(url).status_code == 302
    flag.refresh_from_db()
    org.paired_person.refresh_from_db()
    assert flag.closed_at is not None and flag.closed_by == org.secretary_a
    assert not org.paired_person.is_key_person
    assert "王芳" not in client_for(org.secretary_a).get(reverse("key_people")).content.decode()
    assert client_for(org.secretary_a).post(url).status_code == 400
    assert KeyPersonFlag.objects.filter(closed_at__isnull=True).count() == 0


def test_the_key_people_list_logs_each_person_it_shows(org: Org) -> None:
    from lianxin.audit.models import AccessLog

    plans.key_flag_open(actor=org.secretary_a, person=org.paired_person, reason="difficulty")
    before = AccessLog.objects.count()
    assert "王芳" in client_for(org.secretary_a).get(reverse("key_people")).content.decode()
    logged = list(AccessLog.objects.order_by("-pk")[: AccessLog.objects.count() - before])
    assert [(row.actor, row.person, row.sections) for row in logged] == [
        (org.secretary_a, org.paired_person, ["key_person"])
    ]
