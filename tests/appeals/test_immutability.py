"""不改动、不截留: no path alters or deletes an appeal's original or its events, and a handler cannot hide
an appeal from the levels that supervise it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from lianxin.appeals import services as s
from lianxin.appeals.codes import Channel, State
from lianxin.appeals.models import Appeal, AppealEvent, Category
from lianxin.audit.models import AppendOnlyError
from tests.factories import Org

pytestmark = pytest.mark.django_db
User = get_user_model()
TEXT = "夜班补贴三个月未发"


@pytest.fixture
def appeal(org: Org) -> Appeal:
    found = s.appeal_submit(text=TEXT, channel=Channel.WEB, submitter=org.employee_person).appeal
    s.appeal_triage(appeal=found, actor=org.secretary_a, category="pay", grade="yellow")
    return s.appeal_assign(appeal=found, actor=org.secretary_a, handler=org.grid_member, measure="核对考勤")


@pytest.fixture
def superuser_client(db: None) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="Root-password-2026"))
    return client


def stored_text(appeal: Appeal) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM appeals_appeal WHERE id = %s", [appeal.pk])
        return str(cursor.fetchone()[0])


def raw(sql: str, params: list[Any]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- The ORM --------------------------------------------------------------------------------------


def test_saving_a_changed_original_raises(appeal: Appeal) -> None:
    appeal.text = "改过的内容"
    with pytest.raises(AppendOnlyError):
        appeal.save()
    with pytest.raises(AppendOnlyError):
        appeal.save(update_fields=["text"])
    appeal.channel = Channel.HOTLINE
    with pytest.raises(AppendOnlyError):
        appeal.save(update_fields=["channel", "state"])
    assert stored_text(appeal) == TEXT


@pytest.mark.parametrize(
    "change",
    [{"text": "改"}, {"channel": "hotline"}, {"is_anonymous": True}, {"submitter": None}, {"number": "X"}],
)
def test_queryset_update_of_an_original_raises(appeal: Appeal, change: dict[str, Any]) -> None:
    with pytest.raises(AppendOnlyError):
        Appeal.objects.filter(pk=appeal.pk).update(**change)
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert (fresh.text, fresh.channel, fresh.number) == (TEXT, Channel.WEB, appeal.number)


def test_orm_delete_raises(appeal: Appeal) -> None:
    with pytest.raises(AppendOnlyError):
        appeal.delete()
    with pytest.raises(AppendOnlyError):
        Appeal.objects.filter(pk=appeal.pk).delete()
    with pytest.raises(AppendOnlyError):
        Appeal.objects.all().delete()
    assert Appeal.objects.filter(pk=appeal.pk).exists()


def test_events_cannot_be_altered_or_deleted_through_the_orm(appeal: Appeal) -> None:
    event = appeal.events.get(kind="submitted")
    event.text = "伪造"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        AppealEvent.objects.filter(pk=event.pk).update(text="伪造")
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AppealEvent.objects.filter(appeal=appeal).delete()
    assert appeal.events.count() == 3
    assert AppealEvent.objects.get(pk=event.pk).text == ""


# --- The database itself (SQLite and PostgreSQL alike) --------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("text", "改过的内容"),
        ("channel", "hotline"),
        ("received_at", "2020-01-01 00:00:00+00:00"),
        ("is_anonymous", True),
        ("submitter_id", None),
        ("number", "LX-FORGED"),
        ("receipt_hash", "x"),
    ],
)
def test_raw_sql_cannot_update_an_original_column(appeal: Appeal, column: str, value: Any) -> None:
    with pytest.raises(DatabaseError, match="immutable"):
        raw(f"UPDATE appeals_appeal SET {column} = %s WHERE id = %s", [value, appeal.pk])  # noqa: S608
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert (fresh.text, fresh.channel, fresh.submitter_id) == (TEXT, Channel.WEB, appeal.submitter_id)


def test_raw_sql_may_still_update_the_handling_state(appeal: Appeal) -> None:
    # The trigger guards the original only: the services keep moving the state and the handler.
    raw("UPDATE appeals_appeal SET measure = %s WHERE id = %s", ["改进措施", appeal.pk])
    assert Appeal.objects.get(pk=appeal.pk).measure == "改进措施"


def test_raw_sql_cannot_delete_an_appeal(appeal: Appeal) -> None:
    with pytest.raises(DatabaseError, match="immutable"):
        raw("DELETE FROM appeals_appeal WHERE id = %s", [appeal.pk])
    assert stored_text(appeal) == TEXT


def test_raw_sql_cannot_update_or_delete_events(appeal: Appeal) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        raw("UPDATE appeals_appealevent SET text = %s WHERE appeal_id = %s", ["伪造", appeal.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM appeals_appealevent WHERE appeal_id = %s", [appeal.pk])
    assert appeal.events.count() == 3 and not appeal.events.filter(text="伪造").exists()


# --- The admin ------------------------------------------------------------------------------------


def test_admin_shows_the_appeal_read_only(superuser_client: Client, appeal: Appeal) -> None:
    response = superuser_client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert TEXT in html and 'name="text"' not in html and "receipt_hash" not in html
    assert "核对考勤" in html  # the events inline


def test_admin_cannot_change_add_or_delete_an_appeal(
    superuser_client: Client, appeal: Appeal, org: Org
) -> None:
    change = superuser_client.post(
        reverse("admin:appeals_appeal_change", args=[appeal.pk]),
        {"text": "改过的内容", "channel": "hotline", "unit": org.branch_b.pk, "state": "closed"},
    )
    assert change.status_code == 403
    delete = superuser_client.post(reverse("admin:appeals_appeal_delete", args=[appeal.pk]), {"post": "yes"})
    assert delete.status_code == 403
    add = superuser_client.post(reverse("admin:appeals_appeal_add"), {"text": "伪造", "channel": "web"})
    assert add.status_code == 403
    bulk = superuser_client.post(
        reverse("admin:appeals_appeal_changelist"),
        {"action": "delete_selected", "_selected_action": [appeal.pk], "post": "yes"},
    )
    assert bulk.status_code in {200, 302}
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert (fresh.text, fresh.channel, fresh.unit_id, fresh.state) == (
        TEXT,
        Channel.WEB,
        org.branch_a.pk,
        State.IN_PROGRESS,
    )
    assert Appeal.objects.count() == 1 and fresh.events.count() == 3


def test_admin_edits_categories_but_never_deletes_them(superuser_client: Client) -> None:
    url = reverse("admin:appeals_category_change", args=["other"])
    response = superuser_client.post(url, {"label": "其他事项", "covers": "其他", "active": "on", "order": 9})
    assert response.status_code == 302
    assert Category.objects.get(code="other").label == "其他事项"
    assert (
        superuser_client.post(
            reverse("admin:appeals_category_delete", args=["other"]), {"post": "yes"}
        ).status_code
        == 403
    )


def test_admin_notifications_and_boards_are_read_only(superuser_client: Client) -> None:
    for name in ("notification", "board", "boarditem"):
        assert superuser_client.get(reverse(f"admin:appeals_{name}_changelist")).status_code == 200
        assert superuser_client.get(reverse(f"admin:appeals_{name}_add")).status_code == 403


# --- 不截留: a handler cannot intercept ---------------------------------------------------------------


def _worklist_numbers(user: Any, tab: str) -> set[str]:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("appeal_worklist"), {"tab": tab})
    assert response.status_code == 200
    return {a.number for a in response.context["appeals"]}


def test_a_handler_cannot_hide_the_appeal_from_the_supervising_levels(appeal: Appeal, org: Org) -> None:
    handler = Client()
    handler.force_login(org.grid_member)
    page = handler.get(reverse("appeal_detail", args=[appeal.pk]))
    offered = {item["action"].key for item in page.context["actions"]}
    # Nothing the handler may do reroutes, reassigns, merges, closes or withdraws the appeal.
    assert offered == {"progress", "reply", "note"}
    attempts = {
        "triage": {"triage-category": "pay", "triage-grade": "blue", "triage-track": "company"},
        "transfer": {"transfer-handler": org.grid_member.pk, "transfer-reason": "转给自己"},
        "assign": {"assign-handler": org.grid_member.pk, "assign-measure": "x"},
        "merge": {"merge-into": appeal.number},
        "close": {},
        "reopen": {"reopen-reason": "x"},
    }
    for action, data in attempts.items():
        assert handler.post(reverse(f"appeal_{action}", args=[appeal.pk]), data).status_code == 404
    handler.post(reverse("appeal_reply", args=[appeal.pk]), {"reply-text": "已处理"})

    fresh = Appeal.objects.get(pk=appeal.pk)
    assert fresh.unit == org.branch_a and fresh.state == State.ANSWERED
    for supervisor in (org.secretary_a, org.department, org.leader):
        client = Client()
        client.force_login(supervisor)
        assert client.get(reverse("appeal_detail", args=[appeal.pk])).status_code == 200
    # While it is open the supervisors see it on their supervision list; answered, it awaits the return visit.
    reopened = s.appeal_reopen(appeal=fresh, actor=org.secretary_a, reason="答复不完整")
    for supervisor in (org.secretary_a, org.department, org.leader):
        assert reopened.number in _worklist_numbers(supervisor, "supervise")


def test_no_service_signature_takes_a_new_unit_or_text(org: Org) -> None:
    # Only triage moves an appeal, and only between the branch and the company above it (up, never out).
    import inspect

    for name in dir(s):
        func = getattr(s, name)
        if name.startswith("appeal_") and callable(func) and name not in ("appeal_submit",):
            params = set(inspect.signature(func).parameters)
            assert not params & {"unit", "channel", "received_at", "submitter", "number"}, name
    appeal = s.appeal_submit(text="食堂", channel=Channel.WEB, submitter=org.employee_person).appeal
    moved = s.appeal_triage(
        appeal=appeal, actor=org.secretary_a, category="conditions", grade="blue", track="company"
    )
    assert moved.unit == org.root  # above the branch: the department and leadership still supervise it
