from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from lianxin.api.models import ApiToken
from tests.factories import Org


class ApiClient:
    """A test client that sends a bearer token, or none."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str) -> Any:
        return self.client.post(f"/api/v1{path}", headers=self.headers)


@pytest.fixture
def api_as(org: Org) -> Any:
    def make(user: Any) -> ApiClient:
        _, raw = ApiToken.issue(user=user, name="test")
        return ApiClient(raw)

    return make
