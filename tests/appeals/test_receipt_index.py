"""A wrong receipt code costs a keyed lookup, never an Argon2 check; right codes, old ones included, work."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from argon2 import PasswordHasher
from django.test import Client
from django.urls import reverse

from lianxin.appeals.models import Appeal, ReceiptIndex
from tests.appeals.test_intake_support import public_submit, receipt_in
from tests.factories import Org

pytestmark = pytest.mark.django_db


@pytest.fixture
def argon2_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every Argon2 verification the server runs, by any PasswordHasher."""
    calls: list[str] = []
    original: Callable[..., bool] = PasswordHasher.verify

    def counted(self: PasswordHasher, stored: Any, secret: Any) -> bool:
        calls.append(str(secret))
        return original(self, stored, secret)

    monkeypatch.setattr(PasswordHasher, "verify", counted)
    return calls


def submitted() -> tuple[Appeal, str]:
    code = receipt_in(public_submit(Client()))
    assert code is not None
    return Appeal.objects.get(), code


def follow(code: str) -> Any:
    return Client().post(reverse("receipt_lookup"), {"code": code})


def api_status(code: str) -> Any:
    body = json.dumps({"code": code})
    return Client().post("/api/v1/receipts/status", body, content_type="application/json")


def wrong_secret(code: str) -> str:
    raw = code.replace("-", "")
    return raw[:8] + ("A" if raw[8] != "A" else "B") + raw[9:]


def test_a_wrong_code_never_runs_argon2(org: Org, argon2_checks: list[str]) -> None:
    _appeal, code = submitted()
    for guess in ("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", wrong_secret(code), "not a code"):
        assert follow(guess).status_code == 403
        assert api_status(guess).status_code in (404, 422)
    assert argon2_checks == []


def test_the_right_code_is_found_and_confirmed(org: Org, argon2_checks: list[str]) -> None:
    appeal, code = submitted()
    page = follow(code.lower().replace("-", ""))
    assert page.status_code == 200 and appeal.number in page.content.decode()
    assert api_status(code).json()["number"] == appeal.number
    assert len(argon2_checks) == 2  # one confirmation per lookup, after the index found the row


def test_a_receipt_from_before_the_index_still_works_and_is_indexed(
    org: Org, argon2_checks: list[str]
) -> None:
    appeal, code = submitted()
    ReceiptIndex.objects.filter(appeal=appeal).delete()  # as an appeal filed before the index was
    assert follow("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF").status_code == 403
    assert argon2_checks == []  # a random code matches no old appeal's lookup either
    assert follow(code).status_code == 200
    assert ReceiptIndex.objects.filter(appeal=appeal).exists()
    argon2_checks.clear()
    assert follow(wrong_secret(code)).status_code == 403
    assert argon2_checks == []  # indexed now: the same lookup with a wrong secret costs nothing


def test_a_rotated_secret_key_still_finds_earlier_receipts(org: Org, settings: Any) -> None:
    appeal, code = submitted()
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert appeal.number in follow(code).content.decode()


def test_only_the_digest_is_stored(org: Org) -> None:
    appeal, code = submitted()
    row = ReceiptIndex.objects.get(appeal=appeal)
    raw = code.replace("-", "")
    assert len(row.digest) == 64 and raw[8:] not in row.digest and raw not in row.digest
