"""Rate-limit and lockout counters are shared by every worker and never lose or repeat a count, in Redis
and in the database alike."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from lianxin.guard import counters
from lianxin.guard.models import Counter
from tests.services import require_redis

THREADS = 8
HITS = 40


@pytest.fixture
def redis_store(settings: Any) -> Iterator[str]:
    """The counters in Redis database 13 (kept apart from other suites); only this test's keys are removed."""
    url = require_redis().rsplit("/", 1)[0] + "/13"
    settings.GUARD_REDIS_URL = url
    yield url
    client = counters._redis(url)
    for stale in client.scan_iter(f"{counters.PREFIX}test:*"):
        client.delete(stale)


def hammer(name: str, *, close_connections: bool) -> list[int]:
    """THREADS threads each count HITS times at once; every count each call returned."""
    seen: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait()
            mine = [counters.hit(name, expires_at=counters.now() + 60) for _ in range(HITS)]
            with lock:
                seen.extend(mine)
        except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)
        finally:
            if close_connections:
                connection.close()

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return seen


def test_redis_counts_from_many_threads_lose_and_repeat_nothing(redis_store: str) -> None:
    name = counters.key("test", secrets.token_hex(4))
    seen = hammer(name, close_connections=False)
    assert sorted(seen) == list(range(1, THREADS * HITS + 1))
    assert counters.peek(name) == THREADS * HITS


@pytest.mark.django_db(transaction=True)
def test_database_counts_from_many_threads_lose_and_repeat_nothing(settings: Any) -> None:
    settings.GUARD_REDIS_URL = ""
    name = counters.key("test", secrets.token_hex(4))
    seen = hammer(name, close_connections=True)
    assert sorted(seen) == list(range(1, THREADS * HITS + 1))
    assert counters.peek(name) == THREADS * HITS


@pytest.mark.parametrize("store", ["database", "redis"])
@pytest.mark.django_db
def test_an_expired_counter_starts_again_and_clear_forgets(
    store: str, request: pytest.FixtureRequest
) -> None:
    if store == "redis":
        request.getfixturevalue("redis_store")
    else:
        request.getfixturevalue("settings").GUARD_REDIS_URL = ""
    name = counters.key("test", secrets.token_hex(4))
    assert counters.hit(name, expires_at=counters.now() + 60) == 1
    assert counters.hit(name, expires_at=counters.now() + 60) == 2
    counters.clear(name)
    assert counters.peek(name) == 0
    if store == "database":
        Counter.objects.create(key=name, count=7, expires_at=counters.now() - 1)
        assert counters.peek(name) == 0
        assert counters.hit(name, expires_at=counters.now() + 60) == 1
        Counter.objects.filter(key=name).update(expires_at=counters.now() - 1)
        assert counters.purge_expired() == 1 and not Counter.objects.exists()


def test_keys_name_neither_the_address_nor_the_account() -> None:
    name = counters.key("login-pair", "zhangsan", "203.0.113.7")
    assert "zhangsan" not in name and "203.0.113" not in name
    assert name != counters.key("login-pair", "zhangsan", "203.0.113.8")
    assert counters.window_end(600) % 600 == 0 and counters.window_end(600) > counters.now()
