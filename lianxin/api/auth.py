"""Bearer-token authentication for the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from lianxin.api.models import ApiToken, digest

# last_used_at is refreshed at most this often, so reads do not each cost a write.
LAST_USED_PRECISION = timedelta(minutes=1)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = ApiToken.objects.select_related("user").filter(key_digest=digest(token)).first()
        if found is None or not found.user.is_active:
            # A wrong token is refused outright, even when a session cookie would have authenticated.
            raise AuthenticationError()
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user
