"""Finding an anonymous appeal by its receipt code, for the pages and the API alike.

Guessing is slowed by a failure counter per client address (lianxin.guard: the address behind the trusted
proxies, kept only as an HMAC in a counter that ends with its ten-minute window) and one for everyone; both
are shared by all workers. A wrong code is refused by a keyed index before any Argon2 check runs.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils.translation import gettext as _

from lianxin.appeals import receipts
from lianxin.appeals.models import Appeal, ReceiptIndex
from lianxin.guard.limits import Limit

WINDOW_SECONDS = 600
FAILURES = Limit("receipt-failures", WINDOW_SECONDS)


def blocked(request: HttpRequest) -> bool:
    per_client, everyone = (
        settings.APPEAL_RECEIPT_FAILURES_PER_CLIENT,
        settings.APPEAL_RECEIPT_FAILURES_GLOBAL,
    )
    return FAILURES.reached(request, per_client, everyone=everyone)


class ReceiptRefused(Exception):
    """The code is wrong, or this client has guessed too often; the message says which."""


class ReceiptBlocked(ReceiptRefused):
    """This client (or everyone) has guessed too often: no code is looked at until the window ends."""


def _find(lookup: str, secret: str) -> Appeal | None:
    """The appeal this code opens, in one query and with Argon2 only for a row the code matches.

    The keyed digest finds an indexed appeal; an appeal from before the index is found by the lookup part,
    checked with Argon2, and indexed from then on. A wrong code matches no digest, so it runs Argon2 only if
    its first 8 characters happen to be an unindexed appeal's lookup."""
    digests = receipts.index_digests(lookup, secret)
    rows = (
        Appeal.objects.filter(
            Q(receipt_index__digest__in=digests) | Q(receipt_lookup=lookup, receipt_index__isnull=True),
            is_anonymous=True,
        )
        .annotate(index_digest=F("receipt_index__digest"))
        .select_related("unit")[:2]
    )
    for appeal in rows:
        # Argon2 still confirms an indexed hit: the index alone (a leaked table and key) opens nothing.
        if not receipts.verify(appeal.receipt_hash, secret):
            continue
        if getattr(appeal, "index_digest", None) is None:
            ReceiptIndex.objects.get_or_create(appeal=appeal, defaults={"digest": digests[0]})
        return appeal
    return None


def appeal_by_receipt(request: HttpRequest, code: str) -> Appeal:
    if blocked(request):
        raise ReceiptBlocked(_("尝试次数过多，请 10 分钟后再试。"))
    parts = receipts.split(code or "")
    appeal = _find(*parts) if parts is not None else None
    if appeal is None:
        FAILURES.count(request, everyone=True)
        raise ReceiptRefused(_("回执码不正确，请核对后重新输入（不区分大小写，可以不输入短横线）。"))
    return appeal
