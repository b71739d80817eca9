"""Database triggers that refuse UPDATE and DELETE on the access log and the audit events, for PostgreSQL
and SQLite.

They back up the ORM guard (AppendOnlyQuerySet) against raw SQL and other programs using the database.
On SQLite a migration that rebuilds audit_accesslog (most AlterField operations) drops its triggers:
such a migration must call install() again; tests/audit/test_append_only.py notices if it does not.
"""

from __future__ import annotations

from typing import Any

MESSAGE = "audit_accesslog is append-only"

POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION audit_accesslog_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql;
    """,
    # Row-level only: TRUNCATE (a whole-database flush) stays possible for the database owner.
    """
    CREATE TRIGGER audit_accesslog_append_only
    BEFORE UPDATE OR DELETE ON audit_accesslog
    FOR EACH ROW EXECUTE FUNCTION audit_accesslog_append_only();
    """,
]
POSTGRES_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_accesslog_append_only ON audit_accesslog;",
    "DROP FUNCTION IF EXISTS audit_accesslog_append_only();",
]

SQLITE_NO_UPDATE = f"""
    CREATE TRIGGER audit_accesslog_no_update BEFORE UPDATE ON audit_accesslog
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
"""
SQLITE_NO_DELETE = f"""
    CREATE TRIGGER audit_accesslog_no_delete BEFORE DELETE ON audit_accesslog
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
"""
SQLITE_INSTALL = [SQLITE_NO_UPDATE, SQLITE_NO_DELETE]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_accesslog_no_update;",
    "DROP TRIGGER IF EXISTS audit_accesslog_no_delete;",
]


def run_for_vendor(connection: Any, *, postgres: list[str], sqlite: list[str]) -> None:
    """Run the statements written for this connection's database; other engines get none."""
    statements = {"postgresql": postgres, "sqlite": sqlite}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install(connection: Any) -> None:
    run_for_vendor(connection, postgres=POSTGRES_INSTALL, sqlite=SQLITE_INSTALL)


def remove(connection: Any) -> None:
    run_for_vendor(connection, postgres=POSTGRES_REMOVE, sqlite=SQLITE_REMOVE)


# --- audit_auditevent -----------------------------------------------------------------------------
# The same guard for the audit events, except that rows older than the retention floor may be deleted,
# so a purge can keep the store to its retention period but no one can ever delete recent rows.
RETENTION_FLOOR_DAYS = 180
EVENT_MESSAGE = "audit_auditevent is append-only"

POSTGRES_EVENT_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND OLD.at < now() - interval '{RETENTION_FLOOR_DAYS} days' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION '{EVENT_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER audit_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only();
    """,
]
POSTGRES_EVENT_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;",
    "DROP FUNCTION IF EXISTS audit_auditevent_append_only();",
]
# Django stores datetimes on SQLite as UTC text 'YYYY-MM-DD HH:MM:SS[.ffffff]', which sorts like the
# strftime below.
SQLITE_EVENT_NO_UPDATE = f"""
    CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, '{EVENT_MESSAGE}'); END;
"""
SQLITE_EVENT_NO_DELETE = f"""
    CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
    WHEN OLD.at >= strftime('%Y-%m-%d %H:%M:%f', 'now', '-{RETENTION_FLOOR_DAYS} days')
    BEGIN SELECT RAISE(ABORT, '{EVENT_MESSAGE}'); END;
"""
SQLITE_EVENT_INSTALL = [SQLITE_EVENT_NO_UPDATE, SQLITE_EVENT_NO_DELETE]
SQLITE_EVENT_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete;",
]


def install_events(connection: Any) -> None:
    run_for_vendor(connection, postgres=POSTGRES_EVENT_INSTALL, sqlite=SQLITE_EVENT_INSTALL)


def remove_events(connection: Any) -> None:
    run_for_vendor(connection, postgres=POSTGRES_EVENT_REMOVE, sqlite=SQLITE_EVENT_REMOVE)
