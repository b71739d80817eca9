"""The page number of a list page, read the same way by every list: a whole number from 1 to MAX_PAGE.

Anything else in `?page=` — a huge number whose OFFSET overflows the database's integer, a "²" that
str.isdigit() accepts and int() does not — reads as page 1 or the last page allowed, never a 500.
"""

from __future__ import annotations

from django.http import HttpRequest

MAX_PAGE = 200  # deeper pages are slow to reach by OFFSET and useless to browse: narrow the filters


def page_number(request: HttpRequest, *, last: int = MAX_PAGE) -> int:
    raw = request.GET.get("page", "1")
    return min(max(int(raw), 1), last) if raw.isascii() and raw.isdigit() else 1
