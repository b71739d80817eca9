"""The security baseline: passwords, lockout, session expiry, CSRF, CSP, headers, cookies, check --deploy."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, Org, make_person, make_user

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

User = get_user_model()
BASE_DIR = Path(settings.BASE_DIR)
LOGIN = "/accounts/login/"
LOCKED_OUT = "登录失败次数过多"
WRONG_CREDENTIALS = "工号或密码不正确"


def logged_in_user_id(client: Client) -> str | None:
    value = client.session.get("_auth_user_id")
    return None if value is None else str(value)


def login(client: Client, username: str, password: str) -> Response:
    return client.post(LOGIN, {"username": username, "password": password})


# --- Passwords ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Ab3$xyz", "password_too_short"),
        ("qwertyuiop", "password_too_common"),
        ("password123", "password_too_common"),
        ("20260615987654", "password_entirely_numeric"),
    ],
)
def test_weak_passwords_are_refused(password: str, code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert code in {error.code for error in refused.value.error_list}


@pytest.mark.django_db
def test_a_password_like_the_username_is_refused() -> None:
    user = User(username="zhangweidong")
    with pytest.raises(ValidationError) as refused:
        validate_password("zhangweidong1", user=user)
    assert "password_too_similar" in {error.code for error in refused.value.error_list}


def test_a_strong_password_is_accepted() -> None:
    validate_password("Lianxin-test-2026")
    validate_password("长江水电-运行一班-2026")


# --- Login ----------------------------------------------------------------------------------------


def test_employee_logs_in_with_employee_number(org: Org) -> None:
    person = make_person(org.grid_a1, "赵敏")
    user = make_user(person.employee_no, person)
    client = Client()
    response = login(client, person.employee_no, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)
    assert logged_in_user_id(client) == str(user.pk)


def test_wrong_password_says_so_and_logs_nobody_in(org: Org) -> None:
    client = Client()
    response = login(client, "employee", "not-the-password")
    assert response.status_code == 200
    assert WRONG_CREDENTIALS in response.content.decode()
    assert logged_in_user_id(client) is None


def test_repeated_failures_lock_the_account_until_the_cool_off(org: Org) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    assert 3 <= limit <= 10
    start = dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = Client()
        for attempt in range(1, limit):
            page = login(client, "employee", f"wrong-{attempt}").content.decode()
            assert WRONG_CREDENTIALS in page and LOCKED_OUT not in page
        assert LOCKED_OUT in login(client, "employee", f"wrong-{limit}").content.decode()

        # Locked: even the right password is refused, with the locked-out page.
        response = login(client, "employee", PASSWORD)
        assert response.status_code in {403, 429}
        assert LOCKED_OUT in response.content.decode()
        assert logged_in_user_id(client) is None

        # The lock is per account and address: a colleague at the same address still gets in.
        colleague = Client()
        assert login(colleague, "grid", PASSWORD).status_code == 302
        assert logged_in_user_id(colleague) == str(org.grid_member.pk)

        clock.shift(dt.timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1))
        assert login(client, "employee", PASSWORD).status_code == 302
        assert logged_in_user_id(client) == str(org.employee.pk)


# --- Sessions -------------------------------------------------------------------------------------


def test_session_ends_after_its_age_and_at_browser_close(db: None) -> None:
    User.objects.create_user("secadmin", password=PASSWORD, is_staff=True)
    age = settings.SESSION_COOKIE_AGE
    assert age <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    with time_machine.travel(dt.datetime(2026, 6, 15, 8, 0, tzinfo=dt.UTC), tick=False) as clock:
        client = Client()
        response = login(client, "secadmin", PASSWORD)
        assert response.status_code == 302
        cookie = response.cookies[settings.SESSION_COOKIE_NAME]
        assert cookie["max-age"] == "" and cookie["expires"] == ""  # gone when the browser closes
        assert cookie["httponly"]

        clock.shift(dt.timedelta(seconds=age - 60))
        assert client.get("/admin/").status_code == 200

        clock.shift(dt.timedelta(seconds=120))
        admin = client.get("/admin/")
        assert admin.status_code == 302 and admin["Location"].startswith("/admin/login/")
        home = client.get("/")
        assert home.status_code == 302 and home["Location"].startswith(LOGIN)


# --- CSRF -----------------------------------------------------------------------------------------


def test_post_without_csrf_token_is_refused(org: Org) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "employee", "password": PASSWORD})
    assert response.status_code == 403
    assert logged_in_user_id(client) is None

    # The same login with the form's token goes through, so the refusal above was the CSRF check.
    client.get(LOGIN)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    credentials = {"username": "employee", "password": PASSWORD, "csrfmiddlewaretoken": token}
    response = client.post(LOGIN, credentials)
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(org.employee.pk)


# --- Headers and cookies --------------------------------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy() -> None:
    response = Client().get(LOGIN)
    assert response.status_code == 200
    policy = csp_directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    for sources in policy.values():
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources


@pytest.mark.django_db
def test_pages_refuse_framing_and_sniffing() -> None:
    response = Client().get(LOGIN)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_login_cookies_are_secure_outside_debug(org: Org) -> None:
    assert not settings.DEBUG, "the test settings run as production does"
    client = Client()
    client.get(LOGIN)
    response = login(client, "employee", PASSWORD)
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert client.cookies[settings.CSRF_COOKIE_NAME]["secure"]


def settings_in_subprocess(extra_env: dict[str, str], tmp_path: Path, expression: str) -> str:
    env = clean_env(tmp_path) | extra_env
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def clean_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a fresh production process: none of this machine's Lianxin or Django settings."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "LIANXIN_", "SECURE_", "AXES_", "SESSION_"))
        and name not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"}
    }
    env |= {"DJANGO_SETTINGS_MODULE": "lianxin.settings", "LIANXIN_VAR_DIR": str(tmp_path)}
    return env


def test_secure_cookies_are_the_default_unless_debug(tmp_path: Path) -> None:
    expression = "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE"
    assert settings_in_subprocess({}, tmp_path, expression) == "True True"
    assert settings_in_subprocess({"DEBUG": "1"}, tmp_path, expression) == "False False"


# --- check --deploy -------------------------------------------------------------------------------

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECURE_COOKIES": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "ALLOWED_HOSTS": "lianxin.example.com",
}


def check_deploy(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=clean_env(tmp_path) | env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.slow
def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    key = secrets.token_urlsafe(45)
    assert len(key) == 60
    result = check_deploy(PRODUCTION_ENV | {"SECRET_KEY": key}, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.slow
def test_check_deploy_notices_a_missing_hsts_and_a_short_key(tmp_path: Path) -> None:
    # Proves the check above really checks: drop two production settings and it complains about both.
    env = PRODUCTION_ENV | {"SECRET_KEY": "too-short", "SECURE_HSTS_SECONDS": "0"}
    result = check_deploy(env, tmp_path)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "security.W004" in output and "security.W009" in output


# --- No inline script or style in any template ----------------------------------------------------

TAG = re.compile(r"<([a-zA-Z][\w:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.DOTALL)
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE)
EVENT_HANDLER = re.compile(r"(?:^|\s)(on[a-z]+|hx-on(?::+[\w-]*)*(?:-[\w-]+)?)\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"(?:^|\s)style\s*=", re.IGNORECASE)
DATA_BLOCK = re.compile(r"""type\s*=\s*["']application/(?:ld\+)?json["']""", re.IGNORECASE)


def inline_code(source: str) -> list[str]:
    """What a strict CSP would block in a template: inline scripts, handlers, styles, javascript: URLs."""
    found: list[str] = []
    for match in SCRIPT.finditer(source):
        attributes, body = match.group(1), match.group(2)
        if DATA_BLOCK.search(attributes):
            continue  # a JSON data block is never executed
        if body.strip():
            found.append(f"inline <script> body: {body.strip()[:40]!r}")
        elif "src=" not in attributes:
            found.append("<script> without src")
    if re.search(r"<style\b", source, re.IGNORECASE):
        found.append("<style> element")
    for tag in TAG.finditer(source):
        name, attributes = tag.group(1), tag.group(2)
        for handler in EVENT_HANDLER.finditer(attributes):
            found.append(f"inline event handler {handler.group(1)}= on <{name}>")
        if STYLE_ATTRIBUTE.search(attributes):
            found.append(f"style= attribute on <{name}>")
        if re.search(r"""=\s*["']?\s*javascript:""", attributes, re.IGNORECASE):
            found.append(f"javascript: URL on <{name}>")
    return found


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        "<script type=\"module\">\n  import x from './x.js'\n</script>",
        '<button class="btn" onclick="go()">{% translate "去" %}</button>',
        "<body\n  onload='init()'>",
        '<div hx-on:click="alert(1)"></div>',
        '<div hx-on::after-request="x()"></div>',
        '<div class="bar" style="width: {{ pct }}%"></div>',
        "<style>.x { color: red }</style>",
        '<a href="javascript:void(0)">x</a>',
    ],
)
def test_scanner_finds_inline_code(snippet: str) -> None:
    assert inline_code(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        "<script src=\"{% static 'lianxin.js' %}\" defer></script>",
        '<script id="data" type="application/json">{"a": 1}</script>',
        '<div class="progress-bar" data-progress="{{ pct }}" hx-get="/p/" hx-trigger="load"></div>',
        '<p>{% translate "turn on=off" %}</p>',
        '<input name="onboarding" data-style="x">',
        '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>',
    ],
)
def test_scanner_leaves_clean_markup_alone(snippet: str) -> None:
    assert inline_code(snippet) == []


def project_templates() -> list[Path]:
    roots = [BASE_DIR / "lianxin" / "templates", *(BASE_DIR / "lianxin").glob("*/templates")]
    return sorted({path for root in roots for path in root.rglob("*.html")})


def test_no_template_has_inline_script_or_style() -> None:
    templates = project_templates()
    names = {path.relative_to(BASE_DIR).as_posix() for path in templates}
    assert {"lianxin/templates/base.html", "lianxin/templates/registration/login.html"} <= names
    problems = [
        f"{path.relative_to(BASE_DIR)}: {problem}"
        for path in templates
        for problem in inline_code(path.read_text(encoding="utf-8"))
    ]
    assert problems == [], "CSP forbids inline code; move it to lianxin/static:\n" + "\n".join(problems)
