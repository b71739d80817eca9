"""One rule for page and API: every persona gets the same decision from a page and from its API counterpart.

Appeals: who may open an appeal, which appeals a list holds, who may be made handler (assign) or new
handler (transfer), and what an anonymous appeal shows of the people around it. Care: who has a list of
paired people, and who follows due talks and visits.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lianxin.api.models import ApiToken
from lianxin.appeals import services as s
from lianxin.appeals.codes import Channel, State
from lianxin.appeals.models import Appeal
from lianxin.appeals.selectors import TABS
from lianxin.care import services as care
from lianxin.care.codes import EventSource
from lianxin.org.models import InformantKind, Pairing, Person
from tests.factories import Org, make_person, make_user

PERSONAS = (
    "employee",
    "grid_member",
    "informant",
    "secretary_a",
    "secretary_b",
    "department",
    "leader",
    "counsellor",
    "system_admin",
    "security_admin",
    "audit_admin",
)


@dataclass
class World:
    org: Org
    users: dict[str, Any]
    appeals: dict[str, Appeal]
    informant_people: list[Person]


def _accepted(appeal: Appeal, actor: Any) -> Appeal:
    return s.appeal_triage(appeal=appeal, actor=actor, category="pay", grade="yellow")


def build_world(org: Org) -> World:
    root = org.root
    # The informant has a file and is someone's pairing contact, as in the demo: three paired people.
    informant_person = make_person(org.branch_a, "赵信")
    informant_person.user = org.informant
    informant_person.save(update_fields=["user"])
    informant_people = [make_person(org.grid_a2, f"结对{n}") for n in range(3)]
    for person in informant_people:
        Pairing.objects.create(contact=informant_person, person=person)
    users = {
        "employee": org.employee,
        "grid_member": org.grid_member,
        "informant": org.informant,
        "secretary_a": org.secretary_a,
        "secretary_b": org.secretary_b,
        "department": org.department,
        "leader": org.leader,
        "counsellor": make_user("counsellor", counsellor=root),
        "system_admin": make_user("sysadmin", system_admin=root),
        "security_admin": make_user("secadmin", security_admin=root),
        "audit_admin": org.auditor,
    }
    sec_a, dept = org.secretary_a, org.department
    named = _accepted(
        s.appeal_submit(text="夜班补贴未发", channel=Channel.WEB, submitter=org.employee_person).appeal, sec_a
    )
    anon_branch = _accepted(
        s.appeal_submit(text="班组长作风粗暴", channel=Channel.WEB, anonymous=True, unit=org.branch_a).appeal,
        sec_a,
    )
    anon_company = _accepted(
        s.appeal_submit(text="厂里食堂涨价", channel=Channel.API, anonymous=True).appeal, dept
    )
    box_note = _accepted(
        s.appeal_submit(
            text="意见箱纸条：澡堂水温不稳",
            channel=Channel.BOX,
            anonymous=True,
            entered_by=org.grid_member,
            unit=org.branch_a,
        ).appeal,
        sec_a,
    )
    other_branch = _accepted(
        s.appeal_submit(text="检修工具不足", channel=Channel.WEB, submitter=org.stranger).appeal,
        org.secretary_b,
    )
    report = s.appeal_submit(
        text="班组里有人情绪低落",
        channel=Channel.INFORMANT,
        informant_kind=InformantKind.THOUGHT,
        entered_by=org.informant,
        unit=org.branch_a,
    ).appeal
    in_progress = _accepted(
        s.appeal_submit(text="宿舍漏水无人修", channel=Channel.WEB, anonymous=True, unit=org.branch_a).appeal,
        sec_a,
    )
    s.appeal_assign(appeal=in_progress, actor=sec_a, handler=org.grid_member, measure="联系后勤")
    appeals = {
        "named": named,
        "anon_branch": anon_branch,
        "anon_company": anon_company,
        "box_note": box_note,
        "other_branch": other_branch,
        "report": report,
        "in_progress": in_progress,
    }
    return World(org=org, users=users, appeals=appeals, informant_people=informant_people)


@pytest.fixture
def world(org: Org) -> World:
    return build_world(org)


class Api:
    def __init__(self, user: Any) -> None:
        _, raw = ApiToken.issue(user=user, name="parity")
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {raw}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(
            f"/api/v1{path}", json.dumps(body), content_type="application/json", headers=self.headers
        )


def page_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def options(html: str, name: str) -> set[int]:
    """The user ids a select of the handling page offers; empty when the page has no such select."""
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    return {int(v) for v in re.findall(r'value="(\d+)"', found.group(1))} if found else set()


# --- appeals: opening one, and lists ----------------------------------------------------------------


def _page_opens(client: Client, appeal: Appeal) -> bool:
    status = client.get(reverse("appeal_detail", args=[appeal.pk])).status_code
    assert status in (200, 302, 404), status
    return status != 404


def _api_opens(api: Api, appeal: Appeal) -> bool:
    status: int = api.get(f"/appeals/{appeal.pk}").status_code
    assert status in (200, 404), status
    return status == 200


@pytest.mark.parametrize("persona", PERSONAS)
def test_an_appeal_opens_on_the_page_exactly_when_it_opens_in_the_api(world: World, persona: str) -> None:
    user = world.users[persona]
    client, api = page_client(user), Api(user)
    page = {key for key, a in world.appeals.items() if _page_opens(client, a)}
    through_api = {key for key, a in world.appeals.items() if _api_opens(api, a)}
    assert page == through_api
    # The list holds exactly the appeals that open, and no page list shows one the API would not.
    listed = {item["id"] for item in api.get("/appeals", limit=100).json()["items"]}
    assert listed == {world.appeals[key].pk for key in page}
    for tab in TABS:
        response = client.get(reverse("appeal_worklist"), {"tab": tab.key})
        if response.status_code == 200:
            assert {a.pk for a in response.context["appeals"]} <= listed
    if persona in ("counsellor", "system_admin", "security_admin", "audit_admin"):
        assert page == set()


# The decisions the matrix above must reproduce, written out for the cases the findings were about.
def test_who_opens_what(world: World) -> None:
    def opens(persona: str) -> set[str]:
        api = Api(world.users[persona])
        return {key for key, a in world.appeals.items() if _api_opens(api, a)}

    branch_a = {"named", "anon_branch", "box_note", "report", "in_progress"}
    assert opens("secretary_a") == branch_a
    assert opens("secretary_b") == {"other_branch"}
    assert opens("leader") == set(world.appeals)
    assert opens("employee") == {"named"}
    assert opens("grid_member") == {"box_note", "in_progress"}  # entered it; handles it
    assert opens("informant") == {"report"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_an_anonymous_box_note_names_nobody_on_the_page_or_in_the_api(world: World, persona: str) -> None:
    note = world.appeals["box_note"]
    user = world.users[persona]
    html = page_client(user).get(reverse("appeal_detail", args=[note.pk])).content.decode()
    body = Api(user).get(f"/appeals/{note.pk}")
    if body.status_code == 404:
        return
    data = body.json()
    assert data["submitter"] == "匿名" and data.get("entered_by") is None
    submitted = [e for e in data["events"] if e["kind"] == "submitted"]
    assert [e["actor"] for e in submitted] == ["匿名"]
    # Neither the clerk's name nor their login appears anywhere in what the API returns.
    text = json.dumps(data, ensure_ascii=False)
    assert "李娜" not in text and '"grid"' not in text
    history = html[html.index('id="history-title"') :]
    assert "李娜" not in history and "匿名" in history
    assert "代录人" not in html


# --- appeals: who may be made handler ------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_page_and_the_api_offer_the_same_handler_candidates(world: World, persona: str) -> None:
    user = world.users[persona]
    client, api = page_client(user), Api(user)
    for key in ("anon_branch", "anon_company", "box_note", "named"):
        appeal = world.appeals[key]
        html = client.get(reverse("appeal_detail", args=[appeal.pk])).content.decode()
        response = api.get(f"/appeals/{appeal.pk}/handler-candidates")
        offered = options(html, "assign-handler")
        if response.status_code == 404:
            assert offered == set(), (persona, key)
        else:
            assert response.status_code == 200
            assert {c["id"] for c in response.json()} == offered, (persona, key)
            assert offered, (persona, key)


def _page_assign(client: Client, appeal: Appeal, handler: Any) -> bool:
    url = reverse("appeal_assign", args=[appeal.pk])
    response = client.post(url, {"assign-handler": handler.pk, "assign-measure": "核实情况"})
    assert response.status_code in (302, 400), response.status_code
    return response.status_code == 302


def _api_assign(api: Api, appeal: Appeal, handler: Any) -> bool:
    response = api.post(f"/appeals/{appeal.pk}/assign", {"handler": handler.pk, "measure": "核实情况"})
    status: int = response.status_code
    assert status in (200, 422), response.content
    return status == 200


@pytest.mark.parametrize("target", PERSONAS)
@pytest.mark.parametrize(
    ("appeal_key", "actor"), [("anon_branch", "secretary_a"), ("anon_company", "department")]
)
def test_assigning_accepts_the_same_handlers_on_the_page_and_in_the_api(
    world: World, appeal_key: str, actor: str, target: str
) -> None:
    appeal, handler = world.appeals[appeal_key], world.users[target]
    client, api = page_client(world.users[actor]), Api(world.users[actor])
    offered = handler.pk in options(
        client.get(reverse("appeal_detail", args=[appeal.pk])).content.decode(), "assign-handler"
    )
    by_page = _page_assign(client, appeal, handler)
    by_api = _api_assign(api, appeal, handler)
    assert by_page == by_api == offered
    appeal.refresh_from_db()
    assert (appeal.handler_id == handler.pk) == offered
    # Who handles an appeal reads it: staff only, never an administrator, the counsellor or an informant;
    # another branch's secretary only when the appeal is at company level, where every branch is below it.
    outsiders = {"employee", "informant", "counsellor", "system_admin", "security_admin", "audit_admin"}
    if appeal_key == "anon_branch":
        outsiders.add("secretary_b")
    if target in outsiders:
        assert not offered and not _api_opens(Api(handler), appeal)
    else:
        assert offered


@pytest.mark.parametrize("target", PERSONAS)
def test_transferring_accepts_the_same_new_handlers_on_the_page_and_in_the_api(
    world: World, target: str
) -> None:
    appeal, handler = world.appeals["in_progress"], world.users[target]
    client, api = page_client(world.org.secretary_a), Api(world.org.secretary_a)
    html = client.get(reverse("appeal_detail", args=[appeal.pk])).content.decode()
    offered = handler.pk in options(html, "transfer-handler")
    page = client.post(
        reverse("appeal_transfer", args=[appeal.pk]),
        {"transfer-handler": handler.pk, "transfer-reason": "人手调整"},
    )
    by_api = api.post(f"/appeals/{appeal.pk}/transfer", {"handler": handler.pk, "reason": "人手调整"})
    assert page.status_code in (302, 400) and by_api.status_code in (200, 422)
    assert (page.status_code == 302) == (by_api.status_code == 200) == offered
    appeal.refresh_from_db()
    assert appeal.state == State.IN_PROGRESS
    assert (appeal.handler_id == handler.pk) == (offered or target == "grid_member")


@pytest.mark.parametrize(
    "target", ["secretary_b", "counsellor", "system_admin", "security_admin", "audit_admin"]
)
def test_the_service_refuses_a_handler_from_outside_whoever_calls_it(world: World, target: str) -> None:
    appeal = world.appeals["anon_branch"]
    with pytest.raises(ValidationError) as refused:
        s.appeal_assign(
            appeal=appeal, actor=world.org.secretary_a, handler=world.users[target], measure="核实"
        )
    assert "handler" in refused.value.message_dict
    with pytest.raises(ValidationError):
        s.appeal_assign(
            appeal=appeal,
            actor=world.org.secretary_a,
            handler=world.org.grid_member,
            measure="核实",
            co_handlers=[world.users[target]],
        )
    with pytest.raises(ValidationError):
        s.appeal_transfer(
            appeal=world.appeals["in_progress"],
            actor=world.org.secretary_a,
            handler=world.users[target],
            reason="x",
        )
    appeal.refresh_from_db()
    assert appeal.handler_id is None and not appeal.co_handlers.exists()
    assert _api_opens(Api(world.users[target]), appeal) is False


# --- care: my people and due items --------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_my_people_is_the_same_answer_on_the_page_and_in_the_api(world: World, persona: str) -> None:
    user = world.users[persona]
    page = page_client(user).get(reverse("my_people"))
    response = Api(user).get("/care/my-people")
    assert page.status_code in (200, 404) and response.status_code in (200, 404)
    assert page.status_code == response.status_code, persona
    if page.status_code == 200:
        assert sorted(p.name for p in page.context["people"]) == sorted(
            i["name"] for i in response.json()["items"]
        )
    else:
        assert response.json() == {"detail": "未找到"}
    if persona == "informant":
        # The finding: the informant, someone's pairing contact, read three names through the API.
        assert response.status_code == 404
        for person in world.informant_people:
            assert person.name not in response.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_due_items_are_the_same_answer_on_the_page_and_in_the_api(world: World, persona: str) -> None:
    # A life event of a person the informant is paired with makes the informant its responsible contact.
    item = care.life_event_raise(
        person=world.informant_people[0],
        kind="job_change",
        date=timezone.localdate(),
        source=EventSource.STAFF,
        actor=world.org.secretary_a,
    ).due_item
    assert item.responsible_id == world.org.informant.pk
    user = world.users[persona]
    page = page_client(user).get(reverse("due_items"))
    response = Api(user).get("/care/due-items")
    assert page.status_code == response.status_code, persona
    if page.status_code == 200:
        assert {d.pk for d in page.context["mine"]} == {i["id"] for i in response.json()["items"]}
    else:
        assert persona not in ("grid_member", "secretary_a", "secretary_b", "department", "leader")
        assert str(item.person.name) not in response.content.decode()
