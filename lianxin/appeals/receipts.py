"""Receipt codes for anonymous appeals: shown once; an Argon2 hash of the secret part is stored, and a keyed
digest of the whole code that finds the row without running Argon2 for a wrong one.

A code is 24 characters from an unambiguous alphabet: 8 that found the row before the digest, 16 secret,
shown in groups of 4.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from django.conf import settings
from django.utils.crypto import salted_hmac

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LOOKUP_LEN = 8
SECRET_LEN = 16
# Argon2's defaults in production; the test suite, like Django's MD5 hasher there, trades strength for speed.
_hasher = (
    PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if settings.TESTING else PasswordHasher()
)
_INDEX_SALT = "lianxin.appeals.receipt-index"


def _random(n: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def new_receipt() -> tuple[str, str, str]:
    """(code to show once, lookup to store, hash to store)."""
    lookup, secret = _random(LOOKUP_LEN), _random(SECRET_LEN)
    raw = lookup + secret
    code = "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))
    return code, lookup, _hasher.hash(secret)


def index_digests(lookup: str, secret: str) -> list[str]:
    """The code's digest under the secret key, then under each of SECRET_KEY_FALLBACKS (a rotated key
    still finds the receipts issued before). The first is the one to store."""
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return [
        salted_hmac(_INDEX_SALT, lookup + secret, secret=key, algorithm="sha256").hexdigest() for key in keys
    ]


def stored_index(code: str) -> str:
    """The digest to store for a code just issued."""
    raw = code.replace("-", "")
    return index_digests(raw[:LOOKUP_LEN], raw[LOOKUP_LEN:])[0]


def split(code: str) -> tuple[str, str] | None:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(cleaned) != LOOKUP_LEN + SECRET_LEN or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned[:LOOKUP_LEN], cleaned[LOOKUP_LEN:]


def verify(stored_hash: str, secret: str) -> bool:
    """The Argon2 check of a receipt's secret against its stored hash (constant time in the secret)."""
    try:
        return _hasher.verify(stored_hash, secret)
    except (VerificationError, InvalidHashError):
        return False
