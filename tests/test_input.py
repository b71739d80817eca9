"""Input that used to break the server: NUL bytes, lone surrogates, blank-looking appeals, huge offsets.

Each is refused with a message (Chinese on pages, the 422 body in the API), nothing is stored, and on
PostgreSQL no such value reaches the database.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lianxin.api.models import ApiToken
from lianxin.appeals.models import Appeal
from tests.appeals.test_intake_support import key
from tests.factories import Org


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_post(user: Any, path: str, body: str) -> Any:
    _, token = ApiToken.issue(user=user, name="test")
    headers = {"Authorization": f"Bearer {token}"}
    return Client().post(f"/api/v1{path}", body, content_type="application/json", headers=headers)


def api_get(user: Any, path: str, **params: Any) -> Any:
    _, token = ApiToken.issue(user=user, name="test")
    return Client().get(f"/api/v1{path}", params, headers={"Authorization": f"Bearer {token}"})


# --- blank-looking appeals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "   \n\t ",
        "\u3000\u3000",  # ideographic spaces
        "\u200b\u200b\u200d",  # zero-width space and joiner
        "\ufeff \u2060",  # byte-order mark, word joiner
        "\u3164\u3164",  # the Hangul filler chat apps send as an "empty" message
    ],
)
def test_an_appeal_that_shows_nothing_is_refused_on_every_channel(org: Org, text: str) -> None:
    response = login(org.employee).post(
        reverse("appeal_new"), {"text": text, "identity": "named", "idempotency_key": key()}
    )
    assert response.status_code == 400 and "内容不能为空" in response.content.decode()
    response = api_post(org.employee, "/appeals", json.dumps({"text": text}))
    assert response.status_code == 422
    assert response.json()["errors"] == {"text": ["内容不能为空。"]}
    assert not Appeal.objects.exists()


def test_invisible_characters_inside_real_words_are_kept(org: Org) -> None:
    response = api_post(org.employee, "/appeals", json.dumps({"text": "班车\u200b太挤"}))
    assert response.status_code == 201
    assert Appeal.objects.get().text == "班车\u200b太挤"
