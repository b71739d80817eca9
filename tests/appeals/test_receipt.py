"""Following an appeal: by receipt code (anonymous) and under "my appeals" (named)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from lianxin.appeals import services as s
from lianxin.appeals.codes import Channel, Level, State
from lianxin.appeals.models import Appeal
from lianxin.guard.models import Counter
from tests.appeals.test_intake_support import public_submit, receipt_in
from tests.factories import Org

NOTE = "内部备注：此人曾多次反映，注意方式方法"
REPLY = "已协调食堂更换供应商，下周起改善"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def submitted(client: Client) -> tuple[Appeal, str]:
    response = public_submit(client)
    code = receipt_in(response)
    assert code is not None
    return Appeal.objects.get(), code


def answer(org: Org, appeal: Appeal) -> None:
    s.appeal_triage(appeal=appeal, actor=org.department, category="conditions", grade="yellow")
    s.appeal_assign(appeal=appeal, actor=org.department, handler=org.secretary_a, measure="协调食堂")
    s.appeal_note(appeal=appeal, actor=org.department, text=NOTE)
    s.appeal_progress(appeal=appeal, actor=org.secretary_a, text="已约谈食堂负责人")
    s.appeal_reply(appeal=appeal, actor=org.secretary_a, text=REPLY)


def follow(client: Client, code: str, **extra: Any) -> Any:
    return client.post(reverse("receipt_lookup"), {"code": code}, **extra)


def test_receipt_is_shown_once_and_only_its_hash_is_stored(org: Org) -> None:
    client = Client()
    appeal, code = submitted(client)
    lookup, secret = code.replace("-", "")[:8], code.replace("-", "")[8:]
    assert appeal.receipt_lookup == lookup
    assert secret not in appeal.receipt_hash and appeal.receipt_hash.startswith("$argon2")
    # Nothing that could be fetched again carries it: the form, the lookup page, the result of a new GET.
    for url in (reverse("appeal_public_new"), reverse("receipt_lookup")):
        assert code not in client.get(url).content.decode()
    assert not any(code in str(v) for v in Appeal.objects.values_list(flat=False).get())


def test_follow_up_shows_state_and_public_events_never_internal_notes(org: Org) -> None:
    client = Client()
    appeal, code = submitted(client)
    answer(org, appeal)
    response = follow(client, code.lower().replace("-", ""))  # case and dashes do not matter
    page = response.content.decode()
    assert response.status_code == 200
    assert appeal.number in page and "已答复" in page
    assert REPLY in page and "已约谈食堂负责人" in page
    assert NOTE not in page
    assert "no-store" in response["Cache-Control"]


def test_add_information_with_the_receipt(org: Org) -> None:
    client = Client()
    appeal, code = submitted(client)
    response = client.post(reverse("receipt_add_info"), {"code": code, "text": "补充：晚餐尤其差"})
    assert response.status_code == 200 and "补充信息已提交" in response.content.decode()
    event = appeal.events.get(kind="info_added")
    assert event.text == "补充：晚餐尤其差" and event.public and event.actor is None
    response = client.post(reverse("receipt_add_info"), {"code": code, "text": "  "})
    assert response.status_code == 400 and "内容不能为空" in response.content.decode()
    assert appeal.events.filter(kind="info_added").count() == 1


def test_dissatisfied_rating_through_the_receipt_reopens_one_level_up(org: Org) -> None:
    client = Client()
    appeal, code = submitted(client)
    before = follow(client, code).content.decode()
    assert "对答复进行评价" not in before  # not answered yet
    answer(org, appeal)
    assert "对答复进行评价" in follow(client, code).content.decode()
    response = client.post(
        reverse("receipt_rate"), {"code": code, "rating": "dissatisfied", "comment": "没变化"}
    )
    assert response.status_code == 200
    appeal.refresh_from_db()
    assert (
        appeal.state == State.IN_PROGRESS
        and appeal.level == Level.SECRETARY
        and appeal.rating == "dissatisfied"
    )


def test_satisfied_rating_and_an_unknown_rating(org: Org) -> None:
    client = Client()
    appeal, code = submitted(client)
    answer(org, appeal)
    bad = client.post(reverse("receipt_rate"), {"code": code, "rating": "superb"})
    assert bad.status_code == 400 and "请选择满意度" in bad.content.decode()
    client.post(reverse("receipt_rate"), {"code": code, "rating": "satisfied"})
    appeal.refresh_from_db()
    assert appeal.state == State.RATED


def test_withdraw_while_open_and_not_after(org: Org) -> None:
    client = Client()
    appeal, code = submitted(client)
    response = client.post(reverse("receipt_withdraw"), {"code": code, "reason": "已自行解决"})
    assert response.status_code == 200 and "诉求已撤回" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.state == State.WITHDRAWN
    again = client.post(reverse("receipt_withdraw"), {"code": code})
    assert again.status_code == 400 and "不能执行此操作" in again.content.decode()


def test_a_wrong_code_gets_a_clear_message_and_acts_on_nothing(org: Org) -> None:
    client = Client()
    appeal, code = submitted(client)
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")  # right lookup, wrong secret
    for bad in (wrong, "ABCD-EFGH", ""):
        response = follow(client, bad)
        assert response.status_code in (400, 403)
        page = response.content.decode()
        assert "回执码不正确" in page or "请输入回执码" in page
        assert appeal.number not in page
    response = client.post(reverse("receipt_withdraw"), {"code": wrong})
    assert response.status_code == 403
    appeal.refresh_from_db()
    assert appeal.state == State.RECEIVED


def test_a_named_appeal_cannot_be_followed_by_receipt(org: Org) -> None:
    named = s.appeal_submit(text="班车太挤", channel=Channel.WEB, submitter=org.employee_person).appeal
    assert named.receipt_lookup is None
    assert follow(Client(), f"{'A' * 8}{'B' * 16}").status_code == 403


def test_guessing_is_rate_limited_per_client_even_for_the_right_code(org: Org, settings: Any) -> None:
    settings.APPEAL_RECEIPT_FAILURES_PER_CLIENT = 10
    client = Client()
    appeal, code = submitted(client)
    guesser = "203.0.113.9"
    for _ in range(10):
        assert follow(client, "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA", REMOTE_ADDR=guesser).status_code == 403
    blocked = follow(client, code, REMOTE_ADDR=guesser)
    assert blocked.status_code == 403 and "尝试次数过多" in blocked.content.decode()
    # Another client is not blocked, and the counter keeps no address.
    assert follow(client, code, REMOTE_ADDR="198.51.100.20").status_code == 200
    assert Counter.objects.exists() and not Counter.objects.filter(key__contains=guesser).exists()


def test_the_global_limit_stops_a_spread_out_guesser(org: Org, settings: Any) -> None:
    settings.APPEAL_RECEIPT_FAILURES_GLOBAL = 5
    client = Client()
    _appeal, code = submitted(client)
    for n in range(5):
        follow(client, "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA", REMOTE_ADDR=f"192.0.2.{n}")
    assert "尝试次数过多" in follow(client, code, REMOTE_ADDR="192.0.2.200").content.decode()


def test_the_code_never_goes_in_a_query_string(org: Org) -> None:
    client = Client()
    _appeal, code = submitted(client)
    response = client.get(reverse("receipt_lookup"), {"code": code})
    assert response.status_code == 200 and "已接收" not in response.content.decode()
    for name in ("receipt_add_info", "receipt_rate", "receipt_withdraw"):
        assert client.get(reverse(name)).status_code == 405
    assert client.put(reverse("receipt_lookup")).status_code == 405


# --- my appeals (named) -------------------------------------------------------------------------


def named_appeal(org: Org) -> Appeal:
    return s.appeal_submit(text="夜班补贴未发", channel=Channel.WEB, submitter=org.employee_person).appeal


def test_my_appeals_lists_only_my_named_appeals(org: Org) -> None:
    mine = named_appeal(org)
    other = s.appeal_submit(text="检修工具不足", channel=Channel.WEB, submitter=org.stranger).appeal
    s.appeal_submit(text="匿名的一件", channel=Channel.WEB, anonymous=True)
    page = login(org.employee).get(reverse("my_appeals")).content.decode()
    assert mine.number in page and other.number not in page and "匿名的一件" not in page


def test_my_appeal_detail_is_for_the_submitter_only(org: Org) -> None:
    appeal = named_appeal(org)
    answer(org, appeal)
    url = reverse("my_appeal_detail", args=[appeal.pk])
    page = login(org.employee).get(url).content.decode()
    assert REPLY in page and NOTE not in page
    for user in (org.grid_member, org.secretary_b, org.secretary_a, org.auditor):
        assert login(user).get(url).status_code == 404
    assert login(org.employee).get(reverse("my_appeal_detail", args=[99999])).status_code == 404
    assert login(org.employee).post(url).status_code == 405
    assert Client().get(url).status_code == 302


def test_my_appeal_add_info_rate_and_withdraw(org: Org) -> None:
    client = login(org.employee)
    appeal = named_appeal(org)
    response = client.post(reverse("my_appeal_add_info", args=[appeal.pk]), {"text": "附上考勤表"})
    assert response.status_code == 302
    assert appeal.events.get(kind="info_added").actor == org.employee
    assert login(org.secretary_a).post(reverse("my_appeal_withdraw", args=[appeal.pk])).status_code == 404
    answer(org, appeal)
    client.post(reverse("my_appeal_rate", args=[appeal.pk]), {"rating": "dissatisfied"})
    appeal.refresh_from_db()
    assert appeal.state == State.IN_PROGRESS and appeal.reopen_count == 1
    client.post(reverse("my_appeal_withdraw", args=[appeal.pk]), {"reason": "不需要了"})
    appeal.refresh_from_db()
    assert appeal.state == State.WITHDRAWN
    bad = client.post(reverse("my_appeal_rate", args=[appeal.pk]), {"rating": "satisfied"})
    assert bad.status_code == 400 and "不能执行此操作" in bad.content.decode()
    assert client.get(reverse("my_appeal_rate", args=[appeal.pk])).status_code == 405
