"""Rate limits per client address (and for everyone at once), in fixed windows, on the shared counters."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from lianxin.guard import counters
from lianxin.guard.client import client_ip

EVERYONE = "*"


@dataclass(frozen=True)
class Limit:
    """Counts per client address in fixed windows of `window` seconds (their end says nothing about when
    a request came). `limit` is read at each check, so a setting can change it."""

    scope: str
    window: int

    def _key(self, who: str) -> str:
        return counters.key(self.scope, who)

    @staticmethod
    def _client(request: HttpRequest) -> str:
        return client_ip(request.META) or ""

    def reached(self, request: HttpRequest, limit: int, *, everyone: int | None = None) -> bool:
        """This client's count is at `limit`, or the count over all clients at `everyone`; one read."""
        if everyone is None:
            return counters.peek(self._key(self._client(request))) >= limit
        mine, all_clients = counters.peek_many([self._key(self._client(request)), self._key(EVERYONE)])
        return mine >= limit or all_clients >= everyone

    def count(self, request: HttpRequest, *, everyone: bool = False) -> None:
        """One more for this client (and, with everyone=True, for the count over all clients); one write."""
        names = [self._key(self._client(request))] + ([self._key(EVERYONE)] if everyone else [])
        counters.hit_many(names, expires_at=counters.window_end(self.window))
