"""The appeals API: submit (named, anonymous, on behalf), scope, detail and events, handling, receipts."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lianxin.api.models import ApiToken
from lianxin.appeals import services as s
from lianxin.appeals.codes import Channel, EventKind, State
from lianxin.appeals.models import Appeal, AppealEvent, IdempotencyKey
from lianxin.appeals.receipts import split, verify
from tests.factories import Org


class Api:
    """A JSON client with a bearer token (or none)."""

    def __init__(self, user: Any = None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            _, raw = ApiToken.issue(user=user, name="test")
            self.headers["Authorization"] = f"Bearer {raw}"

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.post(
            f"/api/v1{path}",
            json.dumps(body or {}),
            content_type="application/json",
            headers={**self.headers, **headers},
        )

    def call(self, method: str, path: str) -> Any:
        return getattr(self.client, method)(f"/api/v1{path}", headers=self.headers)


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    cache.clear()


def named(org: Org, text: str = "班组休息室空调坏了") -> Appeal:
    return s.appeal_submit(text=text, channel=Channel.WEB, submitter=org.employee_person).appeal


def accepted(org: Org, text: str = "夜班补贴未发") -> Appeal:
    appeal = named(org, text)
    return s.appeal_triage(appeal=appeal, actor=org.secretary_a, category="pay", grade="yellow")


# --- submit --------------------------------------------------------------------------------------


def test_named_submission_is_the_callers_own_appeal(org: Org) -> None:
    response = Api(org.employee).post("/appeals", {"text": "  食堂晚班没有热饭  "})
    assert response.status_code == 201, response.content
    body = response.json()
    appeal = Appeal.objects.get(pk=body["id"])
    assert appeal.submitter == org.employee_person and appeal.entered_by is None
    assert appeal.channel == Channel.API and appeal.text == "食堂晚班没有热饭"
    assert body["submitter"] == "张伟" and body["receipt"] is None and body["state"] == State.RECEIVED


def test_anonymous_submission_stores_no_person_and_returns_the_receipt_once(org: Org) -> None:
    api = Api(org.employee)
    response = api.post("/appeals", {"text": "领导作风粗暴", "anonymous": True, "idempotency_key": "anon-1"})
    assert response.status_code == 201
    body = response.json()
    appeal = Appeal.objects.get(pk=body["id"])
    assert appeal.is_anonymous and appeal.submitter is None and appeal.entered_by is None
    assert appeal.events.get().actor is None
    assert body["submitter"] == "匿名"
    parts = split(body["receipt"])
    assert parts is not None and verify(appeal.receipt_hash, parts[1])
    assert parts[1] not in appeal.receipt_hash
    assert "anon-1" not in IdempotencyKey.objects.get(appeal=appeal).digest
    # The anonymous appeal is not on the submitter's own list; a repeat does not show the receipt again.
    assert api.get("/appeals").json()["count"] == 0
    again = api.post("/appeals", {"text": "领导作风粗暴", "anonymous": True, "idempotency_key": "anon-1"})
    assert again.status_code == 200 and again.json()["receipt"] is None
    assert Appeal.objects.count() == 1


def test_staff_enter_a_talk_on_behalf_of_someone_in_their_scope(org: Org) -> None:
    body = {"text": "家里老人住院需要请假", "on_behalf_of": org.paired_person.employee_no, "channel": "talk"}
    response = Api(org.grid_member).post("/appeals", body)
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get()
    assert (appeal.submitter, appeal.entered_by, appeal.channel) == (
        org.paired_person,
        org.grid_member,
        Channel.TALK,
    )
    assert appeal.events.get().actor == org.grid_member


def test_on_behalf_defaults_to_the_api_channel_and_anonymous_box_notes_keep_the_clerk(org: Org) -> None:
    api = Api(org.secretary_a)
    first = api.post("/appeals", {"text": "代录内容", "on_behalf_of": org.employee_person.employee_no})
    assert first.status_code == 201 and first.json()["channel"] == Channel.API
    box = api.post("/appeals", {"text": "意见箱纸条：澡堂水温不稳", "anonymous": True, "channel": "box"})
    assert box.status_code == 201
    note = Appeal.objects.get(pk=box.json()["id"])
    assert note.submitter is None and note.entered_by == org.secretary_a and note.channel == Channel.BOX


def test_on_behalf_out_of_scope_or_without_the_right_saves_nothing(org: Org) -> None:
    outside = Api(org.grid_member).post("/appeals", {"text": "x", "on_behalf_of": org.stranger.employee_no})
    assert outside.status_code == 404 and outside.json() == {"detail": "未找到"}
    missing = Api(org.grid_member).post("/appeals", {"text": "x", "on_behalf_of": "NO-SUCH"})
    assert missing.status_code == 404
    plain = Api(org.employee).post("/appeals", {"text": "x", "on_behalf_of": org.grid_person.employee_no})
    assert plain.status_code == 403 and "代录" in plain.json()["detail"]
    box = Api(org.employee).post("/appeals", {"text": "x", "channel": "box", "anonymous": True})
    assert box.status_code == 403
    assert Appeal.objects.count() == 0


def test_informants_submit_under_their_kind_and_others_cannot(org: Org) -> None:
    assert Api(org.employee).post("/appeals", {"text": "x", "channel": "informant"}).status_code == 403
    body = {"text": "班组情绪波动", "channel": "informant", "anonymous": True}
    response = Api(org.informant).post("/appeals", body)
    assert response.status_code == 201
    assert Appeal.objects.get().informant_kind == "thought"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   \n\t "}, "text"),
        ({"text": "字" * 5001}, "text"),
        ({"text": "x", "channel": "fax"}, "channel"),
        ({"text": "x", "channel": "web"}, "channel"),
        ({"text": "x", "channel": "wecom"}, "channel"),
        ({"text": "x", "idempotency_key": "k" * 65}, "idempotency_key"),
        ({"anonymous": True}, "text"),
    ],
)
def test_bad_submissions_get_422_and_save_nothing(org: Org, body: dict[str, Any], field: str) -> None:
    response = Api(org.secretary_a).post("/appeals", body)
    assert response.status_code == 422
    assert field in json.dumps(response.json(), ensure_ascii=False)
    assert Appeal.objects.count() == 0 and AppealEvent.objects.count() == 0


def test_text_errors_are_clear_in_chinese(org: Org) -> None:
    empty = Api(org.employee).post("/appeals", {"text": "  "}).json()
    assert empty["detail"] == "内容不能为空。" and empty["errors"] == {"text": ["内容不能为空。"]}
    long = Api(org.employee).post("/appeals", {"text": "字" * 5001}).json()
    assert "5000" in long["detail"]
    staff = Api(org.secretary_a).post("/appeals", {"text": "x", "channel": "hotline"}).json()
    assert "on_behalf_of" in staff["errors"]


def test_account_without_a_person_must_submit_anonymously(org: Org) -> None:
    response = Api(org.department).post("/appeals", {"text": "建议"})
    assert response.status_code == 422 and "anonymous" in response.json()["errors"]
    assert Appeal.objects.count() == 0


def test_idempotency_key_in_body_or_header_makes_one_appeal_per_caller(org: Org) -> None:
    api = Api(org.employee)
    first = api.post("/appeals", {"text": "建议增设班车"}, **{"Idempotency-Key": "key-1"})
    second = api.post("/appeals", {"text": "建议增设班车", "idempotency_key": "key-1"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Appeal.objects.count() == 1
    other = Api(org.grid_member).post("/appeals", {"text": "别人的诉求"}, **{"Idempotency-Key": "key-1"})
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    reused = api.post("/appeals", {"text": "完全不同的内容", "idempotency_key": "key-1"})
    assert reused.status_code == 422
    clash = api.post("/appeals", {"text": "建议增设班车", "idempotency_key": "a"}, **{"Idempotency-Key": "b"})
    assert clash.status_code == 422
    assert Appeal.objects.count() == 2


def test_submit_needs_a_token_and_the_collection_refuses_other_methods(org: Org) -> None:
    assert Api().post("/appeals", {"text": "x"}).status_code == 401
    assert Api(org.employee).call("put", "/appeals").status_code == 405
    assert Api(org.employee).call("delete", "/appeals").status_code == 405
    assert Appeal.objects.count() == 0


# --- list ------------------------------------------------------------------------------------------


def test_list_is_scoped(org: Org) -> None:
    mine = named(org)
    theirs = s.appeal_submit(text="检修工具不足", channel=Channel.WEB, submitter=org.stranger).appeal

    def ids(user: Any) -> set[int]:
        return {a["id"] for a in Api(user).get("/appeals").json()["items"]}

    assert ids(org.employee) == {mine.pk}
    assert ids(org.secretary_a) == {mine.pk}
    assert ids(org.secretary_b) == {theirs.pk}
    assert ids(org.leader) == {mine.pk, theirs.pk}
    assert ids(org.auditor) == set()


def test_list_filters_and_pagination(org: Org) -> None:
    pay = accepted(org)
    plain = named(org, "宿舍热水不足")
    late = accepted(org, "安全帽破损")
    s.appeal_assign(
        appeal=late,
        actor=org.secretary_a,
        handler=org.grid_member,
        measure="更换",
        deadline=timezone.now() + dt.timedelta(hours=1),
    )
    api = Api(org.leader)

    def ids(**query: Any) -> list[int]:
        return [a["id"] for a in api.get("/appeals", **query).json()["items"]]

    assert ids(state="received") == [plain.pk]
    assert set(ids(grade="yellow")) == {pay.pk, late.pk}
    assert set(ids(category="pay")) == {pay.pk, late.pk}
    assert len(ids(unit=org.branch_a.pk)) == 3 and ids(unit=org.branch_b.pk) == []
    assert ids(overdue="true") == []
    Appeal.objects.filter(pk=late.pk).update(closure_due=timezone.now() - dt.timedelta(hours=1))
    assert ids(overdue="true") == [late.pk]
    page = api.get("/appeals", limit=2).json()
    assert page["count"] == 3 and page["next"] == 2 and len(page["items"]) == 2
    assert api.get("/appeals", limit=2, offset=2).json()["next"] is None


def test_list_bad_filters(org: Org) -> None:
    api = Api(org.secretary_a)
    assert api.get("/appeals", state="lost").status_code == 422
    assert "未知的状态" in json.dumps(api.get("/appeals", state="lost").json(), ensure_ascii=False)
    assert api.get("/appeals", grade="purple").status_code == 422
    assert api.get("/appeals", category="nonsense").status_code == 422
    assert api.get("/appeals", limit=0).status_code == 422
    assert api.get("/appeals", unit=org.branch_b.pk).status_code == 404
    assert api.get("/appeals", unit=999999).status_code == 404
    assert Api().get("/appeals").status_code == 401


def test_list_query_count_does_not_grow_with_appeals(org: Org) -> None:
    api = Api(org.leader)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert api.get("/appeals").status_code == 200
        return len(ctx.captured_queries)

    api.get("/appeals")  # the token's last-used time is written on the first call only
    accepted(org)
    s.appeal_assign(appeal=accepted(org, "b"), actor=org.secretary_a, handler=org.grid_member, measure="m")
    few = count_queries()
    for i in range(10):
        appeal = accepted(org, f"诉求 {i}")
        s.appeal_assign(appeal=appeal, actor=org.secretary_a, handler=org.secretary_a, measure="m")
        s.appeal_submit(text=f"匿名 {i}", channel=Channel.WEB, anonymous=True)
    assert count_queries() == few


# --- detail and events -----------------------------------------------------------------------------


def test_submitter_sees_public_events_only_and_staff_see_the_internal_note(org: Org) -> None:
    appeal = accepted(org)
    s.appeal_note(appeal=appeal, actor=org.secretary_a, text="内部：此人情绪较大，注意方式")
    s.appeal_progress(appeal=appeal, actor=org.secretary_a, text="已与财务核对", public=True)
    own = Api(org.employee).get(f"/appeals/{appeal.pk}").json()
    assert "内部" not in json.dumps(own, ensure_ascii=False)
    assert [e["kind"] for e in own["events"]] == [EventKind.SUBMITTED, EventKind.FOLLOWED_UP]
    assert all(e["data"] is None for e in own["events"]) and "level" not in own
    events = Api(org.employee).get(f"/appeals/{appeal.pk}/events").json()
    assert EventKind.NOTE not in {e["kind"] for e in events}
    staff = Api(org.secretary_a).get(f"/appeals/{appeal.pk}").json()
    assert EventKind.NOTE in {e["kind"] for e in staff["events"]} and staff["level"] == 0
    assert EventKind.NOTE in {e["kind"] for e in Api(org.leader).get(f"/appeals/{appeal.pk}/events").json()}


def test_detail_out_of_scope_and_missing_are_the_same_404(org: Org) -> None:
    appeal = named(org)
    for user in (org.secretary_b, org.auditor, org.informant, org.grid_member):
        api = Api(user)
        for path in (f"/appeals/{appeal.pk}", f"/appeals/{appeal.pk}/events"):
            response = api.get(path)
            assert response.status_code == 404 and response.json() == {"detail": "未找到"}
    assert Api(org.leader).get("/appeals/999999").json() == {"detail": "未找到"}
    assert Api(org.leader).call("delete", f"/appeals/{appeal.pk}").status_code == 405
    assert Api(org.leader).call("post", f"/appeals/{appeal.pk}/events").status_code == 405


def test_anonymous_appeal_shows_as_anonymous_to_staff(org: Org) -> None:
    appeal = s.appeal_submit(text="匿名反映加班过多", channel=Channel.WEB, anonymous=True).appeal
    body = Api(org.leader).get(f"/appeals/{appeal.pk}").json()
    assert body["submitter"] == "匿名" and body["entered_by"] is None
    assert Api(org.secretary_a).get(f"/appeals/{appeal.pk}").status_code == 404  # routed to company level


# --- handling ---------------------------------------------------------------------------------------


def test_reply_answers_the_appeal_and_the_submitter_sees_it(org: Org) -> None:
    appeal = accepted(org)
    response = Api(org.secretary_a).post(f"/appeals/{appeal.pk}/replies", {"text": "已补发三个月补贴"})
    assert response.status_code == 201 and response.json()["kind"] == EventKind.REPLIED
    appeal.refresh_from_db()
    assert appeal.state == State.ANSWERED
    own = Api(org.employee).get(f"/appeals/{appeal.pk}").json()
    assert own["state"] == State.ANSWERED and "已补发三个月补贴" in [e["text"] for e in own["events"]]


def test_reply_refusals(org: Org) -> None:
    fresh = named(org)
    api = Api(org.secretary_a)
    refused = api.post(f"/appeals/{fresh.pk}/replies", {"text": "答复"})
    assert refused.status_code == 409 and "当前状态" in refused.json()["detail"]
    appeal = accepted(org)
    assert api.post(f"/appeals/{appeal.pk}/replies", {"text": "   "}).status_code == 422
    assert api.post(f"/appeals/{appeal.pk}/replies", {}).status_code == 422
    assert Api(org.employee).post(f"/appeals/{appeal.pk}/replies", {"text": "自问自答"}).status_code == 404
    assert Api(org.secretary_b).post(f"/appeals/{appeal.pk}/replies", {"text": "越权"}).status_code == 404
    assert Api(org.secretary_a).call("get", f"/appeals/{appeal.pk}/replies").status_code == 405
    assert Api().post(f"/appeals/{appeal.pk}/replies", {"text": "x"}).status_code == 401
    assert not AppealEvent.objects.filter(kind=EventKind.REPLIED).exists()


def test_triage_assign_progress_and_notes(org: Org) -> None:
    appeal = named(org)
    api = Api(org.secretary_a)
    assert api.post(f"/appeals/{appeal.pk}/triage", {"category": "pay", "grade": "purple"}).status_code == 422
    unknown = api.post(f"/appeals/{appeal.pk}/triage", {"category": "nonsense", "grade": "blue"})
    assert unknown.status_code == 422 and "category" in unknown.json()["errors"]
    triaged = api.post(f"/appeals/{appeal.pk}/triage", {"category": "pay", "grade": "yellow"})
    assert triaged.status_code == 200 and triaged.json()["state"] == State.ACCEPTED

    past = (timezone.now() - dt.timedelta(days=1)).isoformat()
    late = api.post(f"/appeals/{appeal.pk}/assign", {"handler": "grid", "measure": "核对", "deadline": past})
    assert late.status_code == 422 and "deadline" in late.json()["errors"]
    nobody = api.post(f"/appeals/{appeal.pk}/assign", {"handler": "no-such-user", "measure": "核对"})
    assert nobody.status_code == 422 and "handler" in nobody.json()["errors"]
    appeal.refresh_from_db()
    assert appeal.handler is None and appeal.state == State.ACCEPTED

    soon = (timezone.now() + dt.timedelta(days=3)).isoformat()
    done = api.post(
        f"/appeals/{appeal.pk}/assign",
        {"handler": org.grid_member.pk, "measure": "核对考勤", "deadline": soon, "co_handlers": ["leader"]},
    )
    assert done.status_code == 200 and done.json()["handler"] == "李娜"
    grid = Api(org.grid_member)
    assert grid.post(f"/appeals/{appeal.pk}/progress", {"text": "已联系财务"}).status_code == 201
    assert grid.post(f"/appeals/{appeal.pk}/notes", {"text": "内部：财务说下周"}).status_code == 201
    assert grid.post(f"/appeals/{appeal.pk}/notes", {"text": ""}).status_code == 422
    # The submitter reads only what is meant for them.
    own = Api(org.employee).get(f"/appeals/{appeal.pk}/events").json()
    assert "内部：财务说下周" not in [e["text"] for e in own]
    assert Api(org.secretary_b).post(f"/appeals/{appeal.pk}/notes", {"text": "x"}).status_code == 404


# --- receipts ----------------------------------------------------------------------------------------


def _anonymous_with_receipt(org: Org) -> tuple[Appeal, str]:
    submitted = s.appeal_submit(text="匿名：班组长克扣加班费", channel=Channel.WEB, anonymous=True)
    assert submitted.receipt is not None
    return submitted.appeal, submitted.receipt


def test_receipt_status_shows_public_progress_without_a_token(org: Org) -> None:
    appeal, code = _anonymous_with_receipt(org)
    s.appeal_triage(appeal=appeal, actor=org.leader, category="pay", grade="yellow")
    s.appeal_note(appeal=appeal, actor=org.leader, text="内部：涉及班组长")
    s.appeal_reply(appeal=appeal, actor=org.leader, text="已责令补发")
    response = Api().post("/receipts/status", {"code": code.lower()})
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == appeal.number and body["can_rate"] is True
    assert [e["text"] for e in body["events"] if e["kind"] == EventKind.REPLIED] == ["已责令补发"]
    assert "内部" not in json.dumps(body, ensure_ascii=False)


def test_receipt_rating_and_its_refusals(org: Org) -> None:
    appeal, code = _anonymous_with_receipt(org)
    api = Api()
    early = api.post("/receipts/rate", {"code": code, "rating": "satisfied"})
    assert early.status_code == 409 and early.json()["detail"]
    s.appeal_triage(appeal=appeal, actor=org.leader, category="pay", grade="yellow")
    s.appeal_reply(appeal=appeal, actor=org.leader, text="已补发")
    assert api.post("/receipts/rate", {"code": code, "rating": "great"}).status_code == 422
    rated = api.post("/receipts/rate", {"code": code, "rating": "satisfied", "comment": "谢谢"})
    assert rated.status_code == 200 and rated.json()["state"] == State.RATED
    appeal.refresh_from_db()
    assert appeal.rating == "satisfied" and appeal.submitter is None


def test_wrong_receipts_are_404_and_the_code_never_goes_in_the_url(org: Org) -> None:
    appeal, code = _anonymous_with_receipt(org)
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    for bad in (wrong, "garbage", "", appeal.receipt_lookup or ""):
        response = Api().post("/receipts/status", {"code": bad})
        assert response.status_code == 404 and response.json() == {"detail": "未找到"}
    assert Api().post("/receipts/rate", {"code": wrong, "rating": "satisfied"}).status_code == 404
    assert Api().call("get", "/receipts/status").status_code == 405
    assert Api().client.get(f"/api/v1/receipts/status?code={code}").status_code == 405
    appeal.refresh_from_db()
    assert appeal.rating == ""


def test_receipt_guessing_is_rate_limited_per_address_together_with_the_web_form(org: Org) -> None:
    _, code = _anonymous_with_receipt(org)
    api = Api()
    # Correct codes are never counted against the client.
    assert {api.post("/receipts/status", {"code": code}).status_code for _ in range(12)} == {200}
    for i in range(5):
        refused = Client().post(reverse("receipt_lookup"), {"code": "A" * 23 + "BCDEF"[i]})
        assert refused.status_code == 403
    statuses = [api.post("/receipts/status", {"code": f"WRONG-{i}"}).status_code for i in range(5)]
    assert set(statuses) == {404}
    blocked = api.post("/receipts/status", {"code": code})
    assert blocked.status_code == 429 and blocked.json()["detail"] and blocked["Retry-After"]
    assert api.post("/receipts/rate", {"code": code, "rating": "satisfied"}).status_code == 429
    other = Client(REMOTE_ADDR="10.0.0.2").post(
        "/api/v1/receipts/status", json.dumps({"code": code}), content_type="application/json"
    )
    assert other.status_code == 200
    assert not any("127.0.0.1" in str(k) for k in cache._cache)  # type: ignore[attr-defined]
