"""Receipt codes for anonymous appeals: shown once, only an Argon2 hash of the secret part is stored.

A code is 24 characters from an unambiguous alphabet: 8 to find the row, 16 secret, shown in groups of 4.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from django.conf import settings

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LOOKUP_LEN = 8
SECRET_LEN = 16
# Argon2's defaults in production; the test suite, like Django's MD5 hasher there, trades strength for speed.
_hasher = (
    PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if settings.TESTING else PasswordHasher()
)
# Verifying against this when no row matches keeps a miss as slow as a hit.
_DUMMY_HASH = _hasher.hash("lianxin-no-such-receipt")


def _random(n: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def new_receipt() -> tuple[str, str, str]:
    """(code to show once, lookup to store, hash to store)."""
    lookup, secret = _random(LOOKUP_LEN), _random(SECRET_LEN)
    raw = lookup + secret
    code = "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))
    return code, lookup, _hasher.hash(secret)


def split(code: str) -> tuple[str, str] | None:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(cleaned) != LOOKUP_LEN + SECRET_LEN or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned[:LOOKUP_LEN], cleaned[LOOKUP_LEN:]


def verify(stored_hash: str | None, secret: str) -> bool:
    """Constant-time verification; with no stored hash it still spends the same time and fails."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, secret) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
