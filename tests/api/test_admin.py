"""The token admin: listed for revocation, digest read-only, no way to add a token without its key."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client

from lianxin.api.models import ApiToken
from tests.factories import Org


def test_security_admin_can_see_and_revoke_but_not_add(org: Org) -> None:
    token, raw = ApiToken.issue(user=org.leader, name="大屏")
    admin = get_user_model().objects.create_superuser("root", password="x-unused-123")
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/api/apitoken/")
    assert listing.status_code == 200 and "大屏" in listing.content.decode()
    change = client.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    assert token.key_digest in change and 'name="key_digest"' not in change
    assert client.get("/admin/api/apitoken/add/").status_code == 403
    response = client.post(f"/admin/api/apitoken/{token.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()
    assert Client().get("/api/v1/units", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
