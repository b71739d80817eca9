"""The JSON API under /api/v1/: one router module per app; errors are JSON with a `detail` key."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as InputError
from ninja.openapi.schema import OpenAPISchema
from ninja.security import django_auth

from lianxin.api.appeals import router as appeals_router
from lianxin.api.auth import TokenAuth
from lianxin.api.care import router as care_router
from lianxin.api.errors import document_common_errors, input_invalid
from lianxin.api.insight import router as insight_router
from lianxin.api.org import router as org_router
from lianxin.inputguard import UnstorableText, refusal


class LianxinAPI(NinjaAPI):
    """Ninja's API, whose OpenAPI document also lists the refusals every operation can give."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_common_errors(schema)
        return schema


api = LianxinAPI(
    title="Lianxin API",
    version="1",
    description=(
        "连心接口：单位树与人员档案，按用户的职责范围返回数据。"
        "认证：`Authorization: Bearer lx_…`（令牌由 `manage.py issue_token` 签发）。"
    ),
    # A bearer token for clients; the session (with CSRF on unsafe methods) for same-origin pages.
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
    docs_url=None,
)
api.add_router("/", org_router)
api.add_router("/", appeals_router)
api.add_router("/", care_router)
api.add_router("/", insight_router)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, {"detail": "未认证：请提供有效的令牌"}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="lianxin"'
    return response


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # Missing and out of scope are the same answer, so a refusal never confirms existence.
    return api.create_response(request, {"detail": "未找到"}, status=404)


@api.exception_handler(InputError)
def input_refused(request: HttpRequest, exc: InputError) -> HttpResponse:
    return api.create_response(request, input_invalid(exc), status=422)


@api.exception_handler(UnstorableText)
def unstorable(request: HttpRequest, exc: UnstorableText) -> HttpResponse:
    return refusal(request, ["body"])
