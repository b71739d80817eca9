"""Counters for rate limits and lockouts when no Redis is configured (see lianxin.guard.counters)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Counter(models.Model):
    # An HMAC of what is counted (an address, an account): no row names either.
    key = models.CharField(primary_key=True, max_length=80)
    count = models.PositiveIntegerField(default=0)
    # Unix seconds. Windows that need to keep nothing about when a request came end on a fixed boundary.
    expires_at = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name = _("计数器")
        verbose_name_plural = _("计数器")

    def __str__(self) -> str:
        return f"{self.key}={self.count}"
