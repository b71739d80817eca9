"""Migration care.0006: contact links made before it take their person's unit, on either database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lianxin.care.models import ContactPerson
from tests.factories import make_person, make_unit, make_user

BEFORE = [("care", "0005_contact_counts")]
AFTER = [("care", "0006_contact_person_unit")]


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_existing_links_take_their_persons_unit() -> None:
    root = make_unit("示范电厂", "enterprise")
    branch = make_unit("运维部", "branch", root)
    grid = make_unit("运行一班", "team", branch, is_grid=True)
    people = [make_person(grid, "张伟"), make_person(branch, "陈静")]
    recorder = make_user("recorder")
    _migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            for n, person in enumerate(people):
                cursor.execute(
                    "INSERT INTO care_contactrecord (kind, date, place, topic, summary, created_at, "
                    "conducted_by_id) VALUES ('talk', %s, '', '', '', %s, %s)",
                    [dt.date(2026, 10, n + 1), dt.datetime(2026, 10, n + 1, tzinfo=dt.UTC), recorder.pk],
                )
                cursor.execute("SELECT max(id) FROM care_contactrecord")
                (record_id,) = cursor.fetchone()
                cursor.execute(
                    "INSERT INTO care_contactperson (record_id, person_id, date) VALUES (%s, %s, %s)",
                    [record_id, person.pk, dt.date(2026, 10, n + 1)],
                )
    finally:
        _migrate(AFTER)
    units = dict(ContactPerson.objects.values_list("person_id", "unit_id"))
    assert units == {people[0].pk: grid.pk, people[1].pk: branch.pk}
