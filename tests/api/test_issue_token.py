"""`manage.py issue_token`: prints a working token once; refuses unknown or inactive users."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from lianxin.api.models import ApiToken
from tests.factories import Org


def test_issued_token_works(org: Org) -> None:
    out, err = StringIO(), StringIO()
    call_command("issue_token", "secretary_a", "--name", "报表系统", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert raw.startswith("lx_") and "\n" not in raw
    assert "不会再次显示" in err.getvalue()
    token = ApiToken.objects.get(user=org.secretary_a)
    assert token.name == "报表系统" and raw not in token.key_digest
    response = Client().get("/api/v1/units", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert [u["name"] for u in response.json()["items"]] == ["运维部", "运行一班", "运行二班"]


@pytest.mark.parametrize(
    ("username", "name", "message"),
    [
        ("nobody", "x", "用户不存在"),
        ("secretary_a", "  ", "名称"),
        ("secretary_a", "长" * 65, "名称"),
    ],
)
def test_bad_input_issues_nothing(org: Org, username: str, name: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("issue_token", username, "--name", name, stdout=StringIO(), stderr=StringIO())
    assert not ApiToken.objects.exists()


def test_inactive_user_gets_no_token(org: Org) -> None:
    org.leader.is_active = False
    org.leader.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="停用"):
        call_command("issue_token", "leader", "--name", "x", stdout=StringIO(), stderr=StringIO())
    assert not ApiToken.objects.exists()
