"""The person list and the person file: scope, sensitive sections, filters, search and query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianxin.org.models import (
    DifficultyTag,
    Pairing,
    Person,
    PoliticalStatus,
    Responsibility,
    ResponsibilityLevel,
)
from lianxin.org.selectors import TimelineEntry, filter_people, register_timeline_source, timeline_for
from tests.factories import Org, make_person, make_unit, make_user

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def names(response: Any) -> set[str]:
    return {p.name for p in response.context["people"]}


def list_page(user: Any, **params: str) -> Any:
    response = client_for(user).get(reverse("person_list"), params)
    assert response.status_code == 200
    return response


# --- The list -------------------------------------------------------------------------------------


def test_list_shows_only_people_in_scope(org: Org) -> None:
    assert names(list_page(org.secretary_a)) == {"张伟", "李娜", "王芳", "陈静"}
    assert names(list_page(org.secretary_b)) == {"刘洋"}
    # The grid member sees their grid and the person paired with them, not the other branch.
    assert names(list_page(org.grid_member)) == {"张伟", "李娜", "王芳"}
    assert names(list_page(org.employee)) == {"张伟"}
    assert names(list_page(org.leader)) == {"张伟", "李娜", "王芳", "刘洋", "陈静"}


def test_list_requires_login_and_get(org: Org) -> None:
    url = reverse("person_list")
    assert Client().get(url).status_code == 302
    assert client_for(org.secretary_a).post(url).status_code == 405


def test_filter_by_unit_takes_the_subtree(org: Org) -> None:
    deep = make_unit("值班小组", "party_group", org.grid_a2)
    make_person(deep, "赵磊")
    assert names(list_page(org.secretary_a, unit=str(org.grid_a2.pk))) == {"王芳", "赵磊"}
    assert names(list_page(org.leader, unit=str(org.branch_a.pk))) == {"张伟", "李娜", "王芳", "陈静", "赵磊"}


def test_filter_by_out_of_scope_unit_is_404(org: Org) -> None:
    client = client_for(org.secretary_a)
    assert client.get(reverse("person_list"), {"unit": org.branch_b.pk}).status_code == 404
    assert client.get(reverse("person_list"), {"unit": "999999"}).status_code == 404
    assert client.get(reverse("person_list"), {"unit": "abc"}).status_code == 404


def test_filter_by_political_status_and_tag(org: Org) -> None:
    assert names(list_page(org.secretary_a, status=PoliticalStatus.CPC_MEMBER)) == {"李娜", "陈静"}
    tag = DifficultyTag.objects.get(name="大病医疗")
    org.paired_person.difficulty_tags.add(tag)
    org.stranger.difficulty_tags.add(tag)
    assert names(list_page(org.secretary_a, tag=str(tag.pk))) == {"王芳"}
    # Unknown values are ignored rather than failing the page.
    assert len(names(list_page(org.secretary_a, status="nonsense", tag="x"))) == 4


def test_key_filter_only_for_secretary_and_above(org: Org) -> None:
    assert names(list_page(org.secretary_a, key="1")) == {"张伟"}
    assert names(list_page(org.leader, key="1")) == {"张伟"}
    assert names(list_page(org.secretary_b, key="1")) == set()
    # A grid member's key filter is silently ignored: the list does not shrink to reveal who is key.
    assert names(list_page(org.grid_member, key="1")) == {"张伟", "李娜", "王芳"}


def test_key_filter_and_badge_never_shown_to_grid_member(org: Org) -> None:
    grid_page = list_page(org.grid_member).content.decode()
    assert "仅重点人员" not in grid_page
    assert "重点" not in grid_page
    secretary_page = list_page(org.secretary_a).content.decode()
    assert "仅重点人员" in secretary_page
    assert "重点" in secretary_page.replace("仅重点人员", "")


def test_search_by_pinyin_initials_employee_number_and_name(org: Org) -> None:
    assert names(list_page(org.secretary_a, q="zw")) == {"张伟"}
    assert names(list_page(org.secretary_a, q="ZW")) == {"张伟"}
    prefix = org.employee_person.employee_no[:-1]
    found = names(list_page(org.leader, q=prefix))
    assert "张伟" in found
    assert all(p.employee_no.startswith(prefix) for p in list_page(org.leader, q=prefix).context["people"])
    assert names(list_page(org.secretary_a, q=org.employee_person.employee_no.lower())) == {"张伟"}
    assert names(list_page(org.secretary_a, q="伟")) == {"张伟"}
    # Search stays inside scope.
    assert names(list_page(org.secretary_a, q="刘洋")) == set()
    assert names(list_page(org.secretary_a, q="ly")) == set()


def test_sort_whitelist(org: Org) -> None:
    Person.objects.filter(pk=org.employee_person.pk).update(hire_date=dt.date(2001, 1, 1))
    Person.objects.filter(pk=org.grid_person.pk).update(hire_date=dt.date(2020, 1, 1))
    newest = list_page(org.secretary_a, sort="-hire_date").context["people"]
    assert [p.name for p in newest[:2]] == ["李娜", "张伟"]
    oldest = list_page(org.secretary_a, sort="hire_date").context["people"]
    assert [p.name for p in oldest[:2]] == ["张伟", "李娜"]
    # Blank hire dates come last in both directions.
    assert newest[-1].hire_date is None and oldest[-1].hire_date is None
    # Anything outside the whitelist falls back to the name order instead of reaching order_by().
    assert list_page(org.secretary_a, sort="health_notes").status_code == 200


def test_filter_people_is_shared_by_other_callers(org: Org) -> None:
    from django.http import QueryDict

    people = filter_people(org.secretary_a, QueryDict("status=cpc&sort=employee_no"))
    expected = sorted(["李娜", "陈静"], key=lambda n: Person.objects.get(name=n).employee_no)
    assert [p.name for p in people] == expected


def test_pagination_and_capped_count(org: Org, settings: Any) -> None:
    settings.PERSON_PAGE_SIZE = 3
    page1 = list_page(org.leader)
    assert page1.context["has_next"] and not page1.context["has_previous"]
    assert page1.context["total"] == 5 and not page1.context["total_capped"]
    page2 = list_page(org.leader, page="2")
    assert len(page2.context["people"]) == 2 and not page2.context["has_next"]
    assert names(page1) | names(page2) == {"张伟", "李娜", "王芳", "刘洋", "陈静"}
    assert list_page(org.leader, page="junk").context["page"] == 1


def test_count_is_capped(org: Org, monkeypatch: Any, settings: Any) -> None:
    from lianxin.org.views import people as views

    settings.PERSON_PAGE_SIZE = 2
    monkeypatch.setattr(views, "COUNT_CAP", 3)
    page = list_page(org.leader)
    assert page.context["total_capped"]
    assert "超过 3 人" in page.content.decode()


def test_export_link_keeps_the_filters(org: Org) -> None:
    page = list_page(org.secretary_a, status="cpc", page="1")
    url = page.context["export_url"]
    try:
        export = reverse("people_export")
    except Exception:
        assert url is None
    else:
        assert url == f"{export}?status=cpc"


def test_unit_select_offers_top_units_and_children_only(org: Org) -> None:
    units = list_page(org.secretary_a).context["units"]
    assert {u.name for u in units} == {"运维部", "运行一班", "运行二班"}
    drilled = list_page(org.leader, unit=str(org.branch_b.pk)).context["units"]
    assert {"检修部", "检修一班", "示范电厂"} <= {u.name for u in drilled}


def grow(org: Org, count: int) -> None:
    tag = DifficultyTag.objects.get(name="困难职工")
    for i in range(count):
        unit = make_unit(f"扩展班组{Person.objects.count()}", "team", org.branch_a if i % 2 else org.branch_b)
        person = make_person(unit, f"新人{i}", hire_date=dt.date(2010, 1, 1))
        person.difficulty_tags.add(tag)
        Pairing.objects.create(contact=org.grid_person, person=person)


def queries(user: Any, url: str) -> int:
    client = client_for(user)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("query", ["", "?sort=-hire_date", "?q=xr", "?key=1&status=masses"])
def test_list_query_count_does_not_grow_with_people(org: Org, settings: Any, query: str) -> None:
    settings.PERSON_PAGE_SIZE = 10
    url = reverse("person_list") + query
    grow(org, 12)  # more than one page: the capped count runs
    small = queries(org.leader, url)
    grow(org, 40)
    assert queries(org.leader, url) == small
    assert queries(org.secretary_a, url) <= small


# --- The file -------------------------------------------------------------------------------------


def detail(user: Any, person: Person) -> Any:
    return client_for(user).get(reverse("person_detail", args=[person.pk]))


def test_file_allowed_out_of_scope_and_method(org: Org) -> None:
    assert detail(org.secretary_a, org.employee_person).status_code == 200
    assert detail(org.grid_member, org.paired_person).status_code == 200
    assert detail(org.secretary_a, org.stranger).status_code == 404
    assert detail(org.employee, org.grid_person).status_code == 404
    assert detail(org.grid_member, org.secretary_a_person).status_code == 404
    url = reverse("person_detail", args=[org.employee_person.pk])
    assert client_for(org.secretary_a).post(url).status_code == 405
    assert client_for(org.secretary_a).get(reverse("person_detail", args=[999999])).status_code == 404


def test_sensitive_sections_only_for_self_and_secretary_and_above(org: Org) -> None:
    for user in (org.employee, org.secretary_a, org.leader, org.department):
        page = detail(user, org.employee_person).content.decode()
        assert "高血压" in page
        assert "家庭变故" in page
    grid_page = detail(org.grid_member, org.employee_person).content.decode()
    assert "张伟" in grid_page
    assert "高血压" not in grid_page
    assert "家庭变故" not in grid_page
    assert "重点" not in grid_page  # not even a badge
    assert "敏感信息" not in grid_page


def test_file_shows_household_tags_and_contacts(org: Org) -> None:
    org.paired_person.household = "父母年迈，需照料"
    org.paired_person.save(update_fields=["household"])
    org.paired_person.difficulty_tags.add(DifficultyTag.objects.get(name="赡养老人"))
    org.grid_a2.grid_chief = org.secretary_a_person
    org.grid_a2.save(update_fields=["grid_chief"])
    Responsibility.objects.create(
        unit=org.branch_a, level=ResponsibilityLevel.DEPARTMENT, responsible_unit=org.root
    )
    Responsibility.objects.create(
        unit=org.grid_b1, level=ResponsibilityLevel.CADRE, responsible_person=org.stranger
    )
    ended = make_person(org.grid_a2, "周杰")
    Pairing.objects.create(
        contact=ended, person=org.paired_person, start_date=dt.date(2020, 1, 1), end_date=dt.date(2021, 1, 1)
    )
    page = detail(org.secretary_a, org.paired_person).content.decode()
    assert "父母年迈，需照料" in page
    assert "赡养老人" in page
    assert "李娜" in page  # the active pairing contact
    assert "陈静" in page  # the grid chief
    assert "示范电厂" in page  # the responsible department for the branch above
    assert "刘洋" not in page  # responsibility for another unit
    assert "周杰" not in page  # an ended pairing
    assert "覆盖空白" not in page


def test_person_without_contacts_shows_the_gap(org: Org) -> None:
    assert "覆盖空白" in detail(org.secretary_a, org.secretary_a_person).content.decode()


def test_file_query_count_does_not_grow_with_contacts(org: Org) -> None:
    url = reverse("person_detail", args=[org.paired_person.pk])
    before = queries(org.secretary_a, url)
    for i in range(5):
        contact = make_person(org.grid_a2, f"联系人{i}")
        Pairing.objects.create(contact=contact, person=org.paired_person)
        Responsibility.objects.create(
            unit=org.grid_a2, level=ResponsibilityLevel.TEAM, responsible_person=contact
        )
        org.paired_person.difficulty_tags.add(*DifficultyTag.objects.all())
    assert queries(org.secretary_a, url) == before


def test_timeline_is_empty_for_now_and_scoped(org: Org) -> None:
    url = reverse("person_timeline", args=[org.employee_person.pk])
    response = client_for(org.secretary_a).get(url)
    assert response.status_code == 200
    assert "暂无记录" in response.content.decode()
    assert response.context["entries"] == []
    assert client_for(org.secretary_b).get(url).status_code == 404
    assert client_for(org.secretary_a).post(url).status_code == 405


def test_timeline_sources_plug_in(org: Org) -> None:
    from lianxin.org import selectors

    def talks(user: Any, person: Person) -> list[TimelineEntry]:
        return [
            TimelineEntry(at=dt.date(2026, 3, 1), kind="谈心", title="入职谈话"),
            TimelineEntry(at=dt.date(2026, 5, 1), kind="走访", title="家访"),
        ]

    register_timeline_source(talks)
    try:
        entries = timeline_for(org.secretary_a, org.employee_person)
        assert [e.title for e in entries] == ["家访", "入职谈话"]
        page = client_for(org.secretary_a).get(reverse("person_timeline", args=[org.employee_person.pk]))
        assert "入职谈话" in page.content.decode()
    finally:
        selectors._timeline_sources.remove(talks)


def test_my_file_redirects_to_own_file(org: Org) -> None:
    response = client_for(org.employee).get(reverse("my_file"))
    assert response.status_code == 302
    assert response["Location"] == reverse("person_detail", args=[org.employee_person.pk])
    assert client_for(org.secretary_b).get(reverse("my_file")).status_code == 404  # no linked person
    assert client_for(org.employee).post(reverse("my_file")).status_code == 405


def test_employee_without_roles_sees_own_file_only(org: Org) -> None:
    person = make_person(org.grid_b1, "孙丽", health_notes="高血压")
    user = make_user("plain", person)
    assert "高血压" in detail(user, person).content.decode()
    assert detail(user, org.stranger).status_code == 404


def test_pages_render_at_phone_width_without_wide_tables(org: Org) -> None:
    """Wide tables sit in a scroll container and have a card list twin for phones."""
    page = list_page(org.secretary_a).content.decode()
    assert 'class="table-responsive' in page
    assert "list-group d-md-none" in page
    assert 'name="viewport"' in page
