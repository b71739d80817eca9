"""Insight pages, one module per concept, each with its own `urlpatterns` (mounted under /insight/)."""

from __future__ import annotations

from django.core.exceptions import ValidationError


def error_messages(error: ValidationError) -> list[str]:
    """A service's refusal as plain sentences for the page."""
    return [str(m) for m in error.messages]
