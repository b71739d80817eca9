"""Fast inserts of many rows: COPY on PostgreSQL, executemany on SQLite.

Columns the caller does not give get the model field's default, so a field added later with a default
does not break the demo; a new required field without one fails loudly.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

BATCH = 10_000


def _defaults(model: type[models.Model], given: Sequence[str]) -> tuple[list[str], tuple[Any, ...]]:
    columns: list[str] = []
    values: list[Any] = []
    now = timezone.now()
    for f in model._meta.concrete_fields:
        if f.attname in given or f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value: Any = now
        elif f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        elif f.get_internal_type() in {"CharField", "TextField", "SlugField"} and f.blank:
            value = ""
        else:
            raise ValueError(f"{model.__name__}.{f.name} needs a value for the demo")
        if isinstance(value, dict | list):
            value = json.dumps(value)
        columns.append(str(f.column))
        values.append(value)
    return columns, tuple(values)


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert rows (tuples in the order of `fields`, given as attnames) and return how many."""
    meta = model._meta
    given_columns = [str(meta.get_field(name).column) for name in fields]  # type: ignore[union-attr]
    extra_columns, extra_values = _defaults(model, fields)
    columns = given_columns + extra_columns
    table = connection.ops.quote_name(meta.db_table)
    column_sql = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor, for COPY
            with raw.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row, *extra_values))
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({column_sql}) VALUES ({placeholders})"  # noqa: S608 (names are ours)
        extra = tuple(_sqlite_value(v) for v in extra_values)
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append((*(_sqlite_value(v) for v in row), *extra))
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _sqlite_value(value: Any) -> Any:
    # Django's SQLite backend stores datetimes as naive UTC text and dates as ISO text.
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def reset_sequences(*model_list: type[models.Model]) -> None:
    """After inserts with explicit ids, move PostgreSQL's id sequences past them (SQLite needs nothing)."""
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def analyze(*model_list: type[models.Model]) -> None:
    """Refresh the planner's statistics after a bulk load, so the first queries get good plans."""
    with connection.cursor() as cursor:
        for model in model_list:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def drop_plain_indexes(*model_list: type[models.Model]) -> list[str]:
    """On PostgreSQL, drop the tables' plain (non-unique) indexes before a bulk load and return their
    definitions for restore_indexes(): one sorted build per index afterwards instead of half a million
    random inserts into each. Run both in one transaction; whatever indexes exist come back as they were.
    """
    if connection.vendor != "postgresql":
        return []
    tables = [m._meta.db_table for m in model_list]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = ANY(%s) AND NOT x.indisunique AND NOT x.indisprimary
              AND t.relnamespace = to_regnamespace(current_schema())
            """,
            [tables],
        )
        saved = cursor.fetchall()
        for name, _definition in saved:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [definition for _name, definition in saved]


def restore_indexes(definitions: list[str]) -> None:
    if not definitions:
        return
    with connection.cursor() as cursor:
        # The deferred foreign-key checks of the load must run first: PostgreSQL builds no index on a
        # table with pending trigger events. They would run at commit anyway, at the same cost.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for definition in definitions:
            cursor.execute(definition)
        # Back to Django's INITIALLY DEFERRED for the rest of the transaction.
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
