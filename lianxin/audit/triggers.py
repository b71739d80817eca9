"""Database triggers that refuse UPDATE and DELETE on the access log, for PostgreSQL and SQLite.

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
