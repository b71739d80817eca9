"""Named appeals on the person's file timeline, anonymous ones never; links only for who may open them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lianxin.appeals import services as s
from lianxin.appeals.codes import Channel
from lianxin.appeals.models import Appeal
from lianxin.org.selectors import timeline_for
from tests.factories import Org

pytestmark = pytest.mark.django_db
NAMED = "夜班补贴三个月未发"
ANONYMOUS = "班长经常辱骂职工"


@pytest.fixture
def named(org: Org) -> Appeal:
    appeal = s.appeal_submit(text=NAMED, channel=Channel.WEB, submitter=org.employee_person).appeal
    return s.appeal_triage(appeal=appeal, actor=org.secretary_a, category="pay", grade="yellow")


@pytest.fixture
def anonymous(org: Org) -> Appeal:
    return s.appeal_submit(
        text=ANONYMOUS, channel=Channel.WEB, submitter=org.employee_person, anonymous=True
    ).appeal


def page(user: Any, org: Org) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("person_timeline", args=[org.employee_person.pk]))
    assert response.status_code == 200
    return response.content.decode()


def appeal_entries(user: Any, org: Org) -> list[Any]:
    return [e for e in timeline_for(user, org.employee_person) if e.kind == "诉求"]


def test_named_appeal_is_on_the_timeline_with_a_link_for_its_supervisor(
    org: Org, named: Appeal, anonymous: Appeal
) -> None:
    entries = appeal_entries(org.secretary_a, org)
    assert [e.title for e in entries] == [f"{named.number} · 薪酬福利 · 已受理"]
    assert entries[0].url == reverse("appeal_detail", args=[named.pk])
    html = page(org.secretary_a, org)
    assert named.number in html and reverse("appeal_detail", args=[named.pk]) in html


def test_anonymous_appeal_never_appears(org: Org, named: Appeal, anonymous: Appeal) -> None:
    for user in (org.secretary_a, org.leader, org.department, org.employee, org.grid_member):
        numbers = {e.title.split(" · ")[0] for e in appeal_entries(user, org)}
        assert anonymous.number not in numbers
        html = page(user, org)
        assert anonymous.number not in html and ANONYMOUS not in html


def test_a_viewer_who_cannot_open_it_sees_no_link_and_no_words(org: Org, named: Appeal) -> None:
    # The grid member sees the person's file but does not handle the appeal.
    entries = appeal_entries(org.grid_member, org)
    assert len(entries) == 1 and entries[0].url == ""
    html = page(org.grid_member, org)
    assert named.number in html and "薪酬福利" in html and "已受理" in html
    assert NAMED not in html and reverse("appeal_detail", args=[named.pk]) not in html


def test_the_handler_gets_the_link(org: Org, named: Appeal) -> None:
    s.appeal_assign(appeal=named, actor=org.secretary_a, handler=org.grid_member, measure="核对")
    assert appeal_entries(org.grid_member, org)[0].url == reverse("appeal_detail", args=[named.pk])


def test_the_submitter_sees_their_own_entry_without_words(org: Org, named: Appeal) -> None:
    html = page(org.employee, org)
    assert named.number in html and NAMED not in html
