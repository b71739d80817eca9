"""Progress of a running import, visible to the web while the import's transaction is still open.

Rows written inside the import's transaction are invisible to other connections until it commits (and
SQLite would block a second writer), so progress goes through the cache when the cache is shared
between processes (Redis), and otherwise through a small file under MEDIA_ROOT.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache

TIMEOUT = 24 * 3600


def _key(import_id: int) -> str:
    return f"roster-import:{import_id}:progress"


def _shared_cache() -> bool:
    # A per-process cache would hide the worker's progress from the web server.
    return not isinstance(cache, LocMemCache | DummyCache)


def _file(import_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "roster" / "progress" / f"{int(import_id)}.json"


def progress_store(import_id: int, stage: str, done: int, total: int) -> None:
    value = {"stage": stage, "done": done, "total": total}
    if _shared_cache():
        cache.set(_key(import_id), value, TIMEOUT)
        return
    path = _file(import_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value))
    os.replace(tmp, path)  # readers never see half a file


def progress_read(import_id: int) -> dict[str, Any] | None:
    if _shared_cache():
        value: dict[str, Any] | None = cache.get(_key(import_id))
        return value
    try:
        data: dict[str, Any] = json.loads(_file(import_id).read_text())
        return data
    except (OSError, ValueError):
        return None


def progress_clear(import_id: int) -> None:
    if _shared_cache():
        cache.delete(_key(import_id))
    else:
        _file(import_id).unlink(missing_ok=True)


def progress_percent(progress: dict[str, Any] | None) -> int:
    """Reading and checking the file is the first half of the bar, writing the second."""
    if not progress or not progress.get("total"):
        return 0
    share = min(1.0, progress["done"] / progress["total"])
    return int(50 * share) + (50 if progress.get("stage") == "write" else 0)
