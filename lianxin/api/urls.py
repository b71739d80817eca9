"""The JSON API under /api/v1/: one router module per app."""

from ninja import NinjaAPI

from lianxin.api.auth import TokenAuth
from lianxin.api.org import router as org_router

api = NinjaAPI(
    title="Lianxin API",
    version="1",
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url=None,
)
api.add_router("/", org_router)
