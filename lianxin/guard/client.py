"""The client's address, the one place every address-based control reads it from.

Behind a reverse proxy REMOTE_ADDR is the proxy's address; the client's is in X-Forwarded-For, which
anyone can also write. Only the hops that TRUSTED_PROXIES declares are believed: a number of proxies in
front of the app, or the networks they are in. With neither (the default) X-Forwarded-For is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings

from lianxin.env import Network, TrustedProxies


def _address(raw: str) -> str | None:
    try:
        parsed = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    return str(parsed)


def _forwarded(meta: Mapping[str, Any]) -> list[str]:
    header = str(meta.get("HTTP_X_FORWARDED_FOR", ""))
    return [hop.strip() for hop in header.split(",") if hop.strip()]


def _by_count(peer: str, hops: list[str], count: int) -> str:
    # Each of `count` proxies appended the address it received from; the client is `count` hops from the
    # right. Fewer hops than proxies means the request did not come through all of them: use the peer.
    if count == 0 or len(hops) < count:
        return peer
    return _address(hops[-count]) or peer


def _by_networks(peer: str, hops: list[str], networks: Sequence[Network]) -> str:
    # Walk from the nearest hop outwards while the address in hand is a trusted proxy's; the first one that
    # is not is the client. A peer outside the networks is the client, whatever it wrote in the header.
    client, remaining = peer, list(hops)
    while remaining and any(ipaddress.ip_address(client) in network for network in networks):
        hop = _address(remaining.pop())
        if hop is None:
            break
        client = hop
    return client


def client_ip(meta: Mapping[str, Any]) -> str | None:
    """The client's address from a request's META, honouring TRUSTED_PROXIES; None if there is none."""
    peer = _address(str(meta.get("REMOTE_ADDR", "")))
    if peer is None:
        return None
    trusted: TrustedProxies = settings.TRUSTED_PROXIES
    if isinstance(trusted, int):
        return _by_count(peer, _forwarded(meta), trusted)
    return _by_networks(peer, _forwarded(meta), trusted)


def request_client_ip(request: Any) -> str | None:
    """The same for a request: django-axes calls this (AXES_CLIENT_IP_CALLABLE)."""
    return client_ip(request.META)
