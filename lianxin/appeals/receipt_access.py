"""Finding an anonymous appeal by its receipt code, for the pages and the API alike.

Guessing is slowed by a failure counter per client (keyed by an HMAC of the address with a daily random
salt, kept only in the cache, never stored or logged) and a global one; the Argon2 check runs on a miss too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.appeals import receipts
from lianxin.appeals.models import Appeal

WINDOW_SECONDS = 600


def _limits() -> tuple[int, int]:
    per_client = int(getattr(settings, "APPEAL_RECEIPT_FAILURES_PER_CLIENT", 10))
    overall = int(getattr(settings, "APPEAL_RECEIPT_FAILURES_GLOBAL", 1000))
    return per_client, overall


def _client_key(request: HttpRequest) -> str:
    """An HMAC of the address under a salt that changes daily and lives only in the cache: the counter
    cannot be turned back into an address, and yesterday's keys cannot be linked to today's."""
    day = timezone.localdate().isoformat()
    salt = cache.get_or_set(f"appeal-receipt-salt:{day}", secrets.token_hex(32), timeout=2 * 86400)
    address = request.META.get("REMOTE_ADDR", "")
    digest = hmac.new(f"{settings.SECRET_KEY}:{salt}".encode(), address.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def _counter_keys(request: HttpRequest) -> tuple[str, str]:
    window = int(time.time()) // WINDOW_SECONDS
    return f"appeal-receipt-fail:{window}:{_client_key(request)}", f"appeal-receipt-fail:{window}:all"


def blocked(request: HttpRequest) -> bool:
    per_client, overall = _limits()
    client, everyone = _counter_keys(request)
    return int(cache.get(client, 0)) >= per_client or int(cache.get(everyone, 0)) >= overall


def _count_failure(request: HttpRequest) -> None:
    for key in _counter_keys(request):
        cache.add(key, 0, timeout=WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=WINDOW_SECONDS)


class ReceiptRefused(Exception):
    """The code is wrong, or this client has guessed too often; the message says which."""


def appeal_by_receipt(request: HttpRequest, code: str) -> Appeal:
    if blocked(request):
        raise ReceiptRefused(_("尝试次数过多，请 10 分钟后再试。"))
    parts = receipts.split(code or "")
    lookup, secret = parts if parts is not None else ("", "")
    appeal = (
        Appeal.objects.filter(receipt_lookup=lookup, is_anonymous=True).select_related("unit").first()
        if lookup
        else None
    )
    # Argon2 runs on a miss too (against a dummy hash), so a wrong lookup costs as long as a wrong secret.
    if not receipts.verify(appeal.receipt_hash if appeal is not None else None, secret) or appeal is None:
        _count_failure(request)
        raise ReceiptRefused(_("回执码不正确，请核对后重新输入（不区分大小写，可以不输入短横线）。"))
    return appeal
