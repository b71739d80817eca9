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
from lianxin.appeals import services
from lianxin.appeals.codes import Channel
from lianxin.appeals.models import Appeal
from lianxin.insight.models import WarningEvent
from tests.appeals.test_intake_support import key
from tests.factories import Org
from tests.insight.test_warnings_views import raise_on

UNSTORABLE = "含有无法保存的字符"
NUL = "班车\x00太挤"
SURROGATE = "班车\ud800太挤"


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


# --- NUL and lone surrogates -----------------------------------------------------------------------


def test_a_nul_in_the_appeal_form_is_refused_on_the_field_and_the_rest_is_kept(org: Org) -> None:
    data = {"text": NUL, "identity": "named", "idempotency_key": key()}
    response = login(org.employee).post(reverse("appeal_new"), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert UNSTORABLE in page
    assert "班车" in page and "太挤" in page  # the form is drawn again with what was written
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("text", [NUL, SURROGATE])
def test_the_api_refuses_nul_and_lone_surrogates_in_a_body_with_the_field_named(org: Org, text: str) -> None:
    # json.dumps writes a lone surrogate as the escape \ud800, which is how a client sends one.
    response = api_post(org.employee, "/appeals", json.dumps({"text": text}))
    assert response.status_code == 422
    body = response.json()
    assert UNSTORABLE in body["detail"]
    assert list(body["errors"]) == ["text"]
    assert not Appeal.objects.exists()


def test_a_nested_bad_value_is_named_by_its_place(org: Org) -> None:
    payload = {"kind": "talk", "date": "2026-01-05", "people": [org.paired_person.pk], "place": "食堂\x00"}
    response = api_post(org.grid_member, "/care/contacts", json.dumps(payload))
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["place"]


def test_the_api_refuses_a_nul_in_a_query_string(org: Org) -> None:
    # A lone surrogate cannot travel in a URL: its UTF-8 bytes arrive as U+FFFD.
    response = api_get(org.secretary_a, "/people", q="张\x00")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["q"]


def test_a_page_refuses_a_nul_in_its_query_string_with_a_chinese_page(org: Org) -> None:
    response = login(org.secretary_a).get(reverse("person_list"), {"q": "张\x00"})
    assert response.status_code == 400
    assert UNSTORABLE in response.content.decode()


def test_a_nul_in_a_choice_looked_up_by_its_text_gets_the_same_message(org: Org) -> None:
    # The triage form's category is found by its text code: a NUL there used to reach PostgreSQL.
    appeal = services.appeal_submit(
        text="班车太挤", channel=Channel.WEB, submitter=org.employee_person
    ).appeal
    data = {"triage-category": "conditions\x00", "triage-grade": "yellow", "triage-track": "branch"}
    response = login(org.secretary_a).post(reverse("appeal_triage", args=[appeal.pk]), data)
    assert response.status_code == 400
    assert UNSTORABLE in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.category_id is None


def test_a_nul_in_text_a_page_reads_without_a_form_never_reaches_the_database(org: Org) -> None:
    warning = raise_on(org.paired_person)
    response = login(org.secretary_a).post(reverse("warning_note", args=[warning.pk]), {"text": "已谈\x00心"})
    assert response.status_code == 400
    assert UNSTORABLE in response.content.decode()
    assert not WarningEvent.objects.filter(warning=warning, text__contains="已谈").exists()


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


# --- offsets and ids -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/units", "/people", "/appeals", "/care/due-items", "/care/my-people", "/warnings"]
)
@pytest.mark.parametrize("offset", [2**63, 2**64 + 1, -1])
def test_an_offset_out_of_range_is_a_422_not_a_500(org: Org, path: str, offset: int) -> None:
    response = api_get(org.secretary_a, path, offset=offset)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["offset"]


def test_the_largest_offset_allowed_is_an_empty_page(org: Org) -> None:
    response = api_get(org.secretary_a, "/people", offset=10_000_000)
    assert response.status_code == 200
    assert response.json()["items"] == [] and response.json()["next"] is None


def test_an_id_beyond_64_bits_in_a_list_is_a_422(org: Org) -> None:
    payload = {"kind": "talk", "date": "2026-01-05", "people": [org.paired_person.pk, 2**70]}
    response = api_post(org.grid_member, "/care/contacts", json.dumps(payload))
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["people.1"]


@pytest.mark.parametrize("page", ["99999999999999999999999", "²", "-3", "二"])
@pytest.mark.parametrize(
    ("persona", "name"),
    [
        ("secretary_a", "person_list"),
        ("secretary_a", "appeal_worklist"),
        ("department", "appeal_ledger"),
        ("secretary_a", "care_coverage"),
    ],
)
def test_any_page_number_shows_a_page_never_a_500(org: Org, persona: str, name: str, page: str) -> None:
    response = login(getattr(org, persona)).get(reverse(name), {"page": page})
    assert response.status_code == 200
