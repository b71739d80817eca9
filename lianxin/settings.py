"""Lianxin settings: everything that varies between machines comes from the environment."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import dj_database_url

from lianxin.env import env_bool, env_int, env_list, env_str, env_trusted_proxies, secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("LIANXIN_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

TESTING = "pytest" in sys.modules or env_bool("LIANXIN_TESTING")

SECRET_KEY = secret_key(VAR_DIR)
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "lianxin.audit.apps.AuditedAdminConfig",  # django.contrib.admin, recording every change it makes
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "treebeard",
    "huey.contrib.djhuey",
    "axes",
    "csp",
    "lianxin.guard",
    "lianxin.org",
    "lianxin.audit",
    "lianxin.appeals",
    "lianxin.care",
    "lianxin.insight",
    "lianxin.reports",
    "lianxin.consult",
    "lianxin.api",
]

# Panels other capabilities add to the home page (see lianxin.org.home_panels).
HOME_PANELS = ["lianxin.insight.leader.leader_panel"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lianxin.nostore.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication, so its 400 page has the user's menu; before every view and query.
    "lianxin.inputguard.UnstorableInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lianxin.urls"
WSGI_APPLICATION = "lianxin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "lianxin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "lianxin.org.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
# SQLite (WAL, IMMEDIATE transactions) under var/ by default; PostgreSQL through DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'lianxin.sqlite3'}")
_db: dict[str, Any] = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60)))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000; PRAGMA cache_size=-64000; PRAGMA temp_store=MEMORY;"
        ),
    }
    _db["CONN_MAX_AGE"] = 0 if TESTING else _db.get("CONN_MAX_AGE", 60)
    _db["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")} if env_bool("SQLITE_TEST_FILE") else {}
elif _db["ENGINE"].endswith("postgresql"):
    # JIT compiling costs ~0.6 s on a large aggregate and gains nothing for short OLTP queries.
    _db["OPTIONS"] = {**_db.get("OPTIONS", {}), "options": "-c jit=off"}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = _db["ENGINE"].endswith("postgresql")

# --- Cache and background work --------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Rate limits and lockouts (lianxin.guard.counters) count in Redis when this is set, else in the database.
GUARD_REDIS_URL = env_str("GUARD_REDIS_URL", REDIS_URL)

HUEY: dict[str, Any]
# Periodic tasks are scheduled in local time (TIME_ZONE, which Django puts in the process's TZ): the
# monthly report drafts at 01:30 on the 1st in Shanghai, not at 01:30 UTC.
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "lianxin",
        "url": REDIS_URL,
        "immediate": TESTING,
        "utc": False,
        "consumer": {"workers": env_int("HUEY_WORKERS", 2), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "lianxin",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": TESTING,
        "utc": False,
        "consumer": {"workers": env_int("HUEY_WORKERS", 2), "worker_type": "thread"},
    }

# --- Authentication and security ------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if TESTING
    else [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]
)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The reverse proxies in front of the app: a count ("1") or their networks ("10.0.0.0/8,127.0.0.1"). The
# client's address for lockouts, rate limits and the access log is read from X-Forwarded-For through them
# (lianxin.guard.client); unset, only REMOTE_ADDR counts and X-Forwarded-For is ignored.
TRUSTED_PROXIES = env_trusted_proxies("TRUSTED_PROXIES")
AXES_CLIENT_IP_CALLABLE = "lianxin.guard.client.request_client_ip"
# Failed logins lock an account at one address, an address, and (after far more, for less time) an account
# from anywhere, apart: lianxin.guard.login, on the counters above.
AXES_HANDLER = "lianxin.guard.login.LoginGuardHandler"
AXES_LOCKOUT_CALLABLE = "lianxin.guard.login.lockout_response"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)  # one account from one address
AXES_COOLOFF_TIME = 0.5  # hours: how long those failures add up, and the lock they cause
AXES_RESET_ON_SUCCESS = True
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)  # one address, any accounts
LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("LOGIN_ACCOUNT_FAILURE_LIMIT", 30)  # one account, any addresses
LOGIN_ACCOUNT_LOCK_MINUTES = env_int("LOGIN_ACCOUNT_LOCK_MINUTES", 5)
LOGIN_KNOWN_ADDRESS_DAYS = env_int("LOGIN_KNOWN_ADDRESS_DAYS", 30)  # the account lock spares these addresses
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "lianxin" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "lianxin" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
# Uploaded and generated files live outside the web root and are served only through access helpers.
MEDIA_ROOT = VAR_DIR / "files"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# --- Lianxin --------------------------------------------------------------------------------------
ROSTER_ASYNC_THRESHOLD = env_int("ROSTER_ASYNC_THRESHOLD", 5000)  # rows; larger imports run in Huey
ROSTER_MAX_UPLOAD_BYTES = env_int("ROSTER_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
PERSON_PAGE_SIZE = 50

# WeCom (企业微信) app: the callback's token and AES key, and the client that sends answers back.
# A WeCom userid is the person's employee number (Person.employee_no). Sending is off unless enabled.
WECOM_CORP_ID = env_str("WECOM_CORP_ID")
WECOM_TOKEN = env_str("WECOM_TOKEN")
WECOM_AES_KEY = env_str("WECOM_AES_KEY")  # EncodingAESKey: 43 characters
WECOM_AGENT_ID = env_int("WECOM_AGENT_ID", 0)
WECOM_SECRET = env_str("WECOM_SECRET")
WECOM_SEND_ENABLED = env_bool("WECOM_SEND_ENABLED", default=False) and not TESTING
WECOM_MAX_AGE_SECONDS = env_int("WECOM_MAX_AGE_SECONDS", 300)  # older callbacks are refused as replays
# Wrong receipt codes per client address, and from everyone, in a ten-minute window before lookups stop.
APPEAL_RECEIPT_FAILURES_PER_CLIENT = env_int("APPEAL_RECEIPT_FAILURES_PER_CLIENT", 10)
APPEAL_RECEIPT_FAILURES_GLOBAL = env_int("APPEAL_RECEIPT_FAILURES_GLOBAL", 1000)
# Appeals through the public anonymous form per client address in an hour.
APPEAL_PUBLIC_PER_HOUR = env_int("APPEAL_PUBLIC_PER_HOUR", 20)
APPEAL_ATTACHMENT_MAX_BYTES = env_int("APPEAL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)  # each file
# How long a submission's idempotency key finds its appeal again (a retry after a lost answer).
APPEAL_IDEMPOTENCY_HOURS = env_int("APPEAL_IDEMPOTENCY_HOURS", 24)
CARE_UNCONTACTED_DAYS = env_int("CARE_UNCONTACTED_DAYS", 90)  # flagged when not contacted this long
# Audit events are kept this long (at least 180 days, MLPS level 3; the database refuses younger deletes).
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365)
CARE_SUMMARY_RETENTION_DAYS = env_int("CARE_SUMMARY_RETENTION_DAYS", 3 * 365)  # then topic/summary blanked

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
