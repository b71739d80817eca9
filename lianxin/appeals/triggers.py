"""Database triggers that keep an appeal's original and its events unchanged (不改动), PostgreSQL and SQLite.

They back up the ORM guards (Appeal.save, AppealQuerySet, AppendOnlyQuerySet) against raw SQL and other
programs using the database. On SQLite a migration that rebuilds appeals_appeal or appeals_appealevent
(most AlterField operations) drops these triggers: such a migration must call install() again;
tests/appeals/test_immutability.py notices if it does not.
"""

from __future__ import annotations

from typing import Any

from lianxin.audit.triggers import run_for_vendor

ORIGINAL_MESSAGE = "the original of an appeal is immutable"
EVENT_MESSAGE = "appeals_appealevent is append-only"

# The columns of appeals.models.ORIGINAL_FIELDS, as stored.
ORIGINAL_COLUMNS = (
    "number",
    "text",
    "channel",
    "received_at",
    "submitter_id",
    "is_anonymous",
    "entered_by_id",
    "informant_kind",
    "receipt_lookup",
    "receipt_hash",
    "wecom_msgid",
)

_PG_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in ORIGINAL_COLUMNS)
_SQLITE_CHANGED = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in ORIGINAL_COLUMNS)

POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION appeals_appeal_keep_original() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION '{ORIGINAL_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF {_PG_CHANGED} THEN
            RAISE EXCEPTION '{ORIGINAL_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    # Row-level only: TRUNCATE (a whole-database flush) stays possible for the database owner.
    """
    CREATE TRIGGER appeals_appeal_keep_original
    BEFORE UPDATE OR DELETE ON appeals_appeal
    FOR EACH ROW EXECUTE FUNCTION appeals_appeal_keep_original();
    """,
    f"""
    CREATE OR REPLACE FUNCTION appeals_appealevent_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '{EVENT_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER appeals_appealevent_append_only
    BEFORE UPDATE OR DELETE ON appeals_appealevent
    FOR EACH ROW EXECUTE FUNCTION appeals_appealevent_append_only();
    """,
]
POSTGRES_REMOVE = [
    "DROP TRIGGER IF EXISTS appeals_appeal_keep_original ON appeals_appeal;",
    "DROP FUNCTION IF EXISTS appeals_appeal_keep_original();",
    "DROP TRIGGER IF EXISTS appeals_appealevent_append_only ON appeals_appealevent;",
    "DROP FUNCTION IF EXISTS appeals_appealevent_append_only();",
]

SQLITE_APPEAL_NO_UPDATE = f"""
    CREATE TRIGGER appeals_appeal_keep_original BEFORE UPDATE ON appeals_appeal
    WHEN {_SQLITE_CHANGED}
    BEGIN SELECT RAISE(ABORT, '{ORIGINAL_MESSAGE}'); END;
"""
SQLITE_APPEAL_NO_DELETE = f"""
    CREATE TRIGGER appeals_appeal_no_delete BEFORE DELETE ON appeals_appeal
    BEGIN SELECT RAISE(ABORT, '{ORIGINAL_MESSAGE}'); END;
"""
SQLITE_EVENT_NO_UPDATE = f"""
    CREATE TRIGGER appeals_appealevent_no_update BEFORE UPDATE ON appeals_appealevent
    BEGIN SELECT RAISE(ABORT, '{EVENT_MESSAGE}'); END;
"""
SQLITE_EVENT_NO_DELETE = f"""
    CREATE TRIGGER appeals_appealevent_no_delete BEFORE DELETE ON appeals_appealevent
    BEGIN SELECT RAISE(ABORT, '{EVENT_MESSAGE}'); END;
"""
SQLITE_INSTALL = [
    SQLITE_APPEAL_NO_UPDATE,
    SQLITE_APPEAL_NO_DELETE,
    SQLITE_EVENT_NO_UPDATE,
    SQLITE_EVENT_NO_DELETE,
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS appeals_appeal_keep_original;",
    "DROP TRIGGER IF EXISTS appeals_appeal_no_delete;",
    "DROP TRIGGER IF EXISTS appeals_appealevent_no_update;",
    "DROP TRIGGER IF EXISTS appeals_appealevent_no_delete;",
]
# What a SQLite flush (which empties tables with DELETE) lifts and puts back: name → CREATE statement.
SQLITE_DELETE_TRIGGERS = {
    "appeals_appeal_no_delete": SQLITE_APPEAL_NO_DELETE,
    "appeals_appealevent_no_delete": SQLITE_EVENT_NO_DELETE,
}


def install(connection: Any) -> None:
    run_for_vendor(connection, postgres=POSTGRES_INSTALL, sqlite=SQLITE_INSTALL)


def remove(connection: Any) -> None:
    run_for_vendor(connection, postgres=POSTGRES_REMOVE, sqlite=SQLITE_REMOVE)
