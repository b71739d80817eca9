"""A fresh seeded database for a benchmark that serves it over HTTP: PostgreSQL (dropped and created again)
or a SQLite file, migrated and loaded with `demo_seed --people N`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

# The project measured: this checkout, or another one named by LX_BENCH_ROOT (to compare with a version
# from before a change, using the same scripts).
ROOT = Path(os.environ.get("LX_BENCH_ROOT") or Path(__file__).resolve().parent.parent)
PG = "postgres://postgres@127.0.0.1:5432/"


def fresh_database(engine: str, *, name: str, people: int, sqlite_dir: Path) -> str:
    """The new database's URL."""
    if engine == "postgres":
        for sql in (f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'):
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-X", "-q", "-c", sql, "postgres"], check=True
            )
        url = PG + name
    else:
        sqlite_dir.mkdir(parents=True, exist_ok=True)
        path = sqlite_dir / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    env = {**os.environ, "DATABASE_URL": url}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], check=True, env=env)
    seed = [*manage, "demo_seed", "--people", str(people)]
    subprocess.run(seed, check=True, env=env, stdout=subprocess.DEVNULL)
    return url


def credentials_of(script: str, url: str) -> dict[str, str]:
    """Run `script --credentials` on the database at `url`; the key=value lines it prints."""
    env = {**os.environ, "DATABASE_URL": url}
    out = subprocess.run(
        [sys.executable, script, "--credentials"], check=True, env=env, capture_output=True, text=True
    )
    return dict(line.split("=", 1) for line in out.stdout.strip().splitlines() if "=" in line)


def employee_session(username: str) -> tuple[Any, dict[str, str]]:
    """In a process on the fresh database (Django is set up here): a new account for the first person without
    one, logged in with a database session that the server's processes read. (user, cookie values)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lianxin.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from lianxin.org.models import Person

    person = Person.objects.filter(user__isnull=True).order_by("pk").first()
    assert person is not None
    user = get_user_model().objects.create_user(username, password=None)
    person.user = user
    person.save(update_fields=["user"])
    client = Client()
    client.force_login(user)
    return user, {
        "user": str(user.pk),
        "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
    }
