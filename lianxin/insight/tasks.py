"""Huey tasks of insight, collected here so the consumer finds them: the warning rules' scan
(watch_tasks) and trend detection (trend_tasks)."""

from lianxin.insight.suggest_tasks import *  # noqa: F403
from lianxin.insight.trend_tasks import *  # noqa: F403
from lianxin.insight.watch_tasks import *  # noqa: F403
