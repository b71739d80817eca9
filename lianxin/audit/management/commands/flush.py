"""Django's flush, able to empty the append-only access log too on SQLite.

Flushing wipes the whole database on purpose (the test runner does it between transactional tests).
SQLite empties tables with DELETE, which the append-only trigger refuses, so the trigger is lifted for
the flush only, in the same transaction. PostgreSQL empties tables with TRUNCATE, which row triggers allow.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from lianxin.audit import triggers


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if connection.vendor != "sqlite" or "audit_accesslog" not in connection.introspection.table_names():
            super().handle(**options)
            return
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute("DROP TRIGGER IF EXISTS audit_accesslog_no_delete;")
            super().handle(**options)
            with connection.cursor() as cursor:
                cursor.execute(triggers.SQLITE_NO_DELETE)
