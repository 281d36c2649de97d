"""Settings come from environment variables through typed helpers that fail loudly.

SQLite is the default so `make run` needs no server; DATABASE_URL switches to PostgreSQL.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {raw!r}")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_file(name: str, default: Path) -> str:
    """What the file named by `name` holds, stripped; without `name`, what `default` holds, or ""
    when it does not exist. A file named explicitly must be readable and not empty."""
    raw = os.environ.get(name)
    path = Path(raw) if raw is not None else default
    if raw is None and not path.exists():
        return ""
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ImproperlyConfigured(f"{name}: cannot read {path}: {exc}") from None
    if not value:
        raise ImproperlyConfigured(f"{name}: {path} is empty")
    return value


DEBUG = env_bool("DEBUG", False)
# `make run` writes a random key once into .secret-key (git-ignored), so the demo runs as in
# production; a server sets SECRET_KEY or names a file only it can read in SECRET_KEY_FILE.
SECRET_KEY = env_str("SECRET_KEY", "") or env_file("SECRET_KEY_FILE", BASE_DIR / ".secret-key")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off")
    SECRET_KEY = "fangxian-insecure-development-key"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# True only behind a proxy that overwrites X-Forwarded-For (the audit log's "from where") and,
# with HTTPS, X-Forwarded-Proto.
BEHIND_PROXY = env_bool("FANGXIAN_BEHIND_PROXY", False)

# Served over HTTPS, here or at the proxy: plain HTTP is redirected, browsers are told to come
# back only over HTTPS (HSTS) and cookies never travel unencrypted.
HTTPS = env_bool("FANGXIAN_HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("FANGXIAN_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("FANGXIAN_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("FANGXIAN_HSTS_PRELOAD", HTTPS)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
if HTTPS and BEHIND_PROXY:
    # The proxy speaks HTTPS to the phone and HTTP to us; without this every request would be
    # redirected to HTTPS again.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "ninja",  # the API's documentation page from our own static files, not a CDN the policy refuses
    "django_tasks",
    "django_tasks_db",
    "fangxian.places",
    "fangxian.accounts",
    "fangxian.jobs",
    "fangxian.people",
    "fangxian.gate",
    "fangxian.watch",
    "fangxian.duty",
    "fangxian.supplies",
    "fangxian.kits",
    "fangxian.stations",
    "fangxian.errands",
    "fangxian.households",
    "fangxian.casework",
    "fangxian.whistle",
    "fangxian.inspections",
    "fangxian.testing",
    "fangxian.tracing",
    "fangxian.reports",
    "fangxian.demo",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "fangxian.accounts.guards.Guard",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Long work (solving rosters, large PDFs) runs as tasks kept in the database and taken by
# `manage.py db_worker`, its own process (docs/operations.md).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

ROOT_URLCONF = "fangxian.urls"
WSGI_APPLICATION = "fangxian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "fangxian" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "fangxian.accounts.scoping.navigation",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'fangxian.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database address: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the server read while an import writes; the busy timeout rides out short locks.
    # Transactions take the write lock when they begin (IMMEDIATE): two that read and then
    # write at once would otherwise deadlock, and SQLite answers one of them "database is
    # locked" at once instead of waiting out the timeout.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Repeated wrong passwords lock the account, and the address they come from, for a while
# (django-axes): on the login page and on POST /api/v1/auth/token alike.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("FANGXIAN_LOGIN_FAILURES", 10, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("FANGXIAN_LOGIN_LOCK_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "fangxian.accounts.audit.client_ip"
AXES_LOCKOUT_CALLABLE = "fangxian.accounts.views.locked_out"
# Successful logins are in our audit log already; axes keeps only the failures it counts.
AXES_DISABLE_ACCESS_LOG = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "fangxian" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "fangxian" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
WHITENOISE_USE_FINDERS = DEBUG
# Source maps are for a developer's tools, not for phones: not worth compressing (5 MB for the
# API documentation page's).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Uploads: spreadsheets beyond this are refused with a clear message, not read.
IMPORT_MAX_BYTES = env_int("FANGXIAN_IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
PHOTO_MAX_BYTES = env_int("FANGXIAN_PHOTO_MAX_BYTES", 8 * 1024 * 1024, minimum=1024)
# This many complaints of one category at one place within so many days open a case to
# handle before the next complaint (未诉先办).
CASEWORK_REPEAT_COMPLAINTS = env_int("FANGXIAN_REPEAT_COMPLAINTS", 3, minimum=2)
CASEWORK_REPEAT_DAYS = env_int("FANGXIAN_REPEAT_DAYS", 7, minimum=1)
# What an uploaded spreadsheet may unpack to: refused before it is parsed (lib/tabular.py).
IMPORT_MAX_ROWS = env_int("FANGXIAN_IMPORT_MAX_ROWS", 200_000, minimum=1)
IMPORT_MAX_CELLS = env_int("FANGXIAN_IMPORT_MAX_CELLS", 5_000_000, minimum=1)
IMPORT_MAX_CELL_CHARS = env_int("FANGXIAN_IMPORT_MAX_CELL_CHARS", 1_000, minimum=50)
IMPORT_MAX_UNPACKED_BYTES = env_int("FANGXIAN_IMPORT_MAX_UNPACKED_BYTES", 160 * 1024 * 1024, minimum=1024 * 1024)
# An import never confirmed keeps its file and preview this many days, then only its counts.
IMPORT_KEEP_DAYS = env_int("FANGXIAN_IMPORT_KEEP_DAYS", 7)
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Personal data of a closed emergency is anonymised this many days after it closes.
RETENTION_DAYS = env_int("FANGXIAN_RETENTION_DAYS", 30)
# Fever: at or above this temperature (°C × 10, so 373 is 37.3 °C); configurable per city later.
FEVER_AT_TENTHS = env_int("FANGXIAN_FEVER_AT_TENTHS", 373, minimum=350)
# A scan dated further ahead than this (clock drift of a gate phone) is refused.
SCAN_FUTURE_TOLERANCE_SECONDS = env_int("FANGXIAN_SCAN_FUTURE_TOLERANCE_SECONDS", 300)
# A scan dated further back than this is refused: an offline phone syncs within a day, and an
# older time is a phone's clock gone wrong (1970-01-01 judged a permit not yet issued "expired").
SCAN_MAX_AGE_DAYS = env_int("FANGXIAN_SCAN_MAX_AGE_DAYS", 30, minimum=1)
# The same permit at the same gate within this many seconds, with the same verdict, is the same
# passage (a card left in front of the camera), unless the keeper says it is a new one.
GATE_REPEAT_SECONDS = env_int("FANGXIAN_GATE_REPEAT_SECONDS", 60)
# A keeper may undo a pass this long after recording it (a tap on the wrong temperature).
GATE_UNDO_SECONDS = env_int("FANGXIAN_GATE_UNDO_SECONDS", 60, minimum=10)
# A gate page warns when its offline trust bundle is older than this.
BUNDLE_STALE_HOURS = env_int("FANGXIAN_BUNDLE_STALE_HOURS", 12, minimum=1)
API_TOKEN_DAYS = env_int("FANGXIAN_API_TOKEN_DAYS", 30, minimum=1)

SESSION_COOKIE_AGE = 12 * 3600  # one long watch
SESSION_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "fangxian.views.csrf_failure"

# Scripts, styles, images, workers (the offline pages' service workers) and requests come from
# Fangxian itself and nowhere else; no inline script, no inline style attribute, no eval. A page
# that needs a <style> block of its own (the epidemic map's colours, shared with its PDF) gives
# it the request's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "style-src": [SELF, NONCE],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

NINJA_PAGINATION_PER_PAGE = 100
NINJA_PAGINATION_CLASS = "fangxian.accounts.apikit.Page"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
