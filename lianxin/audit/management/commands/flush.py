"""Django's flush, able to empty the append-only tables too on SQLite (the access log, the audit events,
appeals and their events).

Flushing wipes the whole database on purpose (the test runner does it between transactional tests).
SQLite empties tables with DELETE, which the append-only triggers refuse, so those triggers are lifted for
the flush only, in the same transaction. PostgreSQL empties tables with TRUNCATE, which row triggers allow.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from lianxin.appeals import triggers as appeal_triggers
from lianxin.audit import triggers

# table → {trigger name: the statement that recreates it}
DELETE_TRIGGERS: dict[str, dict[str, str]] = {
    "audit_accesslog": {"audit_accesslog_no_delete": triggers.SQLITE_NO_DELETE},
    "audit_auditevent": {"audit_auditevent_no_delete": triggers.SQLITE_EVENT_NO_DELETE},
    "appeals_appeal": {"appeals_appeal_no_delete": appeal_triggers.SQLITE_APPEAL_NO_DELETE},
    "appeals_appealevent": {"appeals_appealevent_no_delete": appeal_triggers.SQLITE_EVENT_NO_DELETE},
}


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if connection.vendor != "sqlite":
            super().handle(**options)
            return
        tables = set(connection.introspection.table_names())
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            present = {row[0] for row in cursor.fetchall()}
        lifted = {
            name: sql
            for table, names in DELETE_TRIGGERS.items()
            if table in tables
            for name, sql in names.items()
            if name in present
        }
        if not lifted:
            super().handle(**options)
            return
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                for name in lifted:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name};")
            super().handle(**options)
            with connection.cursor() as cursor:
                for sql in lifted.values():
                    cursor.execute(sql)
