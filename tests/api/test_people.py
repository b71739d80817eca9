"""GET /people and /people/{id}: scoping per persona, filters, restricted keys, the access log, 404, 405."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.audit.models import AccessLog
from lianxin.org.models import DifficultyTag, PersonStatus
from lianxin.org.scope import people_visible_to
from tests.factories import Org, make_person

PERSONAS = [
    "employee",
    "grid_member",
    "secretary_a",
    "secretary_b",
    "department",
    "leader",
    "auditor",
    "informant",
]
SENSITIVE_KEYS = {"health_notes", "hardship_details", "is_key_person", "key_person_reason"}
LIST_KEYS = {"id", "employee_no", "name", "gender", "unit", "position", "political_status", "status"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_matches_the_scope_of_each_persona(org: Org, api_as: Any, persona: str) -> None:
    user = getattr(org, persona)
    body = api_as(user).get("/people").json()
    expected = set(people_visible_to(user).values_list("pk", flat=True))
    assert {p["id"] for p in body["items"]} == expected
    assert body["count"] == len(expected) and body["count_exact"] and body["next"] is None


def test_list_rows_carry_basic_fields_only(org: Org, api_as: Any) -> None:
    items = api_as(org.leader).get("/people").json()["items"]
    assert items and all(set(row) == LIST_KEYS for row in items)
    zhang = next(row for row in items if row["name"] == "张伟")
    assert zhang["unit"] == {"id": org.grid_a1.pk, "name": "运行一班"}
    assert zhang["status"] == "active" and zhang["political_status"] == "masses"


def test_list_filters(org: Org, api_as: Any) -> None:
    tag = DifficultyTag.objects.create(name="单亲")
    org.stranger.difficulty_tags.add(tag)
    make_person(org.grid_a2, "赵敏", status=PersonStatus.RETIRED)
    client = api_as(org.leader)

    def names(**params: Any) -> list[str]:
        response = client.get("/people", **params)
        assert response.status_code == 200, response.content
        return [p["name"] for p in response.json()["items"]]

    assert set(names(unit=org.branch_a.pk)) == {"张伟", "李娜", "王芳", "陈静", "赵敏"}
    assert set(names(political_status="cpc")) == {"李娜", "陈静"}
    assert names(status="retired") == ["赵敏"]
    assert names(tag=tag.pk) == ["刘洋"]
    assert names(key="true") == ["张伟"]
    assert names(q="张") == ["张伟"]
    assert names(q="zw") == ["张伟"]
    assert names(q=org.stranger.employee_no) == ["刘洋"]
    numbers = [p["employee_no"] for p in client.get("/people", sort="employee_no").json()["items"]]
    assert len(numbers) == 6 and numbers == sorted(numbers)
    hired = [p["name"] for p in client.get("/people", sort="-hire_date").json()["items"]]
    assert len(hired) == 6


def test_key_filter_is_ignored_below_the_secretary(org: Org, api_as: Any) -> None:
    # A grid member must not learn who is a key person by filtering for it.
    body = api_as(org.grid_member).get("/people", key="true").json()
    assert {p["name"] for p in body["items"]} == {"张伟", "李娜", "王芳"}


def test_unit_filter_out_of_scope_is_404(org: Org, api_as: Any) -> None:
    response = api_as(org.secretary_a).get("/people", unit=org.branch_b.pk)
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "xyz"}, "status"),
        ({"political_status": "party"}, "political_status"),
        ({"sort": "salary"}, "sort"),
        ({"limit": 201}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -5}, "offset"),
        ({"unit": "abc"}, "unit"),
        ({"tag": "x"}, "tag"),
        ({"key": "maybe"}, "key"),
        ({"q": "字" * 51}, "q"),
    ],
)
def test_unknown_query_values_are_422_naming_the_field(
    org: Org, api_as: Any, params: dict[str, Any], field: str
) -> None:
    response = api_as(org.leader).get("/people", **params)
    assert response.status_code == 422
    body = response.json()
    assert list(body["errors"]) == [field]
    assert body["errors"][field][0] and field in body["detail"]


def test_unknown_sort_message_lists_the_choices(org: Org, api_as: Any) -> None:
    (msg,) = api_as(org.leader).get("/people", sort="salary").json()["errors"]["sort"]
    assert msg.startswith("未知的排序方式") and "salary" in msg and "hire_date" in msg


def test_paging_with_next_offset(org: Org, api_as: Any) -> None:
    client = api_as(org.leader)
    seen: list[int] = []
    offset: int | None = 0
    while offset is not None:
        body = client.get("/people", limit=2, offset=offset).json()
        assert body["count"] == 5
        seen += [p["id"] for p in body["items"]]
        offset = body["next"]
    assert len(seen) == len(set(seen)) == 5


def test_list_queries_stay_constant_as_people_are_added(
    org: Org, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    client = api_as(org.grid_member)  # the widest query: subtree plus pairings
    client.get("/people")
    with django_assert_max_num_queries(8) as before:
        client.get("/people")
    for i in range(40):
        make_person(org.grid_a1 if i % 2 else org.grid_a2)
    with django_assert_max_num_queries(len(before.captured_queries)):
        body = client.get("/people", limit=200).json()
    assert body["count"] == 3 + 20


def test_detail_hides_restricted_keys_from_the_grid_member(org: Org, api_as: Any) -> None:
    response = api_as(org.grid_member).get(f"/people/{org.employee_person.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "张伟"
    assert not SENSITIVE_KEYS & set(body)
    assert "高血压" not in response.content.decode()


@pytest.mark.parametrize("persona", ["employee", "secretary_a", "leader"])
def test_detail_shows_restricted_keys_to_self_and_secretary_up(org: Org, api_as: Any, persona: str) -> None:
    body = api_as(getattr(org, persona)).get(f"/people/{org.employee_person.pk}").json()
    assert SENSITIVE_KEYS <= set(body)
    assert body["health_notes"] == "高血压"
    assert body["is_key_person"] is True and body["key_person_reason"] == "家庭变故"


def test_detail_fields(org: Org, api_as: Any) -> None:
    tag = DifficultyTag.objects.create(name="大病")
    org.stranger.difficulty_tags.add(tag)
    body = api_as(org.secretary_b).get(f"/people/{org.stranger.pk}").json()
    assert body["difficulty_tags"] == ["大病"]
    assert body["hardship_details"] == "子女大病"
    assert body["unit"] == {"id": org.grid_b1.pk, "name": "检修一班"}
    assert {"birth_date", "hire_date", "phone", "household"} <= set(body)


def test_each_detail_read_is_logged_with_its_sections(org: Org, api_as: Any) -> None:
    api_as(org.grid_member).get(f"/people/{org.employee_person.pk}")
    api_as(org.secretary_a).get(f"/people/{org.employee_person.pk}")
    api_as(org.secretary_a).get(f"/people/{org.employee_person.pk}")
    logs = list(AccessLog.objects.filter(person=org.employee_person).order_by("at", "pk"))
    assert [log.actor for log in logs] == [org.grid_member, org.secretary_a, org.secretary_a]
    assert all(log.channel == "api" and log.ip_address == "127.0.0.1" for log in logs)
    assert "sensitive" not in logs[0].sections and "basic" in logs[0].sections
    assert "sensitive" in logs[1].sections


def test_list_reads_are_not_logged_as_file_views(org: Org, api_as: Any) -> None:
    api_as(org.leader).get("/people")
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize(
    ("persona", "target"),
    [
        ("employee", "grid_person"),
        ("grid_member", "stranger"),
        ("secretary_a", "stranger"),
        ("secretary_b", "employee_person"),
        ("auditor", "employee_person"),
        ("informant", "employee_person"),
    ],
)
def test_detail_out_of_scope_is_404_like_missing_and_not_logged(
    org: Org, api_as: Any, persona: str, target: str
) -> None:
    client = api_as(getattr(org, persona))
    forbidden = client.get(f"/people/{getattr(org, target).pk}")
    missing = client.get("/people/999999")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json() == {"detail": "未找到"}
    assert not AccessLog.objects.exists()


def test_people_wrong_method_is_405(org: Org, api_as: Any) -> None:
    client = api_as(org.leader)
    assert client.post("/people").status_code == 405
    assert client.post(f"/people/{org.employee_person.pk}").status_code == 405
    assert not AccessLog.objects.exists()


def test_detail_id_must_be_a_number(org: Org, api_as: Any) -> None:
    response = api_as(org.leader).get("/people/abc")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["person_id"]
