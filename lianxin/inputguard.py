"""Text no database can store — a NUL byte or a lone UTF-16 surrogate — is refused with a message.

PostgreSQL refuses NUL in text and no UTF-8 encoder accepts a lone surrogate, so either used to end in a
500 (and SQLite kept the NUL, to break exports and a later move to PostgreSQL). Three places refuse it:

- every Django form's CharField and ModelChoiceField, with Django's own NUL validator (its Chinese
  wording, "不允许是用空字符串", says "no empty string", so lianxin/locale/zh_Hans gives it the message
  below): the form is drawn again with the message on the field and everything else kept;
- this middleware, before any view runs: query strings everywhere, and JSON or form bodies sent to the
  API, answered with the API's 422 body (`errors` by field) or, for a page, a 400 page in Chinese;
- a guard on the database connection for the rest (a view that reads `request.POST` itself), which
  stops the query before it is sent and turns the request into the same 400 or 422.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MESSAGE = _("含有无法保存的字符（空字符 U+0000 或不成对的代理码位），请删除后重新提交。")
API_PREFIX = "/api/"


class UnstorableText(SuspiciousOperation):
    """A value on its way to the database holds a character the database cannot store."""


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def has_unstorable(value: str) -> bool:
    return UNSTORABLE.search(value) is not None


def unstorable_fields(data: Any, prefix: str = "") -> Iterator[str]:
    """The dotted names (`text`, `people.2`) of the strings in decoded JSON that hold such a character;
    a key that holds one is named too."""
    if isinstance(data, str):
        if has_unstorable(data):
            yield prefix or "body"
    elif isinstance(data, Mapping):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(key, str) and has_unstorable(key):
                yield prefix or "body"
            else:
                yield from unstorable_fields(value, name)
    elif isinstance(data, Sequence):
        for index, value in enumerate(data):
            yield from unstorable_fields(value, f"{prefix}.{index}" if prefix else str(index))


def _querydict_fields(data: Any) -> Iterator[str]:
    for key, values in data.lists():
        if has_unstorable(key) or any(isinstance(v, str) and has_unstorable(v) for v in values):
            yield key


def _request_fields(request: HttpRequest) -> list[str]:
    fields = list(_querydict_fields(request.GET))
    if is_api(request) and request.method not in ("GET", "HEAD"):
        if request.content_type == "application/json" and request.body:
            try:
                fields += unstorable_fields(json.loads(request.body))
            except ValueError:
                pass  # not JSON: the API answers that itself
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            fields += _querydict_fields(request.POST)
    return fields


def refusal(request: HttpRequest, fields: Sequence[str]) -> HttpResponse:
    message = str(MESSAGE)
    if is_api(request):
        named = {field: [message] for field in dict.fromkeys(fields)}
        return JsonResponse({"detail": message, "errors": named}, status=422)
    return render(request, "unstorable_input.html", {"message": message}, status=400)


def _refuse_in_queries(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Mapping[str, Any]
) -> Any:
    rows = params if many else [params]
    for row in rows or ():
        values = row.values() if isinstance(row, Mapping) else row
        if any(isinstance(v, str) and has_unstorable(v) for v in values or ()):
            raise UnstorableText("a query parameter holds a NUL or a lone surrogate")
    return execute(sql, params, many, context)


class UnstorableInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = _request_fields(request)
        if fields:
            return refusal(request, fields)
        with connection.execute_wrapper(_refuse_in_queries):
            return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, UnstorableText):
            return refusal(request, ["body"])
        return None
