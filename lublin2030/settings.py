"""Settings for the portal: one module, every value from the environment with a safe dev default.

Without any environment the portal runs embedded: SQLite and a Celery broker on the
filesystem, both under the git-ignored ``var/``. With ``DATABASE_URL`` and ``REDIS_URL``
it uses PostgreSQL and Redis (broker and cache).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import dj_database_url
import django_stubs_ext
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

# Lets generic classes such as ModelAdmin[Stage] be written for mypy and still run.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
SECRET_KEY_MIN_LENGTH = 50
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (the Makefile sets one for development)."
        )
    SECRET_KEY = "dev-only-insecure-key-for-debug-mode-never-in-production-0123456789"  # noqa: S105
elif not DEBUG and len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH:
    raise ImproperlyConfigured(
        f"SECRET_KEY is {len(SECRET_KEY)} characters long; with DEBUG off it must have at least "
        f"{SECRET_KEY_MIN_LENGTH} (python3 -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "lublin2030",
    "stages",
    "opinions",
    "workgroups",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.syndication",
    "allauth",
    "allauth.account",
    "rules.apps.AutodiscoverRulesConfig",
    "django_htmx",
    "template_partials",
    # django-ninja: the API, and the Swagger UI files its documentation page is served with.
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lublin2030.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lublin2030.middleware.PolishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.pagecache.AnonymousPageCacheMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "lublin2030.middleware.StaffIdleTimeoutMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "lublin2030.middleware.ApiMiddleware",
]

ROOT_URLCONF = "lublin2030.urls"
WSGI_APPLICATION = "lublin2030.wsgi.application"

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
                "lublin2030.context_processors.portal",
            ],
            "builtins": ["rules.templatetags.rules"],
            # The bottom layer's tags: `core` is a package, not an app (it has no models).
            "libraries": {
                "portal_layout": "core.templatetags.portal_layout",
                "portal_options": "core.templatetags.portal_options",
                "print_css": "core.templatetags.print_css",
            },
        },
    }
]

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'lublin2030.sqlite3'}"
# Each gunicorn worker keeps its connection (no connect per request: about 1 ms on loopback,
# more across a network) and checks it once per request before use, so a PostgreSQL restart
# costs one failed check, not a failed page. psycopg's pool (OPTIONS["pool"]) would add a
# dependency for no gain with one connection per process (gunicorn.conf.py: sync workers).
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share one file: wait for locks instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    # Tests use a file, not Django's in-memory default: a Celery worker thread in a test
    # then gets its own connection that waits for locks (shared-cache memory databases
    # fail at once with "table is locked" instead).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-lublin2030.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker and cache when set ------------------------------------------------
# One server, a database for each use: the broker (and task results) in REDIS_URL's own
# database, the cache in the next one. The cache's clear() flushes its whole database, so
# sharing one with the broker would drop every queued task.
REDIS_URL = os.environ.get("REDIS_URL", "")


def redis_url_with_db(url: str, db: int) -> str:
    """`url` (redis://host:port/N, rediss://...) pointing at database `db` instead."""
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "db"])
    return urlunsplit(parts._replace(path=f"/{db}", query=query))


def redis_db_of(url: str) -> int:
    """The database a redis:// URL names (`?db=` wins over the path, as in redis-py); 0 if none."""
    parts = urlsplit(url)
    return int(dict(parse_qsl(parts.query)).get("db") or parts.path.strip("/") or 0)


REDIS_BROKER_DB = int(os.environ.get("REDIS_BROKER_DB") or redis_db_of(REDIS_URL))
REDIS_CACHE_DB = int(os.environ.get("REDIS_CACHE_DB") or REDIS_BROKER_DB + 1)
if REDIS_URL and REDIS_CACHE_DB == REDIS_BROKER_DB:
    raise ImproperlyConfigured(
        "REDIS_CACHE_DB must differ from REDIS_BROKER_DB: clearing the cache would empty the queue."
    )

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "lublin2030.cache.ReusedClientRedisCache",
            "LOCATION": redis_url_with_db(REDIS_URL, REDIS_CACHE_DB),
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "lublin2030"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Public read pages served to anonymous visitors from the cache for this many seconds (0: off);
# see core/pagecache.py for what is never cached. Patterns of URL names.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "5"))
# How much older than that a copy may be when it stands in while one request renders the page
# again (the others are not all made to render it at once); also the longest a render may
# hold the page's lock.
PAGE_CACHE_STALE_SECONDS = int(os.environ.get("PAGE_CACHE_STALE_SECONDS", "10"))
PAGE_CACHE_VIEWS = (
    "home",
    "opinions:list",
    "opinions:detail",
    "opinions:consultation",
    "opinions:report_list",
    "opinions:report_detail",
    "opinions:report_opinions",
    "opinions:consultation_report",
    "opinions:consultation_report_version",
    "stages:stage_detail",
    "stages:update_list",
    "stages:update_detail",
    "stages:strategy*",
    "workgroups:group_list",
    "workgroups:group_detail",
    "workgroups:goal_opinions",
    "workgroups:recommendation_public",
    "workgroups:summary_*",
)
# Cookies no cached page depends on but the views named with each (patterns of URL names): a
# browser that carries one is served the same copies as one without, on every other page.
PAGE_CACHE_NEUTRAL_COOKIES: dict[str, tuple[str, ...]] = {
    # The browser's id (opinions/browsers.py): an opinion's page shows whether it supports it.
    "visitor": ("opinions:detail",),
}
# Writes through these views change no page the cache holds, so they keep its copies (every
# other successful write request starts a new generation): an answer, a comment on an opinion
# or on a document's section is saved pending moderation and shows once a moderator publishes
# it (a write that does start one); signing in or out, signing up and the language switch
# change only the visitor's own session or cookie. Patterns of URL names.
PAGE_CACHE_PRIVATE_WRITES = (
    "opinions:answer",
    "opinions:comment",
    "opinions:document_section",
    "set_language",
    "account_login",
    "account_logout",
    "account_signup",
)

# --- Celery ---------------------------------------------------------------------------------
CELERY_FILESYSTEM_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = redis_url_with_db(REDIS_URL, REDIS_BROKER_DB)
    CELERY_RESULT_BACKEND = CELERY_BROKER_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    # kombu's filesystem transport: a broker that needs no server (embedded mode).
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILESYSTEM_DIR / "queue"),
        "data_folder_out": str(CELERY_FILESYSTEM_DIR / "queue"),
        "processed_folder": str(CELERY_FILESYSTEM_DIR / "processed"),
        "control_folder": str(CELERY_FILESYSTEM_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{CELERY_FILESYSTEM_DIR / 'results'}"
    for _folder in ("queue", "processed", "results", "control"):
        (CELERY_FILESYSTEM_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue("default")]
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = "Europe/Warsaw"
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# Tasks are written to be safe to run twice, so a task whose worker dies is redelivered.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "publish-due-stage-updates": {
        "task": "stages.tasks.publish_due_updates",
        "schedule": 60.0,
    },
    # Opinions saved while the broker was down (or whose run died) are analysed within half
    # a minute of its return, with no new submission needed to send a run.
    "analyse-submitted-opinions": {
        "task": "opinions.tasks.analyse_submitted_opinions",
        "schedule": 30.0,
    },
    "analyse-opinion-backlog": {
        "task": "opinions.tasks.analyse_backlog",
        "schedule": 300.0,
    },
    # At most one message a day per opinion: what it became since the last one.
    "sync-recommendations-consultations": {
        "task": "workgroups.tasks.sync_recommendations_consultations",
        "schedule": 600.0,
    },
    "send-trace-digests": {
        "task": "workgroups.tasks.send_trace_digests",
        "schedule": crontab(hour=7, minute=30),
    },
    "erase-author-emails": {
        "task": "opinions.tasks.erase_author_emails",
        "schedule": crontab(hour=4, minute=0),
    },
    "train-area-classifier": {
        "task": "opinions.tasks.train_area_classifier",
        "schedule": crontab(hour=3, minute=15),
    },
    # The open-data files (lublin2030/opendata), after the night's report builds.
    "write-open-data": {
        "task": "lublin2030.tasks.write_open_data",
        "schedule": crontab(hour=4, minute=30),
    },
    "build-thematic-reports": {
        "task": "opinions.tasks.build_reports_if_new_opinions",
        "schedule": crontab(hour=2, minute=30),
    },
    # SQLite's planner statistics after the day's opinions (core/dbstats.py); on PostgreSQL
    # autovacuum keeps them and the task does nothing.
    "refresh-planner-statistics": {
        "task": "lublin2030.tasks.refresh_planner_statistics",
        "schedule": crontab(hour=2, minute=15),
    },
}

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "lublin2030.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
# Each role lands where its work is (lublin2030/landing.py); e-mails greet with PORTAL_NAME.
ACCOUNT_ADAPTER = "lublin2030.accounts.PortalAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Lublin 2030] "

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "strategia@lublin2030.localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "pl"
LANGUAGES = [("pl", _("Polish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Warsaw"
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and env_bool("STATIC_MANIFEST", True)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = DEBUG

# --- Security: safe unless turned off on purpose --------------------------------------------
# With DEBUG off, HTTPS is required: cookies only over HTTPS, plain HTTP redirected, and HSTS
# for a year. `make run` and `make test` (plain HTTP on loopback) turn these off for
# themselves with the variables below.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Whether to ask browsers to preload HSTS for the city's whole domain is the domain owner's
# decision, not this portal's: off unless SECURE_HSTS_PRELOAD says so, and not warned about.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# The answer queue's index includes the opinion's id for PostgreSQL (opinions/models.py);
# SQLite's indexes hold the rowid anyway, so the warning that it leaves the column out
# says nothing to act on.
SILENCED_SYSTEM_CHECKS += ["models.W040"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Reverse proxies in front of the portal (docker compose: 1, the TLS proxy). Only then are
# X-Forwarded-Proto (is this HTTPS?) and X-Forwarded-For (the client's address, for rate
# limits) believed: without a proxy a client could send them itself.
TRUSTED_PROXIES = int(
    os.environ.get("TRUSTED_PROXIES") or os.environ.get("OPINION_TRUSTED_PROXIES") or "0"
)
if TRUSTED_PROXIES > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Every page: scripts and styles only from the portal's own files, no inline ones
# (lublin2030.middleware.SecurityHeadersMiddleware); charts are inline SVG, icons data URIs.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)
# Browser features no page of the portal uses (lublin2030.middleware.SecurityHeadersMiddleware).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
# Staff sessions end after an idle hour (lublin2030.middleware.StaffIdleTimeoutMiddleware).
STAFF_IDLE_SECONDS = int(os.environ.get("STAFF_IDLE_SECONDS", "3600"))

# Every process's log lines in UTC: honcho stamps its prefix in UTC, while Celery's and
# gunicorn's formatters used the local (Warsaw, set by TIME_ZONE) clock, so one `make run`
# log mixed two times an hour apart. Their formatters are logging.Formatter's, whose clock
# this sets; ours say so with a "Z".
logging.Formatter.converter = time.gmtime
LOG_DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "security": {"format": "%(asctime)s SECURITY %(message)s", "datefmt": LOG_DATE_FORMAT},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "security": {"class": "logging.StreamHandler", "formatter": "security"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Log-ins and failures, refusals (403), role changes, publishing, recruitment
        # decisions (core.security): one logger, so it can be sent to its own place.
        "security": {"handlers": ["security"], "level": "INFO", "propagate": False},
    },
}

# --- The portal -----------------------------------------------------------------------------
PORTAL_NAME = os.environ.get("PORTAL_NAME", "Strategia Lublin 2030")
# The address people reach the portal at, for links in e-mails and report PDFs (made without
# a request). Empty: PDFs name opinions by number, e-mails use the first allowed host.
PORTAL_URL = os.environ.get("PORTAL_URL", "").rstrip("/")
# Opinions: submissions per client per hour (staff at a mobile point are not limited).
# A monitor sending "Authorization: Bearer <HEALTH_TOKEN>" to /health/ sees each check.
HEALTH_TOKEN = os.environ.get("HEALTH_TOKEN", "")
OPINION_RATE_LIMIT = int(os.environ.get("OPINION_RATE_LIMIT", "20"))
OPINION_RATE_WINDOW_SECONDS = int(os.environ.get("OPINION_RATE_WINDOW_SECONDS", "3600"))
# Days after the process ends (its last stage) that authors' e-mail addresses are kept.
AUTHOR_EMAIL_RETENTION_DAYS = int(os.environ.get("AUTHOR_EMAIL_RETENTION_DAYS", "180"))
# Supports („Popieram”) one anonymous client may give per window.
# The largest document (DOCX or Markdown) staff may upload to a consultation, in bytes.
DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_BYTES", str(10 * 1024 * 1024)))
SUPPORT_RATE_LIMIT = int(os.environ.get("SUPPORT_RATE_LIMIT", "200"))
# Behind N reverse proxies the client is the N-th address from the right of
# X-Forwarded-For; 0 (no proxy) uses REMOTE_ADDR, which a client cannot forge.
OPINION_TRUSTED_PROXIES = TRUSTED_PROXIES

# /api/ (lublin2030/api.py): requests one client may send per window, and the window.
API_PREFIX = "/api/"
API_RATE_LIMIT = int(os.environ.get("API_RATE_LIMIT", "600"))
API_RATE_WINDOW_SECONDS = int(os.environ.get("API_RATE_WINDOW_SECONDS", "60"))

PROCESS_FILE = Path(
    os.environ.get("PROCESS_FILE", BASE_DIR / "data" / "processes" / "lublin2030.toml")
)

# The accessibility statement (/accessibility/, the act of 4 April 2019 on digital
# accessibility): the site's dates (YYYY-MM-DD) and the contact for accessibility requests.
# The contact defaults to the one the City Hall gives in the statement of lublin.eu (a role,
# never a person's name, written in Polish: the page marks it lang="pl"); set the strategy
# team's own when it has one.
ACCESSIBILITY_PUBLISHED_ON = dt.date.fromisoformat(
    os.environ.get("ACCESSIBILITY_PUBLISHED_ON") or "2026-11-22"
)
ACCESSIBILITY_UPDATED_ON = dt.date.fromisoformat(
    os.environ.get("ACCESSIBILITY_UPDATED_ON") or "2026-12-04"
)
ACCESSIBILITY_PREPARED_ON = dt.date.fromisoformat(
    os.environ.get("ACCESSIBILITY_PREPARED_ON") or "2026-12-04"
)
# The statement's last review (by 31 March each year, and after every significant change).
ACCESSIBILITY_REVIEWED_ON = (
    dt.date.fromisoformat(os.environ["ACCESSIBILITY_REVIEWED_ON"])
    if os.environ.get("ACCESSIBILITY_REVIEWED_ON")
    else ACCESSIBILITY_PREPARED_ON
)
# (An empty variable, as docker compose passes an unset one, means the default.)
ACCESSIBILITY_CONTACT_PERSON = (
    os.environ.get("ACCESSIBILITY_CONTACT_PERSON")
    or "koordynator ds. dostępności cyfrowej, Urząd Miasta Lublin"
)
ACCESSIBILITY_CONTACT_EMAIL = os.environ.get("ACCESSIBILITY_CONTACT_EMAIL") or "ion@lublin.eu"
ACCESSIBILITY_CONTACT_PHONE = os.environ.get("ACCESSIBILITY_CONTACT_PHONE") or "81 466 30 85"
