"""Care pages: record a talk, read it, due items, my people and coverage — allowed, 404 out of scope, 405
on the wrong method, the restricted parts per role, and constant query counts on the lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lianxin.audit.models import AccessLog
from lianxin.care import services
from lianxin.care.codes import ContactKind, EventSource
from lianxin.care.models import ContactRecord, DueItem
from lianxin.org.models import Pairing
from tests.factories import Org, make_person

TODAY = timezone.localdate()


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def raise_event(org: Org, person: Any, kind: str = "hospitalised") -> DueItem:
    event = services.life_event_raise(
        person=person, kind=kind, date=TODAY, source=EventSource.STAFF, actor=org.secretary_a
    )
    item: DueItem = event.due_item
    return item


def talk(org: Org, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": ContactKind.TALK,
        "date": TODAY.isoformat(),
        "people": [org.paired_person.pk],
        "place": "班组休息室",
        "topic": "近况",
        "summary": "母亲住院，夜班难以照顾",
    }
    data.update(extra)
    return data


# --- record a talk or visit ----------------------------------------------------------------------------


def test_the_form_offers_my_people_and_preselects_the_due_item(org: Org) -> None:
    item = raise_event(org, org.paired_person)
    page = client_for(org.grid_member).get(
        reverse("contact_new"), {"person": org.paired_person.pk, "due": item.pk}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "王芳" in html and f'value="{item.pk}"' in html
    assert page.context["form"]["due"].value() == [item.pk]
    # A phone's date picker only takes ISO dates: today must show in it, ready to submit.
    assert f'value="{TODAY.isoformat()}"' in html


def test_a_grid_member_records_a_visit_that_fulfils_the_due_item(org: Org) -> None:
    item = raise_event(org, org.paired_person)
    response = client_for(org.grid_member).post(
        reverse("contact_new"), talk(org, kind=ContactKind.HOME_VISIT, due=[item.pk])
    )
    record = ContactRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("contact_detail", args=[record.pk])
    item.refresh_from_db()
    assert item.fulfilled_by == record and item.done_at is not None


def test_a_person_found_by_employee_number(org: Org) -> None:
    response = client_for(org.secretary_a).post(
        reverse("contact_new"), talk(org, people=[], lookup=org.employee_person.employee_no)
    )
    assert response.status_code == 302
    assert list(ContactRecord.objects.get().people.all()) == [org.employee_person]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"date": (TODAY + dt.timedelta(days=1)).isoformat()}, "日期不能晚于今天"),
        ({"people": []}, "请至少选择一名谈话对象"),
        ({"people": [], "lookup": "刘洋"}, "未找到该人员"),
        ({"kind": "telepathy"}, "telepathy"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_saves_nothing(
    org: Org, extra: dict[str, Any], message: str
) -> None:
    response = client_for(org.grid_member).post(reverse("contact_new"), talk(org, **extra))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ContactRecord.objects.exists()


def test_a_person_out_of_scope_cannot_be_posted(org: Org) -> None:
    response = client_for(org.grid_member).post(reverse("contact_new"), talk(org, people=[org.stranger.pk]))
    assert response.status_code == 400 and not ContactRecord.objects.exists()


def test_the_record_form_is_for_staff_only(org: Org) -> None:
    assert client_for(org.employee).get(reverse("contact_new")).status_code == 404
    assert client_for(org.grid_member).put(reverse("contact_new")).status_code == 405


def test_the_summary_shows_to_the_recorder_and_secretary_and_each_read_is_logged(org: Org) -> None:
    client_for(org.grid_member).post(reverse("contact_new"), talk(org))
    record = ContactRecord.objects.get()
    url = reverse("contact_detail", args=[record.pk])
    for user in (org.grid_member, org.secretary_a):
        page = client_for(user).get(url)
        assert page.status_code == 200 and "母亲住院" in page.content.decode()
    logged = [row for row in AccessLog.objects.values_list("sections", flat=True) if "talk_summary" in row]
    assert len(logged) == 2
    assert client_for(org.secretary_b).get(url).status_code == 404
    assert client_for(org.employee).get(url).status_code == 404
    assert client_for(org.secretary_a).post(url).status_code == 405


def test_a_peer_who_sees_the_person_never_sees_the_summary(org: Org) -> None:
    other = make_person(org.grid_a2, "赵强")
    from tests.factories import make_user

    colleague = make_user("grid2", other, grid_member=org.grid_a2)
    client_for(org.grid_member).post(reverse("contact_new"), talk(org))
    page = client_for(colleague).get(reverse("contact_detail", args=[ContactRecord.objects.get().pk]))
    assert page.status_code == 200 and "母亲住院" not in page.content.decode()


# --- due items --------------------------------------------------------------------------------------


def test_due_items_list_mine_with_a_button_to_record_the_talk(org: Org) -> None:
    item = raise_event(org, org.paired_person)
    page = client_for(org.grid_member).get(reverse("due_items"))
    html = page.content.decode()
    assert page.status_code == 200 and "王芳" in html and "住院" in html
    assert f"?person={org.paired_person.pk}&amp;due={item.pk}" in html


def test_supervisors_see_overdue_items_in_their_subtree_only(org: Org) -> None:
    item = raise_event(org, org.paired_person)
    DueItem.objects.filter(pk=item.pk).update(due_at=timezone.now() - dt.timedelta(days=2))
    assert "王芳" in client_for(org.secretary_a).get(reverse("due_items")).content.decode()
    assert "王芳" not in client_for(org.secretary_b).get(reverse("due_items")).content.decode()
    assert client_for(org.employee).get(reverse("due_items")).status_code == 404
    assert client_for(org.grid_member).post(reverse("due_items")).status_code == 405


def test_due_items_take_the_same_number_of_queries_for_one_or_many(org: Org) -> None:
    raise_event(org, org.paired_person)
    client = client_for(org.grid_member)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("due_items"))
    for _ in range(5):
        Pairing.objects.create(contact=org.grid_person, person=(p := make_person(org.grid_a2)))
        raise_event(org, p)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(reverse("due_items")).context["mine"]) == 6
    assert len(many) == len(one)


# --- my people and coverage ---------------------------------------------------------------------------


def test_my_people_flags_those_not_contacted_for_long(org: Org) -> None:
    fresh = make_person(org.grid_a2, "孙悦")
    Pairing.objects.create(contact=org.grid_person, person=fresh)
    services.contact_record(actor=org.grid_member, kind=ContactKind.TALK, date=TODAY, people=[fresh])
    page = client_for(org.grid_member).get(reverse("my_people"))
    people = {p.name: p for p in page.context["people"]}
    assert people["王芳"].stale and not people["孙悦"].stale
    assert "从未联系" in page.content.decode()
    assert client_for(org.secretary_a).get(reverse("my_people")).status_code == 404
    assert client_for(org.grid_member).post(reverse("my_people")).status_code == 405


def test_my_people_takes_the_same_number_of_queries_for_one_or_many(org: Org) -> None:
    client = client_for(org.grid_member)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("my_people"))
    for _ in range(5):
        Pairing.objects.create(contact=org.grid_person, person=make_person(org.grid_a2))
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(reverse("my_people")).context["people"]) == 6
    assert len(many) == len(one)


def test_coverage_per_grid_and_branch_in_scope(org: Org) -> None:
    services.contact_record(
        actor=org.grid_member, kind=ContactKind.TALK, date=TODAY, people=[org.paired_person]
    )
    page = client_for(org.secretary_a).get(reverse("care_coverage"))
    rows = {row.unit.name: (row.people, row.contacted) for p in page.context["pages"] for row in p.rows}
    assert rows["运行二班"] == (1, 1) and rows["运维部"][1] == 1
    assert "检修一班" not in rows
    assert client_for(org.employee).get(reverse("care_coverage")).status_code == 404
    assert client_for(org.secretary_a).post(reverse("care_coverage")).status_code == 405


def test_the_sidebar_offers_care_pages_by_role(org: Org) -> None:
    def labels(user: Any) -> set[str]:
        page = client_for(user).get(reverse("due_items" if user != org.employee else "home"))
        return {link["label"] for link in page.context["nav"]["links"]}

    grid = labels(org.grid_member)
    assert {"我的联系对象", "待办谈访", "谈话走访记录", "联系覆盖"} <= grid
    assert not {"重点人员", "三违帮教", "心理咨询转介"} & grid
    assert {"重点人员", "三违帮教", "心理咨询转介"} <= labels(org.secretary_a)
    assert not {"待办谈访", "重点人员", "我的联系对象"} & labels(org.employee)


def test_the_person_file_offers_care_actions_by_role(client: Any, org: Org) -> None:
    url = f"/people/{org.employee_person.pk}/"
    client.force_login(org.grid_member)
    page = client.get(url).content.decode()
    assert f"/care/contacts/new/?person={org.employee_person.pk}" in page
    assert "列为重点人员" not in page and "心理咨询转介" not in page
    client.force_login(org.secretary_a)
    page = client.get(url).content.decode()
    assert "列为重点人员" in page and f"/care/people/{org.employee_person.pk}/referrals/new/" in page
    client.force_login(org.employee)
    assert "记录谈话/走访" not in client.get(url).content.decode()


def test_coverage_is_paged_with_the_subtree_total_on_top(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    from lianxin.care.views import coverage

    monkeypatch.setattr(coverage, "PAGE_SIZE", 2)
    services.contact_record(
        actor=org.grid_member, kind=ContactKind.TALK, date=TODAY, people=[org.paired_person]
    )
    client = client_for(org.secretary_a)
    first = client.get(reverse("care_coverage"))
    [page] = first.context["pages"]
    assert (page.total.unit, page.total.people, page.total.contacted) == (org.branch_a, 4, 1)
    assert [r.unit.name for r in page.rows] == ["运维部", "运行一班"] and first.context["has_next"]
    second = client.get(reverse("care_coverage") + "?page=2")
    [page] = second.context["pages"]
    assert [(r.unit.name, r.people, r.contacted) for r in page.rows] == [("运行二班", 1, 1)]
    assert not second.context["has_next"] and "上一页" in second.content.decode()
    assert client.get(reverse("care_coverage") + "?page=x").status_code == 200


def test_people_not_contacted_for_the_window_are_listed_per_unit(org: Org) -> None:
    services.contact_record(
        actor=org.grid_member, kind=ContactKind.TALK, date=TODAY, people=[org.paired_person]
    )
    url = reverse("care_uncontacted", args=[org.branch_a.pk])
    page = client_for(org.secretary_a).get(url)
    names = [p.name for p in page.context["people"]]
    assert "王芳" not in names and "张伟" in names and "从未联系" in page.content.decode()
    assert client_for(org.secretary_b).get(url).status_code == 404
    assert client_for(org.employee).get(url).status_code == 404
    assert client_for(org.secretary_a).post(url).status_code == 405
    listed = client_for(org.secretary_a).get(reverse("care_coverage")).content.decode()
    assert url in listed
