"""Nothing shown to a signed-in user, and nothing the API answers, is kept by a browser or a proxy cache.

Every such page is personal: a person file, an appeal, a care plan, a worklist drawn from the user's own
scope. One rule here instead of a decorator on each view, so a new page cannot forget it. Static files are
answered by WhiteNoise before this runs and stay cacheable.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from lianxin.inputguard import is_api


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Read after the view: the API's token authentication sets request.user inside it.
        user = getattr(request, "user", None)
        if is_api(request) or (user is not None and user.is_authenticated):
            patch_cache_control(response, private=True, no_store=True)
        return response
