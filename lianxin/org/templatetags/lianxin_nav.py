"""Template helpers for links to pages that may not be wired yet."""

from __future__ import annotations

from typing import Any

from django import template

from lianxin.org.context_processors import url_or_none as _url_or_none

register = template.Library()


@register.simple_tag
def url_or_none(name: str, *args: Any) -> str | None:
    """`{% url_or_none 'person_detail' person.pk as href %}`: the URL, or None when the name is unknown."""
    return _url_or_none(name, *args)


@register.filter
def percent(rate: float | None) -> str:
    """A coverage rate as 87.5%, or a dash when there is nobody to cover."""
    return "—" if rate is None else f"{rate:g}%"


@register.filter
def rate_class(rate: float | None) -> str:
    """A colour class for a coverage rate: full, partial or poor."""
    if rate is None:
        return "lx-rate-none"
    if rate >= 100:
        return "lx-rate-full"
    return "lx-rate-part" if rate >= 80 else "lx-rate-low"
