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
from lianxin.appeals.models import Appeal, ReceiptIndex
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


def _wrong() -> ReceiptRefused:
    return ReceiptRefused(_("回执码不正确，请核对后重新输入（不区分大小写，可以不输入短横线）。"))


def _by_index(lookup: str, secret: str) -> Appeal | None:
    """The appeal whose indexed code this is: a wrong code finds no row and runs no Argon2 check."""
    digests = receipts.index_digests(lookup, secret)
    row = ReceiptIndex.objects.filter(digest__in=digests).select_related("appeal__unit").first()
    if row is None:
        return None
    # Argon2 still confirms a hit, so the index alone (a leaked table and key) does not open an appeal.
    appeal = row.appeal
    return appeal if appeal.is_anonymous and receipts.verify(appeal.receipt_hash, secret) else None


def _by_lookup(lookup: str, secret: str) -> Appeal | None:
    """An appeal from before the index, found by the lookup part and checked with Argon2 once; from then on
    it is indexed. A wrong code costs Argon2 here only if its first 8 characters are such an appeal's."""
    appeal = (
        Appeal.objects.filter(receipt_lookup=lookup, is_anonymous=True, receipt_index__isnull=True)
        .select_related("unit")
        .first()
    )
    if appeal is None or not receipts.verify(appeal.receipt_hash, secret):
        return None
    ReceiptIndex.objects.get_or_create(
        appeal=appeal, defaults={"digest": receipts.index_digests(lookup, secret)[0]}
    )
    return appeal


def appeal_by_receipt(request: HttpRequest, code: str) -> Appeal:
    if blocked(request):
        raise ReceiptRefused(_("尝试次数过多，请 10 分钟后再试。"))
    parts = receipts.split(code or "")
    appeal = (_by_index(*parts) or _by_lookup(*parts)) if parts is not None else None
    if appeal is None:
        _count_failure(request)
        raise _wrong()
    return appeal
