"""The demo enterprise: its shape follows the seeds, every persona can log in, and large runs keep a
consistent tree."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.test import Client

from lianxin.org.demo import DEMO_PASSWORD
from lianxin.org.demo.accounts import PERSONAS
from lianxin.org.demo.structure import path_step
from lianxin.org.models import (
    Pairing,
    Person,
    PoliticalStatus,
    Responsibility,
    ResponsibilityLevel,
    Role,
    RoleAssignment,
    Unit,
)
from lianxin.org.scope import people_visible_to

pytestmark = pytest.mark.django_db
User = get_user_model()
PARTY = {PoliticalStatus.CPC_MEMBER, PoliticalStatus.PROBATIONARY}


def seed(*args: str) -> str:
    out = StringIO()
    call_command("demo_seed", *args, stdout=out)
    return out.getvalue()


def logins() -> str:
    out = StringIO()
    call_command("demo_logins", stdout=out)
    return out.getvalue()


def persona_user(key: str) -> Any:
    persona = next(p for p in PERSONAS if p.key == key)
    if persona.username:
        return User.objects.get(username=persona.username)
    return User.objects.get(
        role_assignments__role=Role.EMPLOYEE, person__isnull=False, username__startswith="QJ"
    )


def test_default_demo_is_a_hydropower_plant_of_seven_branches_and_25_grids() -> None:
    seed()
    root = Unit.objects.get_root_nodes().get()
    assert (root.name, root.party_name) == ("清江水电厂", "清江水电厂党委")
    branches = list(Unit.objects.get_children(root))
    assert len(branches) == 7
    assert all(b.party_name.endswith("党支部") for b in branches)
    assert Unit.objects.filter(is_grid=True).count() == 25
    assert Person.objects.count() == 230
    party_share = Person.objects.filter(political_status__in=PARTY).count() / 230
    assert 0.30 <= party_share <= 0.40
    # Each grid has a chief who belongs to it and is a party member (seed 004's party group leader).
    for grid in Unit.objects.filter(is_grid=True).select_related("grid_chief"):
        assert grid.grid_chief is not None
        assert grid.grid_chief.unit_id == grid.pk
        assert grid.grid_chief.political_status in PARTY
    # Names are Chinese, unique employee numbers, phones follow the fake pattern.
    assert Person.objects.values("employee_no").distinct().count() == 230
    assert all(p.startswith("1380000") for p in Person.objects.values_list("phone", flat=True))
    assert Person.objects.filter(name_initials="").count() == 0
    assert Person.objects.filter(is_key_person=True).exclude(key_person_reason="").exists()
    assert Person.objects.exclude(health_notes="").exists()
    assert Person.difficulty_tags.through.objects.exists()
    assert Person.objects.filter(status="retired").exists()


def test_pairing_covers_nearly_everyone_with_a_few_deliberate_gaps() -> None:
    seed()
    covered = set(Pairing.objects.active().values_list("person_id", flat=True))
    people = set(Person.objects.values_list("pk", flat=True))
    gaps = people - covered
    assert len(covered & people) / len(people) >= 0.95
    assert 3 <= len(gaps) <= 6
    # A gap has no contact at all, active or ended.
    assert not Pairing.objects.filter(person_id__in=gaps).exists()
    # Contacts of ordinary people are party members of the same grid (seed 004's pairing).
    masses = Pairing.objects.filter(
        person__unit__is_grid=True, person__political_status=PoliticalStatus.MASSES
    )
    assert masses.exists()
    for pairing in masses.select_related("contact", "person"):
        assert pairing.contact.unit_id == pairing.person.unit_id
        assert pairing.contact.political_status in PARTY


def test_responsibility_runs_at_three_levels() -> None:
    seed()
    levels = dict(Responsibility.objects.values_list("level").annotate(n=Count("id")))
    assert levels == {
        ResponsibilityLevel.DEPARTMENT: 7,
        ResponsibilityLevel.CADRE: 25,
        ResponsibilityLevel.TEAM: 25,
    }
    department = Responsibility.objects.filter(level=ResponsibilityLevel.DEPARTMENT).first()
    assert department is not None and department.responsible_unit is not None
    assert department.responsible_unit.name == "党群工作部"


def test_every_persona_logs_in_with_its_role_and_sees_its_scope() -> None:
    seed()
    for persona in PERSONAS:
        user = persona_user(persona.key)
        assert RoleAssignment.objects.filter(user=user, role=persona.role).exists(), persona.key
        validate_password(DEMO_PASSWORD, user)
        client = Client()
        response = client.post("/accounts/login/", {"username": user.username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, persona.key
        assert int(client.session["_auth_user_id"]) == user.pk
        assert not user.is_superuser

    employee = persona_user("employee")
    assert employee.username == employee.person.employee_no
    assert list(people_visible_to(employee)) == [employee.person]

    yunxing = Unit.objects.get(name="运行部")
    seen = people_visible_to(persona_user("secretary_yunxing"))
    assert set(seen) == set(Person.objects.filter(unit__path__startswith=yunxing.path))
    assert not people_visible_to(persona_user("secretary_jianxiu")).filter(
        unit__path__startswith=yunxing.path
    )
    assert people_visible_to(persona_user("department")).count() == 230
    assert people_visible_to(persona_user("sysadmin")).count() == 0
    # The counsellor reads the demo referral given with consent, and no one's file.
    from lianxin.care.scope import can_read_counselling, referrals_visible_to

    counsellor = persona_user("counsellor")
    assert people_visible_to(counsellor).count() == 0
    referrals = list(referrals_visible_to(counsellor))
    assert referrals and all(can_read_counselling(counsellor, r) for r in referrals)
    assert not can_read_counselling(persona_user("secretary_yunxing"), referrals[0])

    # The grid member sees their grid and is the employee's contact.
    grid_member = persona_user("grid_member")
    assert Pairing.objects.filter(contact=grid_member.person, person=employee.person).exists()
    assert {Role.GRID_MEMBER, Role.EMPLOYEE} <= set(
        grid_member.role_assignments.values_list("role", flat=True)
    )


def test_administrators_are_separated() -> None:
    seed()
    sysadmin, secadmin, auditor = (persona_user(k) for k in ("sysadmin", "secadmin", "auditor"))
    assert sysadmin.is_staff and secadmin.is_staff and auditor.is_staff
    assert sysadmin.has_perm("org.change_unitkind") and not sysadmin.has_perm("auth.change_user")
    assert secadmin.has_perm("auth.change_user") and secadmin.has_perm("org.add_roleassignment")
    assert secadmin.has_perm("api.delete_apitoken") and not secadmin.has_perm("org.change_unitkind")
    assert auditor.get_all_permissions() == {"audit.view_accesslog", "audit.view_auditevent"}
    for admin in (sysadmin, secadmin, auditor):
        assert not admin.has_perm("org.view_person")


def test_demo_logins_prints_each_persona_or_how_to_seed() -> None:
    assert "make demo" in logins()
    seed()
    table = logins()
    for persona in PERSONAS:
        assert persona_user(persona.key).username in table
    assert table.count(DEMO_PASSWORD) == len(PERSONAS)
    leader = persona_user("leader")
    leader.set_password("Another-secret-2026")
    leader.save(update_fields=["password"])
    assert logins().count(DEMO_PASSWORD) == len(PERSONAS) - 1


def test_if_empty_makes_the_demo_rerunnable() -> None:
    seed("--if-empty")
    counts = (Person.objects.count(), Unit.objects.count(), Pairing.objects.count(), User.objects.count())
    assert "not seeded again" in seed("--if-empty")
    assert (
        Person.objects.count(),
        Unit.objects.count(),
        Pairing.objects.count(),
        User.objects.count(),
    ) == counts
    with pytest.raises(CommandError):
        seed()


def test_the_same_seed_gives_the_same_people() -> None:
    # The first plant is rolled back rather than deleted: its appeals, like any appeal, cannot be deleted.
    with transaction.atomic():
        seed("--seed", "7")
        first = list(
            Person.objects.order_by("employee_no").values_list("name", "birth_date", "political_status")
        )
        transaction.set_rollback(True)
    assert not Person.objects.exists()
    seed("--seed", "7")
    again = list(Person.objects.order_by("employee_no").values_list("name", "birth_date", "political_status"))
    assert again == first


def test_path_steps_match_treebeard() -> None:
    for position in (1, 9, 10, 35, 36, 1295, 1296, 46655, 36**4 - 1):
        assert path_step(position) == Unit._get_path(None, 1, position)


def test_a_larger_demo_keeps_a_consistent_tree_and_subtree_counts() -> None:
    seed("--people", "2000")
    assert Person.objects.count() == 2000
    assert Unit.objects.find_problems() == ([], [], [], [], [])
    tree = Unit.objects.get_tree()
    assert len(tree) == Unit.objects.count()
    assert [u.path for u in tree] == sorted(u.path for u in tree)
    root = Unit.objects.get_root_nodes().get()
    # Big branches group their teams in sections.
    assert Unit.objects.filter(depth=3, kind__code="district").exists()
    total = Person.objects.filter(unit=root).count()
    for branch in Unit.objects.get_children(root):
        by_path = Person.objects.filter(unit__path__startswith=branch.path).count()
        by_tree = Person.objects.filter(unit__in=[branch, *Unit.objects.get_descendants(branch)]).count()
        assert by_path == by_tree > 0
        total += by_path
    assert total == 2000
    # Treebeard can keep working on the seeded tree.
    section = Unit.objects.filter(kind__code="district").first()
    assert section is not None
    child = Unit.objects.add_child(section, instance=Unit(name="新班组", kind=section.kind))
    assert Unit.objects.get_parent(child) == section
    assert Unit.objects.find_problems() == ([], [], [], [], [])


def logged_in(key: str) -> Client:
    client = Client()
    client.force_login(persona_user(key))
    return client


def test_each_persona_sees_what_its_role_should_see_and_nothing_more() -> None:
    seed()
    yunxing = Unit.objects.get(name="运行部")
    employee = persona_user("employee").person
    colleague = Person.objects.filter(unit=employee.unit).exclude(pk=employee.pk).first()
    assert colleague is not None
    for persona in PERSONAS:
        assert logged_in(persona.key).get("/").status_code == 200, persona.key

    assert logged_in("employee").get(f"/people/{employee.pk}/").status_code == 200
    assert logged_in("employee").get(f"/people/{colleague.pk}/").status_code == 404
    assert logged_in("grid_member").get(f"/people/{employee.pk}/").status_code == 200
    assert logged_in("secretary_yunxing").get(f"/org/units/{yunxing.pk}/").status_code == 200
    assert logged_in("secretary_jianxiu").get(f"/org/units/{yunxing.pk}/").status_code == 404
    assert logged_in("secretary_jianxiu").get(f"/people/{employee.pk}/").status_code == 404
    assert logged_in("informant").get(f"/people/{colleague.pk}/").status_code == 404
    assert logged_in("leader").get(f"/people/{colleague.pk}/").status_code == 200
    assert logged_in("department").get("/org/").status_code == 200

    # The administrators work in the admin, each in their own part of it, and open no person files.
    assert logged_in("sysadmin").get("/admin/org/unitkind/").status_code == 200
    assert logged_in("sysadmin").get("/admin/auth/user/").status_code == 403
    assert logged_in("secadmin").get("/admin/org/roleassignment/").status_code == 200
    assert logged_in("secadmin").get("/admin/org/unitkind/").status_code == 403
    assert logged_in("auditor").get("/admin/audit/accesslog/").status_code == 200
    assert logged_in("auditor").get("/admin/auth/user/").status_code == 403
    for admin in ("sysadmin", "secadmin", "auditor"):
        assert logged_in(admin).get(f"/people/{colleague.pk}/").status_code == 404
        assert logged_in(admin).get("/admin/org/person/").status_code == 403


def test_the_demo_shows_insight_at_work() -> None:
    """Appeals arrive with suggestions, the shuttle-bus story is seen as a trend with its evidence, warnings
    of several levels are open, a learned model is measured against the rules, reports and a meeting exist."""
    from lianxin.appeals.models import Appeal
    from lianxin.consult.models import Meeting
    from lianxin.insight.models import SuggesterModel, Warning
    from lianxin.reports.models import Report

    seed()
    appeals = Appeal.objects.all()
    assert appeals.count() > 100
    assert not appeals.filter(suggested_category="").exists()
    trends = {w.rule: w for w in Warning.objects.filter(source="trend")}
    assert trends["trend_count"].unit.name == "运行部" and trends["trend_count"].category == "conditions"
    assert trends["trend_count"].evidence["count"] >= 5 and trends["trend_count"].evidence["appeal_ids"]
    assert "班车" in trends["trend_term"].title
    assert {"red", "orange", "yellow"} <= set(Warning.objects.values_list("level", flat=True))
    model = SuggesterModel.objects.get()
    assert model.metrics["model"]["category_macro_f1"] > model.metrics["rules"]["category_macro_f1"]
    assert Report.objects.exists() and Meeting.objects.filter(status="held").exists()
