"""The API's error bodies, one shape for every refusal: a readable `detail`, and for bad input (422) the
messages by field in `errors`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from ninja import Status
from ninja.errors import ValidationError as InputError


# Where ninja says an input came from: the first element of an error's `loc`.
SOURCES = ("body", "query", "path", "header", "cookie", "form", "file")


def invalid(exc: ValidationError) -> Status[dict[str, Any]]:
    """A service's ValidationError as the 422 body."""
    errors: dict[str, list[str]] = {}
    if hasattr(exc, "error_dict"):
        errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    return Status(422, {"detail": "；".join(str(m) for m in exc.messages), "errors": errors})


def _field(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts[:1] == ["body"]:
        parts = parts[2:]  # ("body", "payload", "text"): the view's parameter name means nothing to a client
    elif parts[:1] and parts[0] in SOURCES:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _message(error: dict[str, Any]) -> str:
    # A validator's own ValueError carries the Chinese message; pydantic prefixes it with "Value error, ".
    raised = (error.get("ctx") or {}).get("error")
    return str(raised) if raised is not None else str(error.get("msg", ""))


def input_invalid(exc: InputError) -> dict[str, Any]:
    """Ninja's refusal of a request's parameters or body (pydantic's errors) as the 422 body."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_field(error.get("loc", ())), []).append(_message(error))
    detail = "；".join(f"{field}：{'；'.join(messages)}" for field, messages in errors.items())
    return {"detail": detail, "errors": errors}

