"""A small cache-based rate limit for the public receipt endpoints, keyed without keeping addresses.

The key is an HMAC of the client address under a salt derived from SECRET_KEY and today's date, so the
counter works for the day but the address itself is never stored, logged or recoverable from the cache.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone


@dataclass(frozen=True)
class Limit:
    scope: str
    attempts: int
    window_seconds: int


# Receipt look-ups and ratings, per client address: enough for a person, far too few for guessing
# (a code carries 16 secret characters from a 31-letter alphabet).
RECEIPT_LIMIT = Limit("receipt", attempts=20, window_seconds=3600)


def _daily_salt() -> bytes:
    day = timezone.localdate().isoformat()
    message = f"lianxin-ratelimit:{day}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()


def client_key(request: HttpRequest) -> str:
    """An opaque per-day key for the client address; the address itself goes nowhere."""
    address = request.META.get("REMOTE_ADDR") or "unknown"
    return hmac.new(_daily_salt(), address.encode(), hashlib.sha256).hexdigest()


def hit(request: HttpRequest, limit: Limit) -> bool:
    """Count one attempt; True while the client is within the limit, False once it is exceeded."""
    key = f"ratelimit:{limit.scope}:{client_key(request)}"
    if cache.add(key, 1, timeout=limit.window_seconds):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=limit.window_seconds)
        return True
    return count <= limit.attempts
