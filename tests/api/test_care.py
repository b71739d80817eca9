"""The care API: recording a talk (and what bad input saves), due items by scope, "my people" with last
contacts; summaries never appear, out of scope is 404, and list queries do not grow with the rows."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lianxin.api.models import ApiToken
from lianxin.appeals.models import Appeal
from lianxin.care import services
from lianxin.care.codes import ContactKind, EventSource
from lianxin.care.models import ContactPerson, ContactRecord, DueItem
from lianxin.org.models import Pairing
from tests.factories import Org, make_person

TODAY = timezone.localdate()


class Api:
    def __init__(self, user: Any = None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            _, raw = ApiToken.issue(user=user, name="test")
            self.headers["Authorization"] = f"Bearer {raw}"

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            f"/api/v1{path}", json.dumps(body), content_type="application/json", headers=self.headers
        )


def talk(org: Org, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": ContactKind.TALK,
        "date": TODAY.isoformat(),
        "people": [org.paired_person.pk],
        "place": "班组休息室",
        "topic": "家庭近况",
        "summary": "母亲住院，夜班难以兼顾，希望调班",
    }
    body.update(overrides)
    return body


def raise_event(org: Org, kind: str = "job_change", person: Any = None) -> DueItem:
    event = services.life_event_raise(
        person=person or org.paired_person, kind=kind, date=TODAY, source=EventSource.ROSTER
    )
    return DueItem.objects.get(event=event)


@pytest.fixture(autouse=True)
def paired_long_ago(org: Org) -> None:
    Pairing.objects.update(start_date=TODAY - dt.timedelta(days=400))


# --- record a talk or visit ---------------------------------------------------------------------------


def test_a_grid_member_records_a_talk_that_fulfils_the_due_item(org: Org) -> None:
    item = raise_event(org)
    response = Api(org.grid_member).post(
        "/care/contacts", talk(org, next_due=(TODAY + dt.timedelta(days=30)).isoformat())
    )
    assert response.status_code == 201, response.content
    body = response.json()
    record = ContactRecord.objects.get(pk=body["id"])
    assert record.conducted_by == org.grid_member and record.summary.startswith("母亲住院")
    assert body["people"] == [{"id": org.paired_person.pk, "name": "王芳"}]
    assert body["fulfilled"] == [item.pk] and body["kind_label"] == "谈心谈话"
    item.refresh_from_db()
    assert item.done_at is not None and item.fulfilled_by == record
    # The restricted text is stored but never echoed back.
    assert "summary" not in body and "topic" not in body and "母亲" not in response.content.decode()


def test_a_follow_up_appeal_is_raised_on_the_persons_behalf(org: Org) -> None:
    response = Api(org.grid_member).post("/care/contacts", talk(org, follow_up_appeal="希望调整夜班排班"))
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get(number=response.json()["follow_up_appeal"])
    assert appeal.submitter == org.paired_person and appeal.entered_by == org.grid_member


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"date": (TODAY + dt.timedelta(days=1)).isoformat()}, 422, "date"),
        ({"people": []}, 422, "people"),
        ({"kind": "telepathy"}, 422, "kind"),
        ({"next_due": (TODAY - dt.timedelta(days=2)).isoformat()}, 422, "next_due"),
        ({"people": "stranger"}, 404, None),
        ({"people": [999_999]}, 404, None),
        ({"people": "self"}, 422, "people"),
        ({"fulfils": [999_999]}, 404, None),
    ],
)
def test_bad_input_is_refused_and_saves_nothing(
    org: Org, overrides: dict[str, Any], status: int, field: str | None
) -> None:
    if overrides.get("people") == "stranger":
        overrides = {"people": [org.stranger.pk]}
    elif overrides.get("people") == "self":
        overrides = {"people": [org.grid_person.pk]}
    response = Api(org.grid_member).post("/care/contacts", talk(org, **overrides))
    assert response.status_code == status, response.content
    body = response.json()
    assert body["detail"]
    if field is not None:
        assert field in body["errors"], body
    assert ContactRecord.objects.count() == 0 and ContactPerson.objects.count() == 0


def test_a_malformed_body_is_422(org: Org) -> None:
    response = Api(org.grid_member).post("/care/contacts", {"kind": "talk", "date": "昨天", "people": [1]})
    assert response.status_code == 422 and response.json()["detail"]
    assert ContactRecord.objects.count() == 0


def test_without_a_token_nothing_is_recorded(org: Org) -> None:
    response = Api().post("/care/contacts", talk(org))
    assert response.status_code == 401 and ContactRecord.objects.count() == 0


def test_wrong_methods_are_405(org: Org) -> None:
    api = Api(org.grid_member)
    assert api.get("/care/contacts").status_code == 405
    assert api.post("/care/due-items", {}).status_code == 405
    assert api.post("/care/my-people", {}).status_code == 405


# --- due items ----------------------------------------------------------------------------------------


def test_due_items_mine_are_those_i_answer_for(org: Org) -> None:
    mine = raise_event(org)  # the paired contact (the grid member) answers
    raise_event(org, kind="discipline")  # the branch secretary answers
    response = Api(org.grid_member).get("/care/due-items")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [i["id"] for i in body["items"]] == [mine.pk] and body["count"] == 1
    row = body["items"][0]
    assert row["person"]["name"] == "王芳" and row["event_kind"] == "job_change"
    assert row["action"] == "talk" and row["responsible"] == "李娜" and row["overdue"] is False


def test_subtree_is_for_supervisors_and_overdue_filters(org: Org) -> None:
    fresh = raise_event(org)
    late = raise_event(org, kind="discipline")
    DueItem.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=3))
    raise_event(org, kind="job_change", person=org.stranger)  # branch B
    secretary = Api(org.secretary_a)
    body = secretary.get("/care/due-items", scope="subtree").json()
    assert {i["id"] for i in body["items"]} == {fresh.pk, late.pk}
    body = secretary.get("/care/due-items", scope="subtree", overdue="true").json()
    assert [i["id"] for i in body["items"]] == [late.pk] and body["items"][0]["overdue"] is True
    narrowed = secretary.get("/care/due-items", scope="subtree", unit=org.grid_a2.pk).json()
    assert {i["id"] for i in narrowed["items"]} == {fresh.pk, late.pk}
    assert secretary.get("/care/due-items", scope="subtree", unit=org.grid_a1.pk).json()["count"] == 0
    # A unit out of scope is the same 404 as a missing one.
    assert secretary.get("/care/due-items", scope="subtree", unit=org.branch_b.pk).status_code == 404
    assert secretary.get("/care/due-items", scope="subtree", unit=999_999).status_code == 404
    grid = Api(org.grid_member).get("/care/due-items", scope="subtree")
    assert grid.status_code == 403 and grid.json()["detail"]


@pytest.mark.parametrize(
    "params", [{"scope": "everything"}, {"overdue": "maybe"}, {"limit": 0}, {"limit": 1000}]
)
def test_bad_due_item_queries_are_422(org: Org, params: dict[str, Any]) -> None:
    response = Api(org.secretary_a).get("/care/due-items", **params)
    assert response.status_code == 422 and response.json()["detail"]


def test_due_items_take_the_same_queries_for_one_or_many(org: Org) -> None:
    api = Api(org.secretary_a)
    raise_event(org)
    api.get("/care/due-items")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        assert api.get("/care/due-items", scope="subtree").json()["count"] == 1
    for _ in range(5):
        person = make_person(org.grid_a2)
        raise_event(org, kind="discipline", person=person)
    with CaptureQueriesContext(connection) as many:
        assert api.get("/care/due-items", scope="subtree").json()["count"] == 6
    assert len(many) == len(one)


# --- my people ----------------------------------------------------------------------------------------


def test_my_people_with_their_last_contact(org: Org) -> None:
    other = make_person(org.grid_a2, "赵敏")
    Pairing.objects.create(contact=org.grid_person, person=other, start_date=TODAY - dt.timedelta(days=10))
    services.contact_record(
        actor=org.grid_member,
        kind=ContactKind.PHONE,
        date=TODAY - dt.timedelta(days=5),
        people=[org.paired_person],
        summary="电话询问孩子升学",
    )
    response = Api(org.grid_member).get("/care/my-people")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2 and body["uncontacted_days"] == 90
    never, recent = body["items"]  # the never contacted come first
    assert never["name"] == "赵敏" and never["last_contact"] is None and never["uncontacted"] is True
    assert recent["name"] == "王芳" and recent["days_since_contact"] == 5 and recent["uncontacted"] is False
    assert recent["last_contact"] == (TODAY - dt.timedelta(days=5)).isoformat()
    text = response.content.decode()
    assert "升学" not in text and "key" not in text


def test_only_grid_members_keep_a_list_of_people(org: Org) -> None:
    # As on the page: a secretary or an employee has no "my people", and is told so with the same 404.
    assert Api(org.secretary_b).get("/care/my-people").status_code == 404
    assert Api(org.employee).get("/care/my-people").status_code == 404
    assert Api(org.grid_member).get("/care/my-people").json()["count"] == 1


def test_my_people_take_the_same_queries_for_one_or_many(org: Org) -> None:
    api = Api(org.grid_member)
    api.get("/care/my-people")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        assert api.get("/care/my-people").json()["count"] == 1
    for _ in range(5):
        person = make_person(org.grid_a2)
        Pairing.objects.create(
            contact=org.grid_person, person=person, start_date=TODAY - dt.timedelta(days=3)
        )
        services.contact_record(actor=org.grid_member, kind=ContactKind.TALK, date=TODAY, people=[person])
    with CaptureQueriesContext(connection) as many:
        assert api.get("/care/my-people").json()["count"] == 6
    assert len(many) == len(one)


def test_bad_paging_is_422(org: Org) -> None:
    assert Api(org.grid_member).get("/care/my-people", offset=-1).status_code == 422
