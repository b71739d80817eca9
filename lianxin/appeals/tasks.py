"""Background work of appeals: the overdue escalation sweep every ten minutes, the key purge hourly."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from lianxin.appeals.ledger_tasks import ledger_export_task  # noqa: F401  (registers the task with the consumer)
from lianxin.appeals.services import appeals_escalate_overdue, idempotency_keys_purge
from lianxin.appeals.wecom import wecom_send_reply  # noqa: F401  (registers the task with the consumer)


@db_periodic_task(crontab(minute="*/10"))  # type: ignore[untyped-decorator]
def appeals_escalate_overdue_task() -> int:
    """Each overdue appeal climbs handler → secretary → department → leadership; each step is an event."""
    return appeals_escalate_overdue()


@db_periodic_task(crontab(minute="17"))  # type: ignore[untyped-decorator]
def idempotency_keys_purge_task() -> int:
    """Hourly: idempotency keys past their time go, so none outlives the retries it is for."""
    return idempotency_keys_purge()
