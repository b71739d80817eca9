"""Counters behind rate limits and lockouts, shared by every worker and atomic: Redis when REDIS_URL is
set (SET NX with the expiry, then INCR, in one MULTI), the database otherwise (one INSERT … ON CONFLICT).

A key is an HMAC, under the secret key, of what it counts: neither store ever holds an address or an
account name. Expiries are Unix seconds; `window_end` gives a fixed boundary, so that a counter's expiry
does not tell when its first request came (the anonymous form's and the receipt counters use it).
"""

from __future__ import annotations

import functools
import time

import redis
from django.conf import settings
from django.db import OperationalError, connection
from django.utils.crypto import salted_hmac

from lianxin.guard.models import Counter

PREFIX = "lianxin:guard:"
_SQLITE_RETRIES = 50

# One statement however many counters: the rows of one request are counted in one write.
_UPSERT = """
INSERT INTO guard_counter (key, count, expires_at) VALUES {rows}
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN guard_counter.expires_at <= %s THEN 1 ELSE guard_counter.count + 1 END,
    expires_at = CASE WHEN guard_counter.expires_at <= %s THEN excluded.expires_at
                      ELSE guard_counter.expires_at END
RETURNING key, count
"""
_READ = "SELECT key, count FROM guard_counter WHERE key IN ({keys}) AND expires_at > %s"


def key(scope: str, *parts: str) -> str:
    """The counter for `parts` (an address, an account) under `scope` ("receipt", "login-pair")."""
    digest = salted_hmac(f"lianxin.guard.{scope}", "\x00".join(parts), algorithm="sha256").hexdigest()
    return f"{scope}:{digest[:40]}"


def now() -> int:
    return int(time.time())


def window_end(seconds: int) -> int:
    """The end of the fixed window of `seconds` that holds this moment."""
    return (now() // seconds + 1) * seconds


@functools.cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)


def _client() -> redis.Redis | None:
    url: str = settings.GUARD_REDIS_URL
    return _redis(url) if url else None


def hit(name: str, *, expires_at: int) -> int:
    """Count one more and return the count; a new (or expired) counter starts at 1 and ends at expires_at."""
    return hit_many([name], expires_at=expires_at)[0]


def hit_many(names: list[str], *, expires_at: int) -> list[int]:
    """hit() for several counters at once, in one round trip; their counts in the same order."""
    client = _client()
    if client is not None:
        pipe = client.pipeline(transaction=True)
        for name in names:
            pipe.set(PREFIX + name, 0, exat=expires_at, nx=True)
            pipe.incr(PREFIX + name)
        return [int(count) for count in pipe.execute()[1::2]]
    moment = now()
    rows = ", ".join(["(%s, 1, %s)"] * len(names))
    params: list[str | int] = [value for name in names for value in (name, expires_at)]
    for attempt in range(_SQLITE_RETRIES):
        try:
            with connection.cursor() as cursor:
                cursor.execute(_UPSERT.format(rows=rows), [*params, moment, moment])
                counts = dict(cursor.fetchall())
            break
        except OperationalError as exc:
            # SQLite in shared-cache mode (the test suite's in-memory database) reports a busy table at
            # once instead of waiting out busy_timeout: wait briefly and count again. Nothing was counted.
            if connection.vendor != "sqlite" or "locked" not in str(exc) or attempt == _SQLITE_RETRIES - 1:
                raise
            time.sleep(0.002 * (attempt + 1))
    return [int(counts[name]) for name in names]


def peek(name: str) -> int:
    """The current count; 0 once expired."""
    return peek_many([name])[0]


def peek_many(names: list[str]) -> list[int]:
    """peek() for several counters, in one round trip."""
    client = _client()
    if client is not None:
        return [int(value or 0) for value in client.mget([PREFIX + name for name in names])]
    with connection.cursor() as cursor:
        cursor.execute(_READ.format(keys=", ".join(["%s"] * len(names))), [*names, now()])
        counts = dict(cursor.fetchall())
    return [int(counts.get(name, 0)) for name in names]


def clear(*names: str) -> None:
    client = _client()
    if client is not None:
        client.delete(*(PREFIX + name for name in names))
    else:
        Counter.objects.filter(key__in=names).delete()


def purge_expired() -> int:
    """Delete expired rows from the database store (Redis expires its keys itself)."""
    deleted, _ = Counter.objects.filter(expires_at__lte=now()).delete()
    return deleted
