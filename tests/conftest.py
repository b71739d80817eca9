from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.factories import Org, build_org
from tests.services import require_chromium


@pytest.fixture
def org(db: None) -> Org:
    return build_org()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium (the system's) for the whole run, driven by Playwright."""
    executable = require_chromium()
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around it
    # are ordinary synchronous code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=executable,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate-limit counters and other cached state never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


# The data migrations that ship codes and defaults. A transactional test's flush empties their tables, and
# Django's serialized rollback does not restore them under pytest-django here, so they are put back.
SHIPPED_DEFAULTS = (
    "lianxin.org.migrations.0002_default_kinds",
    "lianxin.appeals.migrations.0002_defaults",
    "lianxin.care.migrations.0002_defaults",
    "lianxin.insight.migrations.0002_defaults",
    "lianxin.insight.migrations.0003_lexicon",
    "lianxin.insight.migrations.0006_red_strings",
)


@pytest.fixture(autouse=True)
def _shipped_defaults(request: pytest.FixtureRequest) -> None:
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from importlib import import_module

    from django.apps import apps

    for module in SHIPPED_DEFAULTS:
        import_module(module).add_defaults(apps, None)
