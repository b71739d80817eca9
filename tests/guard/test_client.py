"""The client's address behind reverse proxies: believed only through the proxies TRUSTED_PROXIES declares."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from lianxin.audit.models import AccessLog
from lianxin.env import env_trusted_proxies
from lianxin.guard.client import client_ip
from tests.factories import Org

PROXY = "10.0.0.5"
CLIENT = "203.0.113.7"
FORGED = "198.51.100.66"


def networks(raw: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("TRUSTED_PROXIES", raw)
    return env_trusted_proxies("TRUSTED_PROXIES")


def test_without_a_declared_proxy_the_header_is_ignored(settings: Any) -> None:
    settings.TRUSTED_PROXIES = 0
    assert client_ip({"REMOTE_ADDR": CLIENT, "HTTP_X_FORWARDED_FOR": FORGED}) == CLIENT


def test_a_count_of_proxies_takes_the_address_that_many_hops_from_the_right(settings: Any) -> None:
    settings.TRUSTED_PROXIES = 1
    # nginx appended the address it saw; whatever the client wrote in front of it is not believed.
    meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{FORGED}, {CLIENT}"}
    assert client_ip(meta) == CLIENT
    settings.TRUSTED_PROXIES = 2  # a load balancer in front of nginx
    meta = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{FORGED}, {CLIENT}, 10.0.0.9"}
    assert client_ip(meta) == CLIENT
    # A request that did not pass through both proxies has too few hops: its peer is the client.
    assert client_ip({"REMOTE_ADDR": CLIENT, "HTTP_X_FORWARDED_FOR": FORGED}) == CLIENT


def test_trusted_networks_believe_only_their_own_hops(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.TRUSTED_PROXIES = networks("10.0.0.0/8, 192.168.1.1", monkeypatch)
    chain = f"{FORGED}, {CLIENT}, 192.168.1.1"
    assert client_ip({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": chain}) == CLIENT
    assert client_ip({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": CLIENT}) == CLIENT


def test_a_forged_header_from_an_untrusted_peer_is_ignored(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TRUSTED_PROXIES = networks("10.0.0.0/8", monkeypatch)
    assert client_ip({"REMOTE_ADDR": CLIENT, "HTTP_X_FORWARDED_FOR": f"{FORGED}, 10.0.0.1"}) == CLIENT


def test_a_garbled_hop_stops_the_walk_at_the_last_good_address(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TRUSTED_PROXIES = networks("10.0.0.0/8", monkeypatch)
    assert client_ip({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "not-an-address"}) == PROXY
    settings.TRUSTED_PROXIES = 1
    assert client_ip({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "<script>"}) == PROXY
    assert client_ip({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"::ffff:{CLIENT}"}) == CLIENT


def test_a_bad_setting_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    assert networks("", monkeypatch) == 0
    assert networks("2", monkeypatch) == 2
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        networks("10.0.0.0/33", monkeypatch)


@pytest.mark.django_db
def test_the_access_log_records_the_client_behind_the_proxy(org: Org, settings: Any) -> None:
    settings.TRUSTED_PROXIES = 1
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{FORGED}, {CLIENT}")
    client.force_login(org.secretary_a)
    assert client.get(reverse("person_detail", args=[org.employee_person.pk])).status_code == 200
    row = AccessLog.objects.order_by("-pk").first()
    assert row is not None and row.ip_address == CLIENT
