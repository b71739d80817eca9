"""Intake pages: the employee's form, the public anonymous form, staff entry and informants; bad input."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from lianxin.appeals.codes import Channel, State, Track
from lianxin.appeals.models import Appeal
from lianxin.appeals.receipts import split
from tests.appeals.test_intake_support import key, public_submit, receipt_in
from tests.factories import Org


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def employee_post(client: Client, **data: Any) -> Any:
    payload = {"text": "夜班补贴三个月未发", "identity": "named", "idempotency_key": key(), **data}
    return client.post(reverse("appeal_new"), payload)


# --- the employee's form ------------------------------------------------------------------------


def test_employee_form_offers_named_and_anonymous_and_explains_them(org: Org) -> None:
    response = login(org.employee).get(reverse("appeal_new"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="named"' in page and 'value="anonymous"' in page
    assert "办理人员看不到您是谁" in page and "回执码" in page
    assert 'name="idempotency_key"' in page
    assert "no-store" in response["Cache-Control"]


def test_named_submit_records_the_person_and_links_to_my_appeal(org: Org) -> None:
    response = employee_post(login(org.employee))
    appeal = Appeal.objects.get()
    assert response.status_code == 200
    assert appeal.submitter == org.employee_person and not appeal.is_anonymous
    assert (appeal.channel, appeal.unit, appeal.track) == (Channel.WEB, org.branch_a, Track.BRANCH)
    assert appeal.number in response.content.decode()
    assert reverse("my_appeal_detail", args=[appeal.pk]) in response.content.decode()
    assert receipt_in(response) is None and appeal.receipt_hash == ""


def test_anonymous_from_an_employee_goes_to_company_level_by_default(org: Org) -> None:
    response = employee_post(login(org.employee), identity="anonymous")
    appeal = Appeal.objects.get()
    assert appeal.is_anonymous and appeal.submitter is None and appeal.entered_by is None
    assert (appeal.unit, appeal.track) == (org.root, Track.COMPANY)
    code = receipt_in(response)
    assert code is not None and split(code) is not None


def test_anonymous_routed_to_my_branch_goes_to_the_branch_not_the_team(org: Org) -> None:
    employee_post(login(org.employee), identity="anonymous", route_to_branch="on")
    appeal = Appeal.objects.get()
    assert appeal.is_anonymous and appeal.submitter is None
    assert (appeal.unit, appeal.track) == (org.branch_a, Track.BRANCH)  # not 运行一班, the small team


def test_a_user_without_a_file_can_only_be_anonymous(org: Org) -> None:
    client = login(org.department)  # no linked person
    page = client.get(reverse("appeal_new")).content.decode()
    assert 'value="named"' not in page and "只能匿名提交" in page
    response = employee_post(client, identity="named")
    assert response.status_code == 400 and not Appeal.objects.exists()
    assert "请选择实名或匿名" in response.content.decode()
    employee_post(client, identity="anonymous")
    assert Appeal.objects.get().is_anonymous


def test_employee_form_requires_login(org: Org) -> None:
    response = Client().get(reverse("appeal_new"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "内容不能为空"), ("   \n\t ", "内容不能为空"), ("字" * 5001, "不能超过 5000 个字")],
)
def test_bad_text_gets_a_clear_message_and_saves_nothing(org: Org, text: str, message: str) -> None:
    response = employee_post(login(org.employee), text=text)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Appeal.objects.exists()
    response = public_submit(Client(), text=text)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Appeal.objects.exists()


def test_exactly_5000_characters_is_accepted(org: Org) -> None:
    employee_post(login(org.employee), text="字" * 5000)
    assert len(Appeal.objects.get().text) == 5000


def test_markup_is_shown_escaped_everywhere_it_appears(org: Org) -> None:
    client = login(org.employee)
    employee_post(client, text="<script>alert(1)</script>")
    appeal = Appeal.objects.get()
    assert appeal.text == "<script>alert(1)</script>"  # stored as written
    page = client.get(reverse("my_appeal_detail", args=[appeal.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    response = employee_post(client, text="<b>x</b>" + "字" * 5000)  # redrawn in the form after an error
    assert "&lt;b&gt;x&lt;/b&gt;" in response.content.decode() and "<b>x</b>" not in response.content.decode()


def test_double_submit_with_the_same_key_makes_one_appeal(org: Org) -> None:
    client = login(org.employee)
    same = key()
    first = employee_post(client, idempotency_key=same)
    second = employee_post(client, idempotency_key=same)
    assert Appeal.objects.count() == 1
    assert first.status_code == second.status_code == 200
    assert "已经提交过了" in second.content.decode()


def test_anonymous_double_submit_shows_the_receipt_only_the_first_time(org: Org) -> None:
    client = Client()
    same = key()
    first = client.post(reverse("appeal_public_new"), {"text": "班车太挤", "idempotency_key": same})
    second = client.post(reverse("appeal_public_new"), {"text": "班车太挤", "idempotency_key": same})
    assert Appeal.objects.count() == 1
    assert receipt_in(first) is not None and receipt_in(second) is None
    assert "不能再次显示" in second.content.decode()


def test_a_missing_idempotency_key_is_refused(org: Org) -> None:
    response = login(org.employee).post(reverse("appeal_new"), {"text": "班车太挤", "identity": "named"})
    assert response.status_code == 400 and "页面已过期" in response.content.decode()
    assert not Appeal.objects.exists()


# --- the public anonymous form ------------------------------------------------------------------


def test_public_form_needs_no_login_and_returns_a_receipt(org: Org) -> None:
    client = Client()
    page = client.get(reverse("appeal_public_new"))
    assert page.status_code == 200 and 'value="named"' not in page.content.decode()
    response = public_submit(client)
    appeal = Appeal.objects.get()
    assert appeal.is_anonymous and appeal.channel == Channel.WEB and appeal.state == State.RECEIVED
    assert (appeal.unit, appeal.track) == (org.root, Track.COMPANY)
    code = receipt_in(response)
    assert code is not None and len(code.replace("-", "")) >= 16


def test_public_form_may_route_to_a_branch_but_only_a_branch(org: Org) -> None:
    client = Client()
    assert org.branch_b.name in client.get(reverse("appeal_public_new")).content.decode()
    public_submit(client, branch=str(org.branch_b.pk))
    assert Appeal.objects.get().unit == org.branch_b
    response = public_submit(client, branch=str(org.grid_a1.pk))  # a team, not a branch
    assert response.status_code == 400 and "请选择列表中的支部" in response.content.decode()
    assert Appeal.objects.count() == 1


# --- staff entry on someone's behalf --------------------------------------------------------------


def staff_post(client: Client, **data: Any) -> Any:
    payload = {"text": "意见箱：澡堂热水不足", "channel": "box", "idempotency_key": key(), **data}
    return client.post(reverse("appeal_staff_new"), payload)


@pytest.mark.parametrize("channel", ["box", "talk", "hotline", "survey", "email"])
def test_staff_entry_records_channel_person_and_who_entered_it(org: Org, channel: str) -> None:
    response = staff_post(
        login(org.secretary_a), channel=channel, employee_no=org.employee_person.employee_no
    )
    assert response.status_code == 200
    appeal = Appeal.objects.get()
    assert appeal.channel == channel and appeal.entered_by == org.secretary_a
    assert appeal.submitter == org.employee_person and appeal.unit == org.branch_a


def test_staff_entry_of_an_unsigned_note_is_anonymous_with_the_entering_staff_recorded(org: Org) -> None:
    response = staff_post(login(org.grid_member), anonymous="on")
    appeal = Appeal.objects.get()
    assert appeal.is_anonymous and appeal.submitter is None and appeal.entered_by == org.grid_member
    assert receipt_in(response) is not None


def test_staff_cannot_enter_for_someone_outside_their_scope(org: Org) -> None:
    response = staff_post(login(org.secretary_a), employee_no=org.stranger.employee_no)  # branch B
    assert response.status_code == 400 and "不在您的管辖范围内" in response.content.decode()
    response = staff_post(login(org.secretary_a), employee_no="NOPE-1")
    assert response.status_code == 400
    response = staff_post(login(org.secretary_a))  # neither a person nor anonymous
    assert response.status_code == 400 and "请填写诉求人工号" in response.content.decode()
    response = staff_post(login(org.secretary_a), channel="wecom", anonymous="on")  # not a staff channel
    assert response.status_code == 400 and "请选择列表中的渠道" in response.content.decode()
    assert not Appeal.objects.exists()


def test_staff_entry_is_404_for_employees_and_auditors(org: Org) -> None:
    for user in (org.employee, org.auditor, org.informant):
        assert login(user).get(reverse("appeal_staff_new")).status_code == 404
        assert staff_post(login(user), anonymous="on").status_code == 404
    assert not Appeal.objects.exists()


# --- informants -----------------------------------------------------------------------------------


def test_informant_reports_under_their_kind_to_their_branch(org: Org) -> None:
    client = login(org.informant)
    page = client.get(reverse("appeal_informant_new")).content.decode()
    assert "思想" in page
    response = client.post(
        reverse("appeal_informant_new"), {"text": "班组里有人情绪低落", "idempotency_key": key()}
    )
    assert response.status_code == 200
    appeal = Appeal.objects.get()
    assert appeal.channel == Channel.INFORMANT and appeal.informant_kind == "thought"
    assert appeal.entered_by == org.informant and appeal.unit == org.branch_a


def test_informant_page_is_404_without_the_role(org: Org) -> None:
    assert login(org.employee).get(reverse("appeal_informant_new")).status_code == 404


# --- methods --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["appeal_new", "appeal_public_new", "appeal_staff_new", "appeal_informant_new"]
)
def test_intake_pages_refuse_other_methods(org: Org, name: str) -> None:
    client = login(org.secretary_a)
    if name == "appeal_informant_new":
        client = login(org.informant)
    assert client.put(reverse(name)).status_code == 405
    assert client.delete(reverse(name)).status_code == 405


def test_every_persona_can_open_the_employee_form(org: Org) -> None:
    users = get_user_model().objects.all()
    for user in users:
        assert login(user).get(reverse("appeal_new")).status_code == 200


def test_the_employee_form_links_to_staff_entry_and_informant_reports_only_for_those_roles(org: Org) -> None:
    staff_url, informant_url = reverse("appeal_staff_new"), reverse("appeal_informant_new")
    employee_page = login(org.employee).get(reverse("appeal_new")).content.decode()
    assert staff_url not in employee_page and informant_url not in employee_page
    assert staff_url in login(org.secretary_a).get(reverse("appeal_new")).content.decode()
    assert informant_url in login(org.informant).get(reverse("appeal_new")).content.decode()
