"""The audit store as CSV for inspectors: audit events or the access log over a period, streamed row by
row (UTF-8 with a byte-order mark, so Excel reads the Chinese), values that a spreadsheet would run as a
formula neutralised."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from lianxin.audit.models import AccessLog, AuditEvent
from lianxin.org.export import neutralise

EVENT_HEADERS = ["时间", "类别", "已拒绝", "操作者", "账号名", "对象", "来源地址", "详情"]
ACCESS_HEADERS = ["时间", "访问者", "被访问人员工号", "被访问人员", "途径", "查看部分", "来源地址"]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _local(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")


def _cells(values: list[Any]) -> list[str]:
    return [neutralise(str(v)) if v is not None else "" for v in values]


def event_rows(events: QuerySet[AuditEvent]) -> Iterator[list[str]]:
    for e in events.select_related("actor").order_by("at", "id").iterator(chunk_size=2000):
        actor = e.actor.get_username() if e.actor is not None else ""
        detail = json.dumps(e.detail, ensure_ascii=False, sort_keys=True)
        yield _cells(
            [
                _local(e.at),
                e.get_kind_display(),
                "是" if e.refused else "",
                actor,
                e.username,
                e.target,
                e.ip_address,
                detail,
            ]
        )


def access_rows(logs: QuerySet[AccessLog]) -> Iterator[list[str]]:
    for a in logs.select_related("actor", "person").order_by("at", "id").iterator(chunk_size=2000):
        actor = a.actor.get_username() if a.actor is not None else ""
        yield _cells(
            [
                _local(a.at),
                actor,
                a.person.employee_no,
                a.person.name,
                a.channel,
                "、".join(a.sections),
                a.ip_address,
            ]
        )


def csv_lines(headers: list[str], rows: Iterator[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(headers)
    for row in rows:
        yield writer.writerow(row)


def period(since: dt.date | None, until: dt.date | None) -> dict[str, dt.datetime]:
    """Filter arguments for `at` covering whole local days from `since` to `until`, both included."""
    bounds: dict[str, dt.datetime] = {}
    zone = timezone.get_current_timezone()
    if since is not None:
        bounds["at__gte"] = dt.datetime.combine(since, dt.time.min, tzinfo=zone)
    if until is not None:
        bounds["at__lt"] = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return bounds
