"""Layout, my home, org tree, unit and grid pages: allowed, out of scope, wrong method, query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianxin.org.models import Pairing, Responsibility, ResponsibilityLevel, Role, RoleAssignment
from tests.factories import Org, make_person, make_unit, make_user

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def nav_keys(response: Any) -> set[str]:
    return {link["key"] for link in response.context["nav"]["links"]}


def query_count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def grow(org: Org, *, teams: int = 8, people_per_team: int = 6) -> None:
    """More units and people under both branches, half of them paired."""
    for branch in (org.branch_a, org.branch_b):
        for t in range(teams):
            team = make_unit(f"{branch.name}{t}组", "team", branch, is_grid=t % 2 == 0)
            for p in range(people_per_team):
                person = make_person(team, f"人员{branch.pk}-{t}-{p}")
                if p % 2 == 0:
                    Pairing.objects.create(contact=org.grid_person, person=person)
    for p in range(40):
        person = make_person(org.grid_a1, f"网格成员{p}")
        if p % 3:
            Pairing.objects.create(contact=org.secretary_a_person, person=person)


# --- Layout ---------------------------------------------------------------------------------------


def test_layout_has_brand_post_logout_and_language_switch(org: Org) -> None:
    html = client_for(org.employee).get("/").content.decode()

    assert "连心" in html
    assert f'action="{reverse("logout")}" method="post"' in html
    assert f'action="{reverse("set_language")}" method="post"' in html
    assert 'value="en"' in html and 'value="zh-hans"' in html
    assert 'id="lx-sidebar"' in html and "offcanvas-lg" in html


def test_employee_sidebar_has_home_and_file_but_no_org_tree(org: Org) -> None:
    response = client_for(org.employee).get("/")
    html = response.content.decode()

    keys = nav_keys(response)
    assert "home" in keys
    assert "tree" not in keys and "people" not in keys and "audit" not in keys and "admin" not in keys
    assert "组织架构" not in html
    assert "corrections" not in keys and "roster" not in keys


def test_secretary_sidebar_has_org_tree_but_no_admin_or_audit(org: Org) -> None:
    response = client_for(org.secretary_a).get("/")

    keys = nav_keys(response)
    assert "tree" in keys
    assert "audit" not in keys and "admin" not in keys and "roster" not in keys
    assert reverse("org_tree") in response.content.decode()


def test_auditor_sidebar_has_access_log_only(org: Org) -> None:
    org.auditor.is_staff = True  # auditors reach the admin's read-only log, not the system menu
    org.auditor.save(update_fields=["is_staff"])
    response = client_for(org.auditor).get("/")
    html = response.content.decode()

    keys = nav_keys(response)
    assert "audit" in keys and "访问日志" in html and "/admin/audit/accesslog/" in html
    assert "admin" not in keys and "tree" not in keys


def test_system_admin_sidebar_has_system_management(org: Org) -> None:
    admin = make_user("sysadmin", system_admin=org.root)

    response = client_for(admin).get("/")

    assert "admin" in nav_keys(response) and "系统管理" in response.content.decode()
    assert "audit" not in nav_keys(response)


def test_current_page_is_marked_in_the_sidebar(org: Org) -> None:
    response = client_for(org.leader).get(reverse("org_tree"))

    assert response.context["nav"]["active"] == "tree"
    assert 'aria-current="page"' in response.content.decode()


def test_anonymous_is_sent_to_login(org: Org) -> None:
    for url in (
        "/",
        reverse("org_tree"),
        reverse("unit_detail", args=[org.root.pk]),
        reverse("grid_detail", args=[org.grid_a1.pk]),
        reverse("unit_children", args=[org.root.pk]),
    ):
        response = Client().get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_language_switch_sets_english(org: Org) -> None:
    client = client_for(org.secretary_a)

    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert client.get("/").content.decode().count('lang="en"') >= 1


# --- My home --------------------------------------------------------------------------------------


def test_home_employee_sees_contacts_and_grid_chief(org: Org) -> None:
    org.grid_a1.grid_chief = org.grid_person
    org.grid_a1.save(update_fields=["grid_chief"])
    Pairing.objects.create(contact=org.secretary_a_person, person=org.employee_person)

    html = client_for(org.employee).get("/").content.decode()

    assert "我的联系人" in html and "网格长" in html
    assert "李娜" in html and "陈静" in html
    assert "我负责的单位" not in html and "我的结对对象" not in html


def test_home_grid_member_sees_paired_people(org: Org) -> None:
    html = client_for(org.grid_member).get("/").content.decode()

    assert "我的结对对象" in html and "王芳" in html
    assert "刘洋" not in html


def test_home_secretary_sees_own_branch_with_coverage(org: Org) -> None:
    response = client_for(org.secretary_a).get("/")
    html = response.content.decode()

    [(unit, stats)] = response.context["my_units"]
    assert unit == org.branch_a and (stats.people, stats.covered) == (4, 1)
    assert "25%" in html and "检修部" not in html


def test_home_leader_sees_enterprise_totals(org: Org) -> None:
    response = client_for(org.leader).get("/")

    [(unit, totals)] = response.context["totals"]
    assert unit == org.root
    assert totals == {"units": 6, "branches": 2, "grids": 3}
    [(_, stats)] = response.context["my_units"]
    assert stats.people == 5


def test_home_rejects_post(org: Org) -> None:
    assert client_for(org.employee).post("/").status_code == 405


def test_home_query_count_is_constant(org: Org, django_assert_max_num_queries: Any) -> None:
    for user in (org.leader, org.secretary_a, org.grid_member, org.employee):
        client = client_for(user)
        before = query_count(client, "/")
        grow(org, teams=2, people_per_team=3)
        with django_assert_max_num_queries(before):
            assert client.get("/").status_code == 200


# --- Org tree -------------------------------------------------------------------------------------


def test_tree_shows_the_users_top_units_with_counts(org: Org) -> None:
    response = client_for(org.secretary_a).get(reverse("org_tree"))
    html = response.content.decode()

    assert [u for u, _ in response.context["rows"]] == [org.branch_a]
    assert "运维部" in html and "运维部党支部" in html and "检修部" not in html
    assert reverse("unit_children", args=[org.branch_a.pk]) in html
    assert "4 人" in html and "25%" in html


def test_tree_for_leader_starts_at_the_enterprise_and_renders_no_grandchildren(org: Org) -> None:
    response = client_for(org.leader).get(reverse("org_tree"))
    html = response.content.decode()

    assert [u for u, _ in response.context["rows"]] == [org.root]
    assert "示范电厂" in html and "运行一班" not in html  # children arrive on expansion


def test_tree_for_employee_is_empty(org: Org) -> None:
    response = client_for(org.employee).get(reverse("org_tree"))

    assert response.status_code == 200
    assert response.context["rows"] == [] and "运行一班" not in response.content.decode()


def test_tree_rejects_post(org: Org) -> None:
    assert client_for(org.leader).post(reverse("org_tree")).status_code == 405


def test_children_partial_has_counts_and_grid_markers(org: Org) -> None:
    response = client_for(org.secretary_a).get(reverse("unit_children", args=[org.branch_a.pk]))
    html = response.content.decode()

    stats = {u.name: (s.people, s.covered) for u, s in response.context["rows"]}
    assert stats == {"运行一班": (2, 0), "运行二班": (1, 1)}
    assert "<html" not in html and "网格" in html
    assert reverse("grid_detail", args=[org.grid_a1.pk]) in html


def test_children_partial_out_of_scope_is_404(org: Org) -> None:
    client = client_for(org.secretary_a)

    assert client.get(reverse("unit_children", args=[org.branch_b.pk])).status_code == 404
    assert client.get(reverse("unit_children", args=[org.root.pk])).status_code == 404
    assert client.get(reverse("unit_children", args=[999999])).status_code == 404
    assert client_for(org.employee).get(reverse("unit_children", args=[org.grid_a1.pk])).status_code == 404


def test_children_partial_rejects_post(org: Org) -> None:
    assert client_for(org.leader).post(reverse("unit_children", args=[org.root.pk])).status_code == 405


def test_tree_and_children_query_counts_stay_constant_as_the_org_grows(
    org: Org, django_assert_max_num_queries: Any
) -> None:
    client = client_for(org.leader)
    tree_url = reverse("org_tree")
    children_url = reverse("unit_children", args=[org.branch_a.pk])
    tree_before, children_before = query_count(client, tree_url), query_count(client, children_url)

    grow(org)

    with django_assert_max_num_queries(tree_before):
        client.get(tree_url)
    with django_assert_max_num_queries(children_before):
        response = client.get(children_url)
    assert len(response.context["rows"]) == 2 + 8


# --- Unit page ------------------------------------------------------------------------------------


def test_unit_page_shows_facts_children_responsibility_and_coverage(org: Org) -> None:
    org.grid_a1.grid_chief = org.grid_person
    org.grid_a1.save(update_fields=["grid_chief"])
    Responsibility.objects.create(
        unit=org.branch_a, level=ResponsibilityLevel.CADRE, responsible_person=org.secretary_a_person
    )

    response = client_for(org.secretary_a).get(reverse("unit_detail", args=[org.branch_a.pk]))
    html = response.content.decode()

    assert response.status_code == 200
    assert "运维部党支部" in html and "干部包班组" in html and "陈静" in html
    assert [u.name for u, _ in response.context["children"]] == ["运行一班", "运行二班"]
    cov = response.context["coverage"]
    assert (cov.people, cov.covered, cov.gaps) == (4, 1, 3)
    assert {p.name for p in response.context["gaps"]} == {"张伟", "李娜", "陈静"}
    assert response.context["breakdown_kind"] == "grid"


def test_unit_page_for_enterprise_breaks_coverage_down_by_branch(org: Org) -> None:
    response = client_for(org.leader).get(reverse("unit_detail", args=[org.root.pk]))

    assert response.context["breakdown_kind"] == "branch"
    rows = {u.name: (s.people, s.covered) for u, s in response.context["breakdown"]}
    assert rows == {"运维部": (4, 1), "检修部": (1, 0)}


def test_unit_page_links_to_the_person_list_for_the_subtree(org: Org) -> None:
    html = client_for(org.secretary_a).get(reverse("unit_detail", args=[org.branch_a.pk])).content.decode()

    try:
        people_url = reverse("person_list")
    except Exception:  # the person list may not be wired in this checkout
        pytest.skip("person_list is not wired")
    assert f"{people_url}?unit={org.branch_a.pk}" in html


def test_unit_page_grid_chief_comes_from_the_grid_above(org: Org) -> None:
    org.grid_a1.grid_chief = org.grid_person
    org.grid_a1.save(update_fields=["grid_chief"])
    squad = make_unit("一组", "party_group", org.grid_a1)

    response = client_for(org.secretary_a).get(reverse("unit_detail", args=[squad.pk]))

    assert response.context["grid"] == org.grid_a1 and "李娜" in response.content.decode()


def test_unit_page_out_of_scope_is_404(org: Org) -> None:
    assert client_for(org.secretary_a).get(reverse("unit_detail", args=[org.branch_b.pk])).status_code == 404
    assert client_for(org.secretary_b).get(reverse("unit_detail", args=[org.grid_a1.pk])).status_code == 404
    assert client_for(org.employee).get(reverse("unit_detail", args=[org.grid_a1.pk])).status_code == 404
    assert client_for(org.leader).get(reverse("unit_detail", args=[987654])).status_code == 404


def test_unit_page_rejects_post(org: Org) -> None:
    assert client_for(org.leader).post(reverse("unit_detail", args=[org.root.pk])).status_code == 405


def test_unit_page_breadcrumb_stops_at_the_users_scope(org: Org) -> None:
    response = client_for(org.secretary_a).get(reverse("unit_detail", args=[org.grid_a1.pk]))

    assert response.context["ancestors"] == [org.branch_a]
    assert reverse("unit_detail", args=[org.root.pk]) not in response.content.decode()


def test_unit_page_query_count_is_constant(org: Org, django_assert_max_num_queries: Any) -> None:
    client = client_for(org.leader)
    url = reverse("unit_detail", args=[org.root.pk])
    before = query_count(client, url)

    grow(org)

    with django_assert_max_num_queries(before):
        response = client.get(url)
    assert response.context["coverage"].people > 100


# --- Grid page ------------------------------------------------------------------------------------


def test_grid_page_lists_people_with_contacts_and_highlights_gaps(org: Org) -> None:
    response = client_for(org.secretary_a).get(reverse("grid_detail", args=[org.grid_a2.pk]))
    html = response.content.decode()

    assert response.status_code == 200
    assert "王芳" in html and "李娜" in html  # 王芳's contact
    assert "lx-gap-row" not in html

    html = client_for(org.secretary_a).get(reverse("grid_detail", args=[org.grid_a1.pk])).content.decode()
    assert html.count('class="lx-gap-row"') == 2  # 张伟 and 李娜 have nobody
    assert "无联系人" in html


def test_grid_page_gap_filter_shows_only_people_without_contacts(org: Org) -> None:
    Pairing.objects.create(contact=org.secretary_a_person, person=org.employee_person)

    response = client_for(org.secretary_a).get(reverse("grid_detail", args=[org.grid_a1.pk]), {"gaps": "1"})

    assert [p.name for p in response.context["page"].object_list] == ["李娜"]


def test_grid_member_sees_own_grid(org: Org) -> None:
    response = client_for(org.grid_member).get(reverse("grid_detail", args=[org.grid_a1.pk]))

    assert response.status_code == 200 and "张伟" in response.content.decode()


def test_grid_page_out_of_scope_or_not_a_grid_is_404(org: Org) -> None:
    assert client_for(org.secretary_a).get(reverse("grid_detail", args=[org.grid_b1.pk])).status_code == 404
    assert client_for(org.grid_member).get(reverse("grid_detail", args=[org.grid_a2.pk])).status_code == 404
    assert client_for(org.employee).get(reverse("grid_detail", args=[org.grid_a1.pk])).status_code == 404
    assert client_for(org.leader).get(reverse("grid_detail", args=[org.branch_a.pk])).status_code == 404


def test_grid_page_rejects_post(org: Org) -> None:
    assert client_for(org.leader).post(reverse("grid_detail", args=[org.grid_a1.pk])).status_code == 405


def test_grid_page_is_paginated_and_query_count_is_constant(
    org: Org, django_assert_max_num_queries: Any
) -> None:
    client = client_for(org.secretary_a)
    url = reverse("grid_detail", args=[org.grid_a1.pk])
    before = query_count(client, url)

    grow(org)  # 40 more people in 运行一班, most of them paired
    for p in range(30):
        make_person(org.grid_a1, f"新人{p}")

    with django_assert_max_num_queries(before):
        response = client.get(url)
    page = response.context["page"]
    assert page.paginator.count == 72 and len(page.object_list) == 50
    # Gaps come first so that nobody uncovered hides on a later page.
    assert all(not p.active_pairings for p in page.object_list[:46])
    assert client.get(url, {"page": 2}).status_code == 200


def test_informant_role_alone_gives_no_tree(org: Org) -> None:
    RoleAssignment.objects.filter(user=org.informant).update(role=Role.INFORMANT)

    response = client_for(org.informant).get(reverse("org_tree"))

    assert response.context["rows"] == []
    assert "运维部" not in response.content.decode()


def test_english_interface_translates_the_layout_and_tree(org: Org) -> None:
    client = client_for(org.leader)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    html = client.get(reverse("org_tree")).content.decode()

    assert "Organisation" in html and "Log out" in html and "Coverage" in html
    assert "退出登录" not in html


def test_a_unit_with_many_children_pages_them(client: Any, org: Org) -> None:
    from tests.factories import make_unit

    for i in range(60):
        make_unit(f"班组{i:02d}", "team", org.branch_b)
    client.force_login(org.secretary_b)
    first = client.get(f"/org/units/{org.branch_b.pk}/").content.decode()
    second = client.get(f"/org/units/{org.branch_b.pk}/?page=2").content.decode()
    # 检修一班 and 班组00–班组48 fill the first page of 50; the rest are on the second.
    assert "班组48" in first and "班组49" not in first
    assert "第 1 / 2 页，共 61 个" in first
    assert "班组49" in second and "班组59" in second and "班组00" not in second
