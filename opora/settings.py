"""Opora settings: every deployment difference comes from the environment.

Embedded (default): SQLite under ./var, database-backed task queue, local-memory cache.
Production: set DATABASE_URL (PostgreSQL), REDIS_URL, SECRET_KEY, ALLOWED_HOSTS — see docs/admin.md.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("OPORA_DATA_DIR", BASE_DIR.parent / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("OPORA_DEBUG")
# Production is any deployment that names its own database: there a missing secret is an error.
PRODUCTION = "DATABASE_URL" in os.environ and not env_bool("OPORA_TESTING")


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set in the environment when DATABASE_URL is set")
    # Embedded mode: a random key kept on local disk, never in the repository.
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # First, so that runserver serves ASGI (WebSockets for live chat).
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "channels",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "opora.core",
    "opora.accounts",
    "opora.customers",
    "opora.tickets",
    "opora.portal",
    "opora.api",
    "opora.sla",
    "opora.automation",
    "opora.mail",
    "opora.workforce",
    "opora.knowledge",
    "opora.feedback",
    "opora.chat",
    "opora.telephony",
    "opora.messengers",
    "opora.entitlements",
    "opora.incidents",
    "opora.authority",
    "opora.improvements",
    "opora.quality",
    "opora.people",
    "opora.fieldservice",
    "opora.success",
    "opora.voices",
    "opora.analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "opora.core.middleware.RejectNulCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as its documentation asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "opora.urls"
WSGI_APPLICATION = "opora.wsgi.application"
ASGI_APPLICATION = "opora.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'opora.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the task worker writes; IMMEDIATE avoids
    # "database is locked" upgrades from read to write locks inside transactions.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif POOL_MAX_CONNECTIONS := int(os.environ.get("OPORA_DB_POOL_MAX", "0")):
    # A pool of PostgreSQL connections per process, for ASGI (`opora serve` sets this for
    # daphne): there every HTTP request runs in a thread of its own, whose persistent connection
    # would outlive it (Django ticket #33497), so without a pool each request connects anew.
    # gunicorn's one-thread workers keep a persistent connection instead (CONN_MAX_AGE).
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(2, POOL_MAX_CONNECTIONS),
        "max_size": POOL_MAX_CONNECTIONS,
        "timeout": 30,  # seconds a request waits for a free connection before it fails
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # a pooled connection goes back after each request

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Counts failed logins per account and address and locks them out (django-axes).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("OPORA_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("OPORA_LOGIN_LOCKOUT_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("OPORA_LANGUAGE", "ru")
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("OPORA_TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("OPORA_STATIC_ROOT", DATA_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it even before collectstatic
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("OPORA_MEDIA_ROOT", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
# Serve straight from the app folders when collectstatic has not run (embedded mode).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

REDIS_URL = os.environ.get("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Live chat's channel layer: Redis when there is one (any number of processes), else in memory
# (one process: the embedded shape).
# A channel holding `capacity` undelivered messages silently drops the next group message, and
# every socket of one server process shares one channel there: at the default of 100 a busy
# process would store and number chat lines that connected clients then never receive.
CHANNEL_CAPACITY = int(os.environ.get("OPORA_CHANNEL_CAPACITY", "5000"))
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "capacity": CHANNEL_CAPACITY},
    }
    if REDIS_URL
    else {
        "BACKEND": "channels.layers.InMemoryChannelLayer",
        "CONFIG": {"capacity": CHANNEL_CAPACITY},
    }
}
# The public chat widget is anonymous: new chats and offline messages per visitor address per hour.
OPORA_CHAT_WIDGET_LIMIT_PER_HOUR = int(os.environ.get("OPORA_CHAT_WIDGET_LIMIT_PER_HOUR", "20"))

# One task API (Django's tasks framework). The database backend serves both the embedded
# and single-server shapes; OPORA_TASK_BACKEND may name another (e.g. the RQ backend).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("OPORA_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# A job RUNNING longer than this is taken to have lost its worker on another machine and is run
# again (opora/core/task_recovery.py): keep it above the longest job (a year's analytics rollup).
OPORA_TASK_LEASE_SECONDS = int(os.environ.get("OPORA_TASK_LEASE_SECONDS", "1800"))
# A job whose workers died this many times is failed rather than handed to another.
OPORA_TASK_MAX_CLAIMS = int(os.environ.get("OPORA_TASK_MAX_CLAIMS", "3"))

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Opora <support@opora.localhost>")

# E-mail channel: spooled mail waits here until it is committed; Message-IDs use this domain.
OPORA_MAIL_SPOOL_DIR = Path(os.environ.get("OPORA_MAIL_SPOOL_DIR", DATA_DIR / "spool"))
OPORA_MAIL_DOMAIN = os.environ.get("OPORA_MAIL_DOMAIN", "opora.localhost")
OPORA_MAIL_MAX_MESSAGE_BYTES = int(
    os.environ.get("OPORA_MAIL_MAX_MESSAGE_BYTES", str(50 * 1024 * 1024))
)
OPORA_MAIL_MAX_SEND_ATTEMPTS = int(os.environ.get("OPORA_MAIL_MAX_SEND_ATTEMPTS", "5"))
# The promise quoted in the automatic acknowledgement ("a human reply within 24 hours").
OPORA_FIRST_REPLY_PROMISE_HOURS = int(os.environ.get("OPORA_FIRST_REPLY_PROMISE_HOURS", "24"))

# Attachments: refused above this size, and only these kinds are accepted.
OPORA_MAX_ATTACHMENT_BYTES = int(
    os.environ.get("OPORA_MAX_ATTACHMENT_BYTES", str(20 * 1024 * 1024))
)
OPORA_ALLOWED_ATTACHMENT_TYPES = env_list(
    "OPORA_ALLOWED_ATTACHMENT_TYPES",
    "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,text/csv,"
    "application/zip,application/msword,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
    "application/vnd.ms-excel,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
    "audio/mpeg,audio/wav,message/rfc822",
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = env_bool("OPORA_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("OPORA_SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("OPORA_SSL_REDIRECT", False)
    SECURE_HSTS_SECONDS = int(os.environ.get("OPORA_HSTS_SECONDS", "0"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("OPORA_HSTS_INCLUDE_SUBDOMAINS")
    SECURE_HSTS_PRELOAD = env_bool("OPORA_HSTS_PRELOAD")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("OPORA_LOG_LEVEL", "WARNING")},
}

# Number of rows a list page or endpoint returns at most.
OPORA_PAGE_SIZE = 25
OPORA_API_MAX_PAGE_SIZE = 200
