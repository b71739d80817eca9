"""Correction requests (PIPL right to correction): ask on one's own file, decide as the branch secretary."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lianxin.org.models import CorrectionRequest, CorrectionStatus, Person
from tests.factories import Org

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ask(org: Org, **data: str) -> Any:
    url = reverse("correction_new", args=[org.employee_person.pk])
    return client_for(org.employee).post(url, data)


def pending(org: Org, field: str = "phone", value: str = "13900001111") -> CorrectionRequest:
    response = ask(org, field=field, proposed_value=value, reason="换了号码")
    assert response.status_code == 302
    return CorrectionRequest.objects.get(person=org.employee_person, field=field)


def own_file(org: Org) -> str:
    url = reverse("person_detail", args=[org.employee_person.pk])
    return client_for(org.employee).get(url).content.decode()


def decide(user: Any, item: CorrectionRequest, **data: str) -> Any:
    return client_for(user).post(reverse("correction_decide", args=[item.pk]), data)


def test_form_on_own_file_only(org: Org) -> None:
    url = reverse("correction_new", args=[org.employee_person.pk])
    page = client_for(org.employee).get(url)
    assert page.status_code == 200
    assert "申请更正" in page.content.decode()
    # Someone else's file, even one the user may read, and a file out of scope are both 404.
    assert client_for(org.secretary_a).get(url).status_code == 404
    assert client_for(org.secretary_b).get(url).status_code == 404
    other = reverse("correction_new", args=[org.grid_person.pk])
    assert client_for(org.employee).get(other).status_code == 404
    assert client_for(org.employee).put(url).status_code == 405


def test_end_to_end_accept_updates_the_file(org: Org) -> None:
    item = pending(org)
    assert item.status == CorrectionStatus.PENDING and item.current_value == ""
    queue = client_for(org.secretary_a).get(reverse("correction_list"))
    assert queue.status_code == 200
    assert "13900001111" in queue.content.decode()
    assert decide(org.secretary_a, item, decision="accept", reason="").status_code == 302
    item.refresh_from_db()
    assert item.status == CorrectionStatus.ACCEPTED and item.decided_by == org.secretary_a
    assert Person.objects.get(pk=org.employee_person.pk).phone == "13900001111"
    own = own_file(org)
    assert "13900001111" in own
    assert "已采纳" in own
    # Decided requests leave the queue.
    assert "13900001111" not in client_for(org.secretary_a).get(reverse("correction_list")).content.decode()


def test_date_correction_is_applied_as_a_date(org: Org) -> None:
    item = pending(org, field="birth_date", value="1988年3月5日")
    decide(org.leader, item, decision="accept")
    assert Person.objects.get(pk=org.employee_person.pk).birth_date == dt.date(1988, 3, 5)


def test_decline_needs_a_reason_and_is_shown_to_the_employee(org: Org) -> None:
    item = pending(org)
    response = decide(org.secretary_a, item, decision="decline", reason="  ")
    assert response.status_code == 400
    assert "不予采纳时请说明理由" in response.content.decode()
    item.refresh_from_db()
    assert item.status == CorrectionStatus.PENDING
    assert decide(org.secretary_a, item, decision="decline", reason="号码与人事档案不符").status_code == 302
    item.refresh_from_db()
    assert item.status == CorrectionStatus.DECLINED
    assert Person.objects.get(pk=org.employee_person.pk).phone == ""
    own = own_file(org)
    assert "未采纳" in own and "号码与人事档案不符" in own


def test_bad_requests_show_chinese_errors_and_save_nothing(org: Org) -> None:
    cases = [
        ({"field": "phone", "proposed_value": ""}, "请填写更正后的内容"),
        ({"field": "health_notes", "proposed_value": "无"}, "该字段不能在线申请更正"),
        ({"field": "birth_date", "proposed_value": "去年春天"}, "日期格式无法识别"),
        ({"field": "gender", "proposed_value": "未知"}, "性别只能是"),
        ({"field": "position", "proposed_value": "长" * 501}, "内容过长"),
    ]
    for data, message in cases:
        response = ask(org, **data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert not CorrectionRequest.objects.exists()


def test_employee_cannot_decide_their_own(org: Org) -> None:
    item = pending(org)
    assert decide(org.employee, item, decision="accept").status_code == 404
    assert client_for(org.employee).get(reverse("correction_list")).status_code == 404
    item.refresh_from_db()
    assert item.status == CorrectionStatus.PENDING


def test_other_branch_secretary_gets_404(org: Org) -> None:
    item = pending(org)
    assert decide(org.secretary_b, item, decision="accept").status_code == 404
    assert decide(org.grid_member, item, decision="accept").status_code == 404
    assert "13900001111" not in client_for(org.secretary_b).get(reverse("correction_list")).content.decode()
    item.refresh_from_db()
    assert item.status == CorrectionStatus.PENDING


def test_decide_is_post_only_and_once(org: Org) -> None:
    item = pending(org)
    assert client_for(org.secretary_a).get(reverse("correction_decide", args=[item.pk])).status_code == 405
    assert client_for(org.secretary_a).post(reverse("correction_list")).status_code == 405
    decide(org.secretary_a, item, decision="accept")
    again = decide(org.secretary_a, item, decision="decline", reason="重复")
    assert again.status_code == 400
    item.refresh_from_db()
    assert item.status == CorrectionStatus.ACCEPTED


def test_a_secretarys_own_request_goes_above_them(org: Org) -> None:
    from lianxin.org.services import correction_request_submit

    item = correction_request_submit(
        user=org.secretary_a, person=org.secretary_a_person, field="position", proposed_value="支部书记"
    )
    assert item not in client_for(org.secretary_a).get(reverse("correction_list")).context["pending"]
    assert item in client_for(org.department).get(reverse("correction_list")).context["pending"]
    assert decide(org.secretary_a, item, decision="accept").status_code == 404
    assert decide(org.department, item, decision="accept").status_code == 302
