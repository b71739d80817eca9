"""Finding an anonymous appeal by its receipt code, for the pages and the API alike.

Guessing is slowed by a failure counter per client address (lianxin.guard: the address behind the trusted
proxies, kept only as an HMAC in a counter that ends with its ten-minute window) and one for everyone; both
are shared by all workers. A wrong code is refused by a keyed index before any Argon2 check runs.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from lianxin.appeals import receipts
from lianxin.appeals.models import Appeal
from lianxin.guard.limits import Limit

WINDOW_SECONDS = 600
FAILURES = Limit("receipt-failures", WINDOW_SECONDS)


def blocked(request: HttpRequest) -> bool:
    return FAILURES.reached(request, settings.APPEAL_RECEIPT_FAILURES_PER_CLIENT) or (
        FAILURES.reached_by_everyone(settings.APPEAL_RECEIPT_FAILURES_GLOBAL)
    )


def _count_failure(request: HttpRequest) -> None:
    FAILURES.count(request, everyone=True)


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
