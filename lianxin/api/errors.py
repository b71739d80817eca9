"""The API's error bodies, one shape for every refusal: a readable `detail`, and for bad input (422) the
messages by field in `errors`; and the error responses every operation can give, written into the
OpenAPI document once instead of on each operation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from ninja import Status
from ninja.errors import ValidationError as InputError

from lianxin.api.schemas import ErrorOut, InvalidOut

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


def _response(description: str, name: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
    }


def document_common_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add to each operation the refusals it can give whatever it does: 401 when it needs a token, 422
    when it takes any input, 400 when that input is a body that is not JSON."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorOut, InvalidOut):
        components.setdefault(
            model.__name__, model.model_json_schema(ref_template="#/components/schemas/{model}")
        )
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            if operation.get("security"):
                responses.setdefault("401", _response("未认证：缺少令牌或令牌无效", "ErrorOut"))
            if operation.get("parameters") or operation.get("requestBody"):
                responses.setdefault("422", _response("输入不符合要求（errors 按字段列出）", "InvalidOut"))
            if operation.get("requestBody"):
                responses.setdefault("400", _response("请求体不是有效的 JSON", "ErrorOut"))
    return schema
