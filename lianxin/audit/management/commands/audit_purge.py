"""`manage.py audit_purge`: delete audit events older than AUDIT_RETENTION_DAYS (never fewer than 180
days: the command refuses a shorter period and the database's trigger refuses younger rows anyway).
The access log is kept without limit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from lianxin.audit.models import AuditEvent, EventKind
from lianxin.audit.services import audit_event_record
from lianxin.audit.triggers import RETENTION_FLOOR_DAYS


class Command(BaseCommand):
    help = "Delete audit events older than the retention period (at least 180 days)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="defaults to AUDIT_RETENTION_DAYS")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"] if options["days"] is not None else settings.AUDIT_RETENTION_DAYS
        if days < RETENTION_FLOOR_DAYS:
            raise CommandError(f"审计记录至少保留 {RETENTION_FLOOR_DAYS} 天，不能按 {days} 天清理")
        cutoff = timezone.now() - dt.timedelta(days=days)
        with transaction.atomic():
            with connection.cursor() as cursor:  # the ORM refuses deletes on append-only rows
                table = AuditEvent._meta.db_table
                cursor.execute(f"DELETE FROM {table} WHERE at < %s", [cutoff])  # noqa: S608
                deleted = cursor.rowcount
            audit_event_record(
                kind=EventKind.ADMIN_CHANGE,
                target=table,
                username="audit_purge",
                detail={"action": "purge", "days": days, "before": cutoff.isoformat(), "deleted": deleted},
            )
        self.stdout.write(f"已清理 {deleted} 条 {days} 天前的审计记录")
