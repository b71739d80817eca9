"""Turning a service's ValidationError into the API's 422 body: a readable `detail` and errors by field."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from ninja import Status


def invalid(exc: ValidationError) -> Status[dict[str, Any]]:
    errors: dict[str, list[str]] = {}
    if hasattr(exc, "error_dict"):
        errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    return Status(422, {"detail": "；".join(str(m) for m in exc.messages), "errors": errors})
