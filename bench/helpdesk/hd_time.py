"""Run inside bench/.venv-helpdesk: migrate django-helpdesk, create N tickets in 7 queues through its ORM,
then time "the open tickets of one queue, first page, as a staff user" through its own views.

    HD_DATABASE=postgres://postgres@127.0.0.1:5432/lx_abench_hd python bench/helpdesk/hd_time.py 10000 30

django-helpdesk's list is two requests: the page (tickets/?queue=…&status=1&status=2) and the rows it then
fetches as JSON for DataTables (datatables_ticket_list/<query>?start=0&length=25). A user sees the first page
after both, so both are timed, each and summed. Prints one JSON line on stdout at the end.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdproject.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from helpdesk.models import Queue, Ticket  # noqa: E402
from helpdesk.query import query_to_base64  # noqa: E402

QUEUES = 7
OPEN_SHARE = 0.30  # as in the Lianxin data set the driver creates


def seed(n: int) -> tuple[Queue, object]:
    rng = random.Random(7)
    User = get_user_model()
    staff = User.objects.create_user("hd_staff", "staff@example.com", "x", is_staff=True)
    handlers = [
        User.objects.create_user(f"hd_agent{i}", f"a{i}@example.com", "x", is_staff=True) for i in range(10)
    ]
    queues = [
        Queue.objects.create(title=f"支部 {i + 1}", slug=f"branch{i + 1}", allow_email_submission=False)
        for i in range(QUEUES)
    ]
    now = timezone.now()
    tickets = []
    for i in range(n):
        created = now - timedelta(seconds=rng.randrange(365 * 86400))
        status = rng.choice((1, 2)) if rng.random() < OPEN_SHARE else rng.choice((3, 4, 4, 4, 5))
        tickets.append(
            Ticket(
                title=f"诉求 {i}：食堂晚班供餐时间太早",
                queue=queues[i % QUEUES],
                created=created,
                modified=created,
                submitter_email=f"person{i}@example.com",
                assigned_to=handlers[i % 10] if status != 1 or i % 3 else None,
                status=status,
                description="夜班职工下班后吃不上热饭，希望延长供应或增加夜宵。" * (1 + i % 5),
                priority=rng.choice((1, 2, 3, 3, 4, 5)),
                due_date=created + timedelta(days=15),
            )
        )
    start = time.perf_counter()
    Ticket.objects.bulk_create(tickets, batch_size=2000)
    print(f"helpdesk: {n:,} tickets in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return queues[0], staff


def timed(client: Client, url: str, params: dict[str, object], n: int) -> tuple[list[float], bytes]:
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code, response.content[:500])
    for _ in range(2):
        client.get(url, params)
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url, params)
        samples.append((time.perf_counter() - start) * 1000)
    return samples, response.content


def main(n: int, requests: int) -> None:
    call_command("migrate", verbosity=0, interactive=False)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    queue, staff = seed(n)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    client.force_login(staff)  # type: ignore[arg-type]
    open_in_queue = Ticket.objects.filter(queue=queue, status__in=[1, 2]).count()
    page_params = {"queue": queue.pk, "status": [1, 2]}
    page, _ = timed(client, "/helpdesk/tickets/", page_params, requests)
    query = query_to_base64(
        {
            "filtering": {"queue__id__in": [queue.pk], "status__in": [1, 2]},
            "filtering_null": {},
            "sorting": "created",
            "sortreverse": None,
            "search_string": "",
        }
    )
    rows_url = f"/helpdesk/datatables_ticket_list/{query}"
    rows_params = {"draw": 1, "start": 0, "length": 25}
    rows, body = timed(client, rows_url, rows_params, requests)
    data = json.loads(body)
    with CaptureQueriesContext(connection) as page_q:
        client.get("/helpdesk/tickets/", page_params)
    with CaptureQueriesContext(connection) as rows_q:
        client.get(rows_url, rows_params)
    total = [a + b for a, b in zip(page, rows, strict=True)]
    print(
        json.dumps(
            {
                "system": "django-helpdesk",
                "engine": connection.vendor,
                "tickets": Ticket.objects.count(),
                "open_in_queue": open_in_queue,
                "rows_returned": len(data.get("data", [])),
                "records_filtered": data.get("recordsFiltered"),
                "requests": requests,
                "page_median_ms": statistics.median(page),
                "rows_median_ms": statistics.median(rows),
                "median_ms": statistics.median(total),
                "queries": len(page_q.captured_queries) + len(rows_q.captured_queries),
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000, int(sys.argv[2]) if len(sys.argv) > 2 else 30)
