"""Dates on the warning pages as a secretary writes them (12月7日 14:30), never ISO."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from lianxin.insight.words import day_words, moment_words

register = template.Library()


@register.filter
def moment(value: dt.datetime | None) -> str:
    return moment_words(value) if value is not None else ""


@register.filter
def day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return day_words(value)
