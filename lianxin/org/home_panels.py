"""Panels that other capabilities add to the home page (the leader's warnings and reports, for one),
named in settings.HOME_PANELS so the organisation does not depend on them. A panel is a function of the
request returning (template name, context) to include, or None when it has nothing for this user."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string

Panel = Callable[[HttpRequest], tuple[str, dict[str, Any]] | None]


@cache
def _panels() -> tuple[Panel, ...]:
    return tuple(import_string(name) for name in getattr(settings, "HOME_PANELS", ()))


def home_panels(request: HttpRequest) -> list[tuple[str, dict[str, Any]]]:
    shown = []
    for panel in _panels():
        found = panel(request)
        if found is not None:
            shown.append(found)
    return shown
