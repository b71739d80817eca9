"""Bearer-token authentication for the API.

A token's last use is kept to the day (the start of the local day it was last used), and a request that
may carry an anonymous appeal does not stamp it at all: the view stamps it only once the appeal turns out
to be named. So no write made in an anonymous submission, and no stamp made by the same client just before
or after it, can tie the appeal to the token by its time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from lianxin.api.models import ApiToken, digest

# (method, URL name) of the operations whose view decides whether to stamp the token.
STAMPED_BY_VIEW = frozenset({("POST", "appeal_create")})


def _today_start() -> dt.datetime:
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def token_stamp(token: ApiToken) -> None:
    """Record the day of use: one write a day at most, so reads do not each cost a write."""
    day = _today_start()
    if token.last_used_at is None or token.last_used_at < day:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=day)
        token.last_used_at = day


def stamp_request_token(request: HttpRequest) -> None:
    """Stamp the token that authenticated this request, if a token did (a session may have instead)."""
    token: ApiToken | None = getattr(request, "api_token", None)
    if token is not None:
        token_stamp(token)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = ApiToken.objects.select_related("user").filter(key_digest=digest(token)).first()
        if found is None or not found.user.is_active:
            # A wrong token is refused outright, even when a session cookie would have authenticated.
            raise AuthenticationError()
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        route = (request.method, getattr(request.resolver_match, "url_name", None))
        if route not in STAMPED_BY_VIEW:
            token_stamp(found)
        return found.user
