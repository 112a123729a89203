"""OneCouncil settings: one module, driven by environment variables.

Every setting a council's digital team may change is read from the environment and
documented in README.md ("Configuration").
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent
# var/ holds the SQLite database, uploaded photos and the demo's email folder.
VAR_DIR = Path(os.environ.get("ONECOUNCIL_VAR_DIR", PACKAGE_DIR.parent.parent / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,.localhost,testserver")
LOCAL_HOSTS = {"127.0.0.1", "localhost", ".localhost", "testserver", "[::1]", "::1"}
# The key comes from the environment, or from var/secret_key (which `make run` writes with
# a random value). Only a site that answers on this machine alone may run without one.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and (VAR_DIR / "secret_key").exists():
    SECRET_KEY = (VAR_DIR / "secret_key").read_text().strip()
if not SECRET_KEY:
    if not DEBUG and not set(ALLOWED_HOSTS) <= LOCAL_HOSTS:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "OneCouncil will not start without a secret key when it answers to "
            f"{', '.join(sorted(set(ALLOWED_HOSTS) - LOCAL_HOSTS))}: set SECRET_KEY to a long "
            f"random value, or write one to {VAR_DIR / 'secret_key'}."
        )
    # This machine only (the demo and the tests): a fixed key is never used in production.
    SECRET_KEY = "onecouncil-insecure-development-key-set-SECRET_KEY-in-production"  # noqa: S105

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "onecouncil.core.admin_apps.AdminConfig",  # Django's admin, behind two-factor sign-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "localflavor",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",
    "onecouncil.core",
    "onecouncil.catalogue",
    "onecouncil.residents",
    "onecouncil.notify",
    "onecouncil.webhooks",
    "onecouncil.places",
    "onecouncil.assets",
    "onecouncil.cases",
    "onecouncil.staffing",
    "onecouncil.alerts",
    "onecouncil.sendon",
    "onecouncil.insight",
    "onecouncil.triage",
    "onecouncil.inbox",
    "onecouncil.sensors",
    "onecouncil.linkage",
    "onecouncil.opendata",
    "onecouncil.web",
    "onecouncil.frontdoor",
    "onecouncil.backoffice",
    "onecouncil.api",
    "onecouncil.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "onecouncil.core.middleware.CouncilMiddleware",
    "onecouncil.core.middleware.NoNulInPathMiddleware",
    "onecouncil.api.edge.ApiEdgeMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "onecouncil.core.audit.ReadAuditMiddleware",
]

ROOT_URLCONF = "onecouncil.config.urls"
WSGI_APPLICATION = "onecouncil.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "onecouncil.core.context_processors.council",
                "onecouncil.frontdoor.context.resident",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'onecouncil.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the background worker read while one writes;
    # IMMEDIATE transactions take the write lock up front, so concurrent writers wait
    # (busy_timeout) instead of failing half-way through a transaction.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file, not memory, so that processes they start (a worker killed
    # mid-send, say) share the test database.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("SQLITE_TEST_NAME") or str(VAR_DIR / "test-onecouncil.sqlite3")
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache shared by every web process and the worker, so a change one of them makes
# shows at once everywhere: the database by default (its table is made by a migration),
# Redis when REDIS_URL is set. Cached fragments are keyed by council, language and the
# object's version (docs/operations.md, "Caching").
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "onecouncil",
            "TIMEOUT": 60 * 60 * 24,
        }
        if os.environ.get("REDIS_URL")
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "onecouncil_cache",
            "TIMEOUT": 60 * 60 * 24,
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# Only languages with a translation are offered: a page written in English must never be
# labelled lang="cy" (WCAG 3.1.1). Add ("cy", _("Welsh")) when locale/cy exists.
LANGUAGES = [("en-gb", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed and cached for a year; collectstatic writes them to var/static
    # (make run and make test run it). See web/static_storage.py.
    "staticfiles": {"BACKEND": "onecouncil.web.static_storage.StaticStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(60 * 60 * 24)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and "127.0.0.1" not in ALLOWED_HOSTS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin"
CSRF_FAILURE_VIEW = "onecouncil.frontdoor.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
# How many reverse proxies stand in front of OneCouncil: the client's address is then read
# from that many entries from the right of X-Forwarded-For (core.clients.client_ip).
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
if env_bool("SECURE_PROXY_SSL", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Served over HTTPS: send every visitor there and tell browsers to stay (HSTS, a year).
# The health check stays reachable over plain HTTP for load balancers.
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 60 * 60)))
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True

# Photos: the largest upload a resident may send, and how many per request.
PHOTO_MAX_BYTES = int(os.environ.get("PHOTO_MAX_BYTES", str(10 * 1024 * 1024)))
PHOTO_MAX_COUNT = int(os.environ.get("PHOTO_MAX_COUNT", "5"))
# Pixels one process may hold decoded at once across its threads (cases.photos): about
# 4 bytes each, so 30 megapixels is about 120 MB. A photo waits for its share.
PHOTO_DECODE_BUDGET_PIXELS = int(os.environ.get("PHOTO_DECODE_BUDGET_PIXELS", "30000000"))
PHOTO_DECODE_WAIT_SECONDS = float(os.environ.get("PHOTO_DECODE_WAIT_SECONDS", "20"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Email. With EMAIL_HOST set, mail goes out by SMTP; otherwise (the demo) each message
# is written to var/mail/ and printed to the console.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if os.environ.get("EMAIL_BACKEND"):
    EMAIL_BACKEND = os.environ["EMAIL_BACKEND"]
elif EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "onecouncil.notify.mail.FolderAndConsoleBackend"
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 30
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "OneCouncil <no-reply@onecouncil.localhost>"
)

# The background worker: how often it polls the outbox, and how long a claim lasts
# before another worker may take over a notification a crashed worker left behind.
WORKER_POLL_SECONDS = float(os.environ.get("WORKER_POLL_SECONDS", "2"))
# Content-Security-Policy (django-csp): scripts and styles only from our own static files,
# never inline (JSON-LD data blocks are not scripts and need no exception), no plugins,
# no framing, forms only to ourselves. Photos are served by our own views.
from csp.constants import NONCE  # noqa: E402 - beside the one setting that uses it

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # The council's brand colour is one <style> with this response's nonce.
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Two-factor sign-in (staffing.two_factor): the name authenticator apps show.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "OneCouncil")

WORKER_LEASE_SECONDS = int(os.environ.get("WORKER_LEASE_SECONDS", "300"))

# Networks outbound HTTP (webhooks) may reach although they are private or local, comma
# separated, e.g. "10.20.0.0/16" for a council's own systems. Empty: public addresses only.
EGRESS_ALLOWED_NETWORKS = [
    n.strip() for n in os.environ.get("EGRESS_ALLOWED_NETWORKS", "").split(",") if n.strip()
]
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "8"))

# Insight (onecouncil.insight): where the analytics store and its published snapshots
# live, how often the insight worker refreshes them, and how many threads a dashboard's
# query may use.
INSIGHT_DIR = Path(os.environ.get("INSIGHT_DIR", VAR_DIR / "insight"))
INSIGHT_REFRESH_SECONDS = int(os.environ.get("INSIGHT_REFRESH_SECONDS", "300"))
INSIGHT_READ_THREADS = int(os.environ.get("INSIGHT_READ_THREADS", "2"))

# Free-text triage (onecouncil.triage): how many of a council's newest requests its model
# learns from, and how often the worker trains it again (sooner when asked, or when the
# catalogue changes).
TRIAGE_HISTORY_LIMIT = int(os.environ.get("TRIAGE_HISTORY_LIMIT", "100000"))
TRIAGE_RETRAIN_HOURS = int(os.environ.get("TRIAGE_RETRAIN_HOURS", "24"))

# Email as a channel (onecouncil.inbox): each council's Maildir folder is
# INBOX_DIR/<council-slug>/; larger messages are kept but not processed; a sender's
# messages beyond INBOX_PER_SENDER_HOUR in an hour are quarantined.
INBOX_DIR = Path(os.environ.get("INBOX_DIR", VAR_DIR / "inbox"))
INBOX_MAX_BYTES = int(os.environ.get("INBOX_MAX_BYTES", str(25 * 1024 * 1024)))
INBOX_PER_SENDER_HOUR = int(os.environ.get("INBOX_PER_SENDER_HOUR", "10"))
# IMAP mailboxes the worker polls, as JSON: a list of {"council": slug, "host", "port",
# "username", "password" or "password_file", "security": "tls" | "starttls", "folder",
# "processed_folder", "ca_file"} (docs/email.md).
INBOX_IMAP = json.loads(os.environ.get("INBOX_IMAP", "[]"))
INBOX_IMAP_EVERY_SECONDS = int(os.environ.get("INBOX_IMAP_EVERY_SECONDS", "60"))

# Sensors (onecouncil.sensors, docs/sensors.md): the MQTT broker the subscriber reads
# (empty: readings only over HTTPS), its persistent session's client id, and what a
# reading must meet.
# The MQTT broker the sensors' readings come through. Empty (the default): ``serve`` runs
# an embedded Mosquitto of its own (onecouncil.sensors.broker) on this port, if installed.
SENSOR_MQTT_URL = os.environ.get("SENSOR_MQTT_URL", "")
# Record linkage's batch runs: "duckdb" in the worker's own process (the default), or
# "spark" for councils whose records outgrow one machine (SPARK_MASTER names the
# cluster; local Spark otherwise). The matcher at the moment of contact needs neither.
LINKAGE_BACKEND = os.environ.get("LINKAGE_BACKEND", "duckdb")
SENSOR_EMBEDDED_MQTT_HOST = os.environ.get("SENSOR_EMBEDDED_MQTT_HOST", "127.0.0.1")
SENSOR_EMBEDDED_MQTT_PORT = int(os.environ.get("SENSOR_EMBEDDED_MQTT_PORT", "1884"))
SENSOR_EMBEDDED_MQTT_QUEUE = int(os.environ.get("SENSOR_EMBEDDED_MQTT_QUEUE", "100000"))
SENSOR_MQTT_CLIENT_ID = os.environ.get("SENSOR_MQTT_CLIENT_ID", "onecouncil-sensors")
SENSOR_MQTT_PREFIX = os.environ.get("SENSOR_MQTT_PREFIX", "onecouncil")
SENSOR_MAX_PER_MINUTE = int(os.environ.get("SENSOR_MAX_PER_MINUTE", "60"))
SENSOR_MAX_AHEAD_SECONDS = int(os.environ.get("SENSOR_MAX_AHEAD_SECONDS", "300"))
SENSOR_MAX_AGE_HOURS = int(os.environ.get("SENSOR_MAX_AGE_HOURS", "168"))
SENSOR_RAW_DAYS = int(os.environ.get("SENSOR_RAW_DAYS", "30"))
SENSOR_KEEP_DAYS = int(os.environ.get("SENSOR_KEEP_DAYS", "730"))

# Open data (onecouncil.opendata): where released files are kept, and how much memory
# building a release may use for its aggregates (DuckDB spills to disk beyond it).
OPENDATA_DIR = Path(os.environ.get("OPENDATA_DIR", VAR_DIR / "opendata"))
OPENDATA_MEMORY_LIMIT = os.environ.get("OPENDATA_MEMORY_LIMIT", "256MB")

# How long a half-finished report (and photos uploaded to it) is kept.
DRAFT_RETENTION_DAYS = int(os.environ.get("DRAFT_RETENTION_DAYS", "7"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # No secret link (a private tracking link, a sign-in link…) reaches any log line.
    "filters": {"secrets": {"()": "onecouncil.core.logredact.RedactSecretsFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["secrets"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # The development server's request lines, through the same filter.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
