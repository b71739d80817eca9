"""Small typed helpers that read settings from the environment (and from *_FILE for secrets)."""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
TrustedProxies = int | tuple[Network, ...]


def env_str(name: str, default: str = "") -> str:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_trusted_proxies(name: str) -> TrustedProxies:
    """Unset or "0": no proxy; "1", "2": that many proxies; "10.0.0.0/8,127.0.0.1": their networks."""
    raw = env_str(name).strip()
    if not raw:
        return 0
    if raw.isdigit():
        return int(raw)
    try:
        return tuple(ipaddress.ip_network(item.strip()) for item in raw.split(",") if item.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{name} must be a number of proxies or a comma-separated list of networks: {exc}"
        ) from None


def secret_key(var_dir: Path) -> str:
    """SECRET_KEY from the environment, else one generated once into var/ and kept there."""
    key = env_str("SECRET_KEY")
    if key:
        return key
    key_file = var_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return key
