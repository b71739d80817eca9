"""GET /units and /units/{id}: the visible tree, subtree counts, the parent filter, 404 and 405."""

from __future__ import annotations

from typing import Any

import pytest

from lianxin.org.models import PersonStatus, Unit
from lianxin.org.scope import units_visible_to
from tests.factories import Org, make_person, make_unit


def test_leader_sees_the_whole_tree_in_tree_order(org: Org, api_as: Any) -> None:
    body = api_as(org.leader).get("/units").json()
    assert body["count"] == 6
    assert body["next"] is None
    names = [u["name"] for u in body["items"]]
    assert names == ["示范电厂", "运维部", "运行一班", "运行二班", "检修部", "检修一班"]
    by_name = {u["name"]: u for u in body["items"]}
    root, branch_a, grid = by_name["示范电厂"], by_name["运维部"], by_name["运行一班"]
    assert root["parent_id"] is None and root["depth"] == 1
    assert branch_a["parent_id"] == root["id"] and branch_a["party_name"] == "运维部党支部"
    assert grid["parent_id"] == branch_a["id"] and grid["is_grid"] and grid["kind"] == "team"
    # Subtree counts: 5 people in the enterprise, 4 in branch A (one in the branch unit itself), 2 in grid A1.
    assert (root["people_count"], branch_a["people_count"], grid["people_count"]) == (5, 4, 2)


def test_people_who_left_are_not_counted(org: Org, api_as: Any) -> None:
    make_person(org.grid_a1, status=PersonStatus.LEFT)
    make_person(org.grid_a1, status=PersonStatus.RETIRED)
    client = api_as(org.leader)
    assert client.get(f"/units/{org.grid_a1.pk}").json()["people_count"] == 3
    listed = {u["name"]: u["people_count"] for u in client.get("/units").json()["items"]}
    assert (listed["示范电厂"], listed["运维部"], listed["运行一班"]) == (6, 5, 3)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("employee", []),
        ("grid_member", ["运行一班"]),
        ("secretary_a", ["运维部", "运行一班", "运行二班"]),
        ("secretary_b", ["检修部", "检修一班"]),
        ("auditor", []),
        ("informant", []),
    ],
)
def test_each_persona_sees_its_scope(org: Org, api_as: Any, persona: str, expected: list[str]) -> None:
    user = getattr(org, persona)
    body = api_as(user).get("/units").json()
    assert [u["name"] for u in body["items"]] == expected
    assert {u["id"] for u in body["items"]} == set(units_visible_to(user).values_list("pk", flat=True))


def test_parent_of_a_top_unit_is_given_even_when_out_of_scope(org: Org, api_as: Any) -> None:
    # The branch's parent id lets a client place it; the parent itself stays a 404.
    client = api_as(org.secretary_a)
    branch = client.get("/units").json()["items"][0]
    assert branch["parent_id"] == org.root.pk
    assert client.get(f"/units/{org.root.pk}").status_code == 404


def test_parent_filter_lists_children(org: Org, api_as: Any) -> None:
    client = api_as(org.leader)
    body = client.get("/units", parent=org.branch_a.pk).json()
    assert [u["name"] for u in body["items"]] == ["运行一班", "运行二班"]
    assert client.get("/units", parent=org.grid_b1.pk).json() == {"count": 0, "next": None, "items": []}


def test_parent_filter_out_of_scope_is_404(org: Org, api_as: Any) -> None:
    response = api_as(org.secretary_a).get("/units", parent=org.branch_b.pk)
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到"}


def test_paging_and_its_limits(org: Org, api_as: Any) -> None:
    client = api_as(org.leader)
    first = client.get("/units", limit=4).json()
    assert len(first["items"]) == 4 and first["next"] == 4 and first["count"] == 6
    second = client.get("/units", limit=4, offset=first["next"]).json()
    assert [u["name"] for u in second["items"]] == ["检修部", "检修一班"] and second["next"] is None
    for bad in ({"limit": 501}, {"limit": 0}, {"offset": -1}, {"parent": "abc"}):
        response = client.get("/units", **bad)
        assert response.status_code == 422, bad
        assert list(response.json()["errors"]) == list(bad)


def test_unit_detail(org: Org, api_as: Any) -> None:
    org.grid_a1.grid_chief = org.grid_person
    org.grid_a1.save(update_fields=["grid_chief"])
    body = api_as(org.secretary_a).get(f"/units/{org.grid_a1.pk}").json()
    assert body["name"] == "运行一班"
    assert body["grid_chief_id"] == org.grid_person.pk and body["grid_chief_name"] == "李娜"
    assert body["parent_id"] == org.branch_a.pk
    assert body["people_count"] == 2 and body["children_count"] == 0
    branch = api_as(org.secretary_a).get(f"/units/{org.branch_a.pk}").json()
    assert branch["children_count"] == 2 and branch["grid_chief_id"] is None


def test_unit_detail_out_of_scope_and_missing_are_the_same_404(org: Org, api_as: Any) -> None:
    client = api_as(org.secretary_a)
    forbidden = client.get(f"/units/{org.grid_b1.pk}")
    missing = client.get("/units/999999")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json() == {"detail": "未找到"}
    assert api_as(org.grid_member).get(f"/units/{org.grid_a2.pk}").status_code == 404


def test_wrong_method_is_405(org: Org, api_as: Any) -> None:
    client = api_as(org.leader)
    assert client.post("/units").status_code == 405
    assert client.post(f"/units/{org.grid_a1.pk}").status_code == 405


def test_unit_list_queries_do_not_grow_with_units_or_people(
    org: Org, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    client = api_as(org.leader)
    client.get("/units")  # the token's last use is written once a minute, not on every request
    with django_assert_max_num_queries(6) as small:
        client.get("/units")
    for i in range(30):
        grid = make_unit(f"新班{i}", "team", Unit.objects.get(pk=org.branch_b.pk), is_grid=True)
        for _ in range(3):
            make_person(grid)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get("/units", limit=500).json()
    assert body["count"] == 36
    assert {u["people_count"] for u in body["items"] if u["name"].startswith("新班")} == {3}
