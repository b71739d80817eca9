"""Huey task of the triage suggester: retrain the learned model every week from the confirmed appeals."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from lianxin.insight.suggest.training import suggester_retrain


@db_periodic_task(crontab(day_of_week="0", hour="3", minute="0"))  # type: ignore[untyped-decorator]
def suggester_retrain_task() -> None:
    """Sunday 03:00: train on every confirmed appeal; the model is used only if it beats the rules.
    Skipped while too few appeals are confirmed."""
    suggester_retrain()
