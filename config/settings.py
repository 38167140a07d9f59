"""CivicGrid settings: one module; everything that differs between machines comes from the
environment (twelve-factor). Defaults run the demo on one laptop with SQLite; production sets
DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (see docs/deployment.md)."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CIVICGRID_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [v.strip() for v in os.environ.get(name, default).split(",") if v.strip()]


DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment; otherwise a random key kept in var/ for this install.

    A laptop demo or test run then never shares a key with anyone, and production sets the
    variable (docs/deployment.md)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "*" if DEBUG else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "import_export",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "civicgrid.core",
    "civicgrid.accounts",
    "civicgrid.territory",
    "civicgrid.dispatch",
    "civicgrid.cases",
    "civicgrid.whistles",
    "civicgrid.evaluation",
    "civicgrid.indicators",
    "civicgrid.registry",
    "civicgrid.demo",
    "civicgrid.bench",
    "civicgrid.api",
    "civicgrid.api.open311",
    "civicgrid.webhooks",
    "civicgrid.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# One setting. SQLite is the embedded default; PostgreSQL when a city outgrows one machine.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'civicgrid.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
        # two writers queue on busy_timeout instead of failing with "database is locked" mid-way.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA busy_timeout=20000;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA cache_size=-65536;"
            # Reads of big tables (rollups, cases) map pages instead of copying them.
            "PRAGMA mmap_size=1073741824;"
        ),
    }

# --- Cache: shared by every app server when REDIS_URL is set --------------------------------
# Rate limits (e.g. the tracking page's look-ups) must count across processes; the in-process
# default is right only for one process (the laptop demo).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {"default": (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
     "KEY_PREFIX": "civicgrid"}
    if REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"})}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# --- Language and time ----------------------------------------------------------------------
# Chinese first: UI strings are written in Chinese (the msgids) and translated to English in
# civicgrid/locale/en (docs/decisions.md).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "civicgrid" / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

# --- Static files: everything vendored, nothing from a CDN ----------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# --- Security: secure by default when DEBUG is off -------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- CivicGrid ------------------------------------------------------------------------------
CIVICGRID = {
    # Seconds between checks of the territory revision by a process's cached locator.
    "LOCATOR_REFRESH_SECONDS": float(os.environ.get("CIVICGRID_LOCATOR_REFRESH_SECONDS", "2")),
    # Walking distance (straight line, metres) from a community's centroid to a 15-minute
    # service circle centre within which the community counts as covered (registry.computed).
    "SERVICE_CIRCLE_WALK_M": float(os.environ.get("CIVICGRID_SERVICE_CIRCLE_WALK_M", "1000")),
    # Requests per minute per API token (civicgrid.api.ratelimit); each token may override it.
    "API_RATE_LIMIT_PER_MINUTE": int(os.environ.get("CIVICGRID_API_RATE_LIMIT_PER_MINUTE", "600")),
}
PLATFORM_NAME = _("CivicGrid 全响应网格化社会治理平台")

# Background work (webhook deliveries, computed indicators): Django's Tasks API with the
# database backend, so one machine needs no broker. `civicgrid db_worker` runs the worker.
# TASKS_BACKEND=immediate runs tasks inline (handy for a laptop without a worker running).
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if os.environ.get("TASKS_BACKEND") == "immediate"
            else "django_tasks_db.DatabaseBackend"
        ),
    },
}
