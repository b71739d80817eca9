"""Personal pages and API answers tell browsers and proxies not to keep them (Cache-Control: no-store)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lianxin.api.models import ApiToken
from lianxin.appeals import services
from lianxin.appeals.codes import Channel
from tests.factories import Org


def directives(response: object) -> set[str]:
    header = response["Cache-Control"]  # type: ignore[index]
    return {part.strip() for part in header.split(",")}


@pytest.mark.parametrize(
    ("persona", "page"),
    [
        ("secretary_a", "person_detail"),
        ("employee", "person_detail"),
        ("secretary_a", "appeal_detail"),
        ("secretary_a", "key_people"),
        ("grid_member", "my_people"),
        ("leader", "home"),
    ],
)
def test_personal_pages_are_never_stored(org: Org, persona: str, page: str) -> None:
    appeal = services.appeal_submit(
        text="班车太挤", channel=Channel.WEB, submitter=org.employee_person
    ).appeal
    args = {"person_detail": [org.employee_person.pk], "appeal_detail": [appeal.pk]}.get(page, [])
    client = Client()
    client.force_login(getattr(org, persona))
    response = client.get(reverse(page, args=args))
    assert response.status_code == 200
    assert {"no-store", "private"} <= directives(response)


def test_api_answers_are_never_stored_even_refusals(org: Org) -> None:
    _, token = ApiToken.issue(user=org.secretary_a, name="test")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    ok = client.get(f"/api/v1/people/{org.employee_person.pk}")
    assert ok.status_code == 200 and "no-store" in directives(ok)
    missing = client.get(f"/api/v1/people/{org.stranger.pk}")
    assert missing.status_code == 404 and "no-store" in directives(missing)
    anonymous = Client().post("/api/v1/receipts/status", {"code": "X"}, content_type="application/json")
    assert anonymous.status_code == 404 and "no-store" in directives(anonymous)
