"""Token authentication: no token, a wrong token, a good one, an inactive user; the public schema."""

from __future__ import annotations

from typing import Any

from django.test import Client

from lianxin.api.models import ApiToken, digest
from tests.api.conftest import ApiClient
from tests.factories import Org


def test_no_token_is_401_json(org: Org) -> None:
    response = ApiClient(None).get("/units")
    assert response.status_code == 401
    assert response.json() == {"detail": "未认证：请提供有效的令牌"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_wrong_token_is_401(org: Org) -> None:
    ApiToken.issue(user=org.leader, name="real")
    for header in ("Bearer lx_not-a-token", "Bearer ", "Token abc", "lx_abc"):
        response = Client().get("/api/v1/units", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json()["detail"]


def test_good_token_authenticates_and_marks_last_use(org: Org, api_as: Any) -> None:
    response = api_as(org.leader).get("/units")
    assert response.status_code == 200
    assert response.json()["count"] == 6
    token = ApiToken.objects.get(user=org.leader)
    assert token.last_used_at is not None


def test_only_the_digest_is_stored(org: Org) -> None:
    token, raw = ApiToken.issue(user=org.leader, name="x")
    assert raw.startswith("lx_")
    assert raw not in token.key_digest
    assert token.key_digest == digest(raw)


def test_inactive_user_token_is_refused(org: Org, api_as: Any) -> None:
    client = api_as(org.leader)
    org.leader.is_active = False
    org.leader.save(update_fields=["is_active"])
    assert client.get("/units").status_code == 401


def test_revoked_token_is_refused(org: Org, api_as: Any) -> None:
    client = api_as(org.leader)
    ApiToken.objects.filter(user=org.leader).delete()
    assert client.get("/people").status_code == 401


def test_wrong_token_is_refused_even_with_a_session(org: Org) -> None:
    client = Client()
    client.force_login(org.leader)
    assert client.get("/api/v1/units").status_code == 200
    response = client.get("/api/v1/units", headers={"Authorization": "Bearer lx_wrong"})
    assert response.status_code == 401


def test_openapi_is_public_json_listing_the_paths(db: None) -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= {
        "/api/v1/units",
        "/api/v1/units/{unit_id}",
        "/api/v1/people",
        "/api/v1/people/{person_id}",
    }
    security = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in security.values())
    # The restricted fields are documented as optional, never in the list schema.
    person_out = schema["components"]["schemas"]["PersonOut"]["properties"]
    assert "health_notes" not in person_out
