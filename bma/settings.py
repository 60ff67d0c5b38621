"""One settings module, configured from the environment.

Embedded default (a laptop, a demo, the default test run): SQLite file, no broker, Celery tasks run
in-process. Production and CI: DATABASE_URL points at PostgreSQL, CELERY_BROKER_URL at Redis.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from kombu import Queue

from bma.core.error_reports import admins_from_env, sentry_init
from bma.core.secrets import secret_read, secret_refuse_placeholder, url_with_password

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

# A missing or placeholder secret must stop a production start, not fall back to something guessable.
# Every secret is read from NAME or from the file NAME_FILE names (Docker secrets): bma/core/secrets.py.
SECRET_KEY = secret_read(os.environ, "SECRET_KEY") or ""
secret_refuse_placeholder("SECRET_KEY", SECRET_KEY, debug=DEBUG)
if not SECRET_KEY:
    SECRET_KEY = "insecure-dev-only-key-never-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",  # thousands separators in the report
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "axes",
    "bma.core",
    "bma.geo",
    "bma.rounds",
    "bma.entities",
    "bma.xforms",
    "bma.submissions",
    "bma.assessments",
    "bma.referrals",
    "bma.validation",
    "bma.pipeline",
    "bma.exports",
    "bma.review",
    "bma.api",
]

# Page and login middleware goes through bma.core.page_middleware: the same classes, stepped over on the
# device-token URLs (/collect/key/<token>/, /kobo/<token>/), which need none of it (issue 34).
MIDDLEWARE = [
    # First: every answer, a redirect or a refusal too, carries X-Request-ID, and every log line the id.
    "bma.core.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every answer (settings below); a view that needs more says so itself.
    "bma.core.page_middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before CommonMiddleware, which refuses a Host outside ALLOWED_HOSTS (see SECURE_REDIRECT_EXEMPT).
    "bma.core.middleware.HealthCheckMiddleware",
    # /readyz and /metrics, answered before the host check as /healthz is (bma/pipeline/probes.py).
    "bma.pipeline.probes.ProbeMiddleware",
    "bma.core.page_middleware.SessionMiddleware",
    "bma.core.page_middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "bma.core.page_middleware.AuthenticationMiddleware",
    # After authentication: a signed-in user's own language choice wins over the browser's.
    "bma.core.page_middleware.UserLanguageMiddleware",
    "bma.core.page_middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A view failing because the database is down answers 503 + Retry-After, not a bare HTML 500.
    "bma.core.middleware.DatabaseUnavailableMiddleware",
    "bma.core.middleware.BadInputMiddleware",
    # Last, as django-axes asks: it turns a request flagged as locked out into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bma.urls"
WSGI_APPLICATION = "bma.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url_config(
        secret_read(os.environ, "DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
    )
}
# The password apart from the URL (compose: POSTGRES_PASSWORD in .env, or a Docker secret), so it is
# written once and needs no URL quoting; an empty one is left alone (local trust or peer authentication).
_db_password = secret_read(os.environ, "DATABASE_PASSWORD", "POSTGRES_PASSWORD")
if _db_password:
    DATABASES["default"]["PASSWORD"] = _db_password
if DATABASES["default"].get("PASSWORD"):
    secret_refuse_placeholder("DATABASE_PASSWORD", DATABASES["default"]["PASSWORD"], debug=DEBUG)
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
# A persistent connection is checked before a request reuses it: after a PostgreSQL restart the first
# request on each worker would otherwise fail on the dead connection.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serialises writers; a timeout keeps the demo server and the in-process tasks from
    # failing with "database is locked" when they overlap.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
if IS_POSTGRES:
    # Server-side parameter binding: psycopg sends values apart from the SQL instead of quoting them
    # into it, which roughly halves the client cost of the big bulk inserts in processing.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("server_side_binding", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Axes first: it refuses a locked-out user+address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "bma.submissions.backends.DigestAwareModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский"), ("tg", "Тоҷикӣ")]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Dushanbe")
USE_I18N = True
# The project's own catalogues (ru, tg), compiled by `python -m bma.core.translations`. Django's own tg
# admin/auth catalogue is incomplete (a Tajik user saw English in the admin): locale/django holds only
# what it lacks. Our catalogue stays first, as the first entry of LOCALE_PATHS wins.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "django"]
USE_TZ = True
# English dates day-first (3 Dec 2026, bma/core/formats/en). USE_THOUSAND_SEPARATOR stays off: on, every
# number Django renders would be grouped, ids in hidden inputs, URLs and form values too; the figures people
# read are grouped one by one instead (bma/core/numbers.py).
FORMAT_MODULE_PATH = ["bma.core.formats"]

STATIC_URL = "static/"
# ODK Web Forms and Vue come from npm (package-lock.json) and are served as our own static files.
STATICFILES_DIRS = [
    (prefix, path)
    for prefix, path in (
        ("vendor/web-forms", BASE_DIR / "node_modules" / "@getodk" / "web-forms" / "dist"),
        ("vendor/vue", BASE_DIR / "node_modules" / "vue" / "dist"),
    )
    if path.exists()
]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security: on by default whenever DEBUG is off, so `check --deploy` is clean in production.
# X-Forwarded-Proto is a header any client can send: it decides whether a request counts as HTTPS
# (and so whether Basic auth is offered), so it is believed only behind a proxy that sets it itself.
BMA_BEHIND_TLS_PROXY = env.bool("BMA_BEHIND_TLS_PROXY", default=False)
if BMA_BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A server on a closed network without TLS (README, "Run it for real"): one switch turns off the HTTPS
# redirect, the secure-only cookies and HSTS, which would otherwise lock every browser out. Each can
# still be set on its own. OpenRosa offers Basic only over HTTPS, so devices then use Digest.
BMA_PLAIN_HTTP = env.bool("BMA_PLAIN_HTTP", default=False)
# The server's address as the tablets reach it (https://bma.example.org): the Collect set-up sheet's QR
# code carries it. Unset, the sheet uses the address it was opened at, and warns if tablets cannot reach it.
BMA_PUBLIC_URL = env.str("BMA_PUBLIC_URL", default="")
_SECURE_DEFAULT = not DEBUG and not BMA_PLAIN_HTTP
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_SECURE_DEFAULT)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=_SECURE_DEFAULT)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=_SECURE_DEFAULT)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if _SECURE_DEFAULT else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_SECURE_DEFAULT)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Submitting a domain to the browsers' HSTS preload list binds every subdomain of the organisation for
# months; that is the operator's call (SECURE_HSTS_PRELOAD=1), not a default, so its reminder is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): everything from this server, no inline script or style unless it
# carries the request's nonce ({{ request.csp_nonce }}), no plugins, no framing, forms post only here.
# The admin, the report pages and the API docs live within it. ODK Web Forms adds what its engine needs
# on its own page only (bma/submissions/webforms.py). Attachments carry their own sandboxing policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # data: images: the admin's and Swagger UI's stylesheets draw small icons as data: SVGs.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# The health check probe of docker compose and load balancers talks plain HTTP inside the network, to
# 127.0.0.1 or the container's address rather than a name in ALLOWED_HOSTS: HealthCheckMiddleware
# answers /healthz before the host is checked, and the redirect leaves it alone.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# --- Readiness (/readyz, `manage.py readiness`) and metrics (/metrics), bma/pipeline/health.py.
# Not ready when a submission due for processing has waited longer than this (is a worker running?),
BMA_READY_OUTBOX_MAX_SECONDS = env.int("BMA_READY_OUTBOX_MAX_SECONDS", default=600)
# when beat's heartbeat (every minute, run by a worker) is older than this, or the broker does not answer
# a ping within BMA_READY_BROKER_TIMEOUT seconds.
BMA_READY_HEARTBEAT_MAX_SECONDS = env.int("BMA_READY_HEARTBEAT_MAX_SECONDS", default=300)
BMA_READY_BROKER_TIMEOUT = env.float("BMA_READY_BROKER_TIMEOUT", default=1.0)
# /metrics is off unless one of these is set: a token the scraper sends as "Authorization: Bearer ...",
# or the scraper's addresses (the TCP peer, never X-Forwarded-For; CIDR ranges allowed).
BMA_METRICS_TOKEN = env.str("BMA_METRICS_TOKEN", default="")
BMA_METRICS_ALLOWED_IPS = env.list("BMA_METRICS_ALLOWED_IPS", default=[])

# --- Error reports (bma/core/error_reports.py): to Sentry when SENTRY_DSN is set, else by mail to ADMINS
# ("Name <address>, other@example.org") when set; never with informants' names, phones or device tokens.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
ADMINS = admins_from_env(env.str("ADMINS", default=""))
SERVER_EMAIL = env.str("SERVER_EMAIL", default="root@localhost")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_EXCEPTION_REPORTER_FILTER = "bma.core.error_mail.PersonalDataReporterFilter"
if SENTRY_DSN:
    sentry_init(SENTRY_DSN, environment=env.str("SENTRY_ENVIRONMENT", default=""))
# JSON log lines (one object per line, with the request id) for a log collector: BMA_LOG_JSON=1.
BMA_LOG_JSON = env.bool("BMA_LOG_JSON", default=False)

# --- A brake on password guessing (django-axes) on the admin and web login, /api/token/ and OpenRosa
# Digest/Basic. Locked per user name *and* address together, so a guesser cannot lock the real person
# out from elsewhere; the lock lifts after the cool-off or when an administrator deletes the attempt
# (admin: Axes -> Access attempts). The client address is REMOTE_ADDR, or the proxy's X-Forwarded-For
# entry only when BMA_BEHIND_TLS_PROXY says a proxy sets it (bma/core/lockout.py).
AXES_FAILURE_LIMIT = env.int("BMA_LOCKOUT_FAILURES", default=10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("BMA_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "bma.core.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "bma.core.lockout.lockout_response"
# HTTP Digest (ODK Collect): how long a server nonce may be used before the client is told stale=true
# and signs again with a fresh one (Collect does so without asking the user).
BMA_DIGEST_NONCE_SECONDS = env.int("BMA_DIGEST_NONCE_SECONDS", default=300)

# --- Uploads: a submission with photos can be large; the OpenRosa size limit is announced in HEAD.
BMA_SUBMISSION_MAX_BYTES = env.int("BMA_SUBMISSION_MAX_BYTES", default=50_000_000)
# How long an intake process may keep using a form version, round or device token it looked up; a
# change made elsewhere (another gunicorn worker, the admin) takes effect within this many seconds.
BMA_REFERENCE_CACHE_SECONDS = env.int("BMA_REFERENCE_CACHE_SECONDS", default=10)
# Submissions a worker processes in one transaction (the one it was asked for plus others waiting).
# Days an export with personal data can be downloaded before its file is deleted.
BMA_PERSONAL_EXPORT_DAYS = env.int("BMA_PERSONAL_EXPORT_DAYS", default=7)
# Days after a round closes that informants' names and phones are kept (typed rows and raw payloads);
# then the beat job `contacts-purge` (or `manage.py purge_contacts`) deletes them. The figures stay.
BMA_CONTACT_RETENTION_DAYS = env.int("BMA_CONTACT_RETENTION_DAYS", default=90)
BMA_PROCESSING_BATCH_SIZE = env.int("BMA_PROCESSING_BATCH_SIZE", default=200)
# An offline entity update that arrives before the earlier update of its tablet's branch is held until
# that one arrives; after this many hours the sweep applies it anyway (Central's backlog waits 5 days).
# Tablets in the mountain districts may sync days apart, so the default is Central's.
BMA_ENTITY_BACKLOG_HOURS = env.int("BMA_ENTITY_BACKLOG_HOURS", default=120)
# Processing that fails on a transient database error (deadlock, lost connection, database down) is
# tried again after BMA_PROCESSING_RETRY_SECONDS, doubling each time, up to BMA_PROCESSING_MAX_ATTEMPTS
# attempts in all; then the submission is marked failed with the reason. A submission still marked as
# processing BMA_PROCESSING_STUCK_SECONDS after it was claimed (its worker died) is released again.
BMA_PROCESSING_MAX_ATTEMPTS = env.int("BMA_PROCESSING_MAX_ATTEMPTS", default=6)
BMA_PROCESSING_RETRY_SECONDS = env.int("BMA_PROCESSING_RETRY_SECONDS", default=30)
BMA_PROCESSING_STUCK_SECONDS = env.int("BMA_PROCESSING_STUCK_SECONDS", default=900)
# Retry-After (seconds) of the 503 that Collect and Kobo get while the database is unreachable.
BMA_RETRY_AFTER_SECONDS = env.int("BMA_RETRY_AFTER_SECONDS", default=60)
# Quality-rule thresholds (see bma/validation/rules.py Thresholds); a round can override them in the admin.
BMA_QUALITY_THRESHOLDS = env.json("BMA_QUALITY_THRESHOLDS", default={})
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10_000_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Every file the storage writes (exports with informants' names, photo attachments) is readable by the
# server's own user only, not by every account on the machine. collectstatic's files are chowned to that
# user in the image (Dockerfile), so they stay servable.
FILE_UPLOAD_PERMISSIONS = 0o600

# --- Celery. Without a broker every task runs in-process, at once (the embedded default).
CELERY_BROKER_URL = secret_read(os.environ, "CELERY_BROKER_URL") or ""
# Redis with requirepass: the password from REDIS_PASSWORD or REDIS_PASSWORD_FILE goes into the URL.
_redis_password = secret_read(os.environ, "REDIS_PASSWORD")
if _redis_password and CELERY_BROKER_URL.startswith("redis"):
    secret_refuse_placeholder("REDIS_PASSWORD", _redis_password, debug=DEBUG)
    CELERY_BROKER_URL = url_with_password(CELERY_BROKER_URL, _redis_password)
    # Celery reads the CELERY_BROKER_URL environment variable before this setting (celery.app.utils
    # Settings.broker_url): the variable compose sets, without the password, would win.
    os.environ["CELERY_BROKER_URL"] = CELERY_BROKER_URL
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
# Tasks record their outcome in the database rows they work on, so results are not kept by default;
# a caller that wants one (a test, an admin waiting on a job) asks with ignore_result=False.
CELERY_RESULT_BACKEND = (
    env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "") or None
)
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ACKS_LATE = True
# With acks_late, a task whose worker dies mid-run goes back to the queue instead of being lost.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
# The Django cache: Redis at BMA_CACHE_URL, by default the broker's Redis (its URL with the password) when there is one (the web
# processes and the workers must share it: a worker's processing marks the figures the web shows out of
# date), else this process's memory (the embedded default: one process, whose tasks run in-process).
# The round report's live figures are kept there, marked out of date by every change to a round's
# assessments (bma/core/cache_versions.py); BMA_LIVE_FIGURES_CACHE_SECONDS bounds an entry's life (0: off).
BMA_CACHE_URL = env.str(
    "BMA_CACHE_URL", default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": BMA_CACHE_URL,
        "KEY_PREFIX": env.str("BMA_CACHE_PREFIX", default="bma"),
        # A frozen Redis costs a page a second, never the request: readers then compute afresh.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    if BMA_CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 1000}}
}
BMA_LIVE_FIGURES_CACHE_SECONDS = env.int("BMA_LIVE_FIGURES_CACHE_SECONDS", default=3600)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
# Three queues, so that long work never holds up intake: two 30-minute exports on a shared queue with two
# slots stopped processing in the middle of fieldwork. Each queue has its own worker service in compose
# (`celery worker -Q processing`, `-Q exports`, `-Q pulls`), scaled apart; a single worker for all of
# them is `-Q processing,exports,pulls`. Every task not routed here goes to `processing` (submission
# processing, quality rules, referrals, forms and list files, the heartbeat).
CELERY_TASK_DEFAULT_QUEUE = "processing"
CELERY_TASK_ROUTES = {
    "bma.exports.tasks.*": {"queue": "exports"},  # exports, publishing, their expiry and deletion
    "bma.submissions.tasks.pull_*": {"queue": "pulls"},  # ODK Central and Kobo pull syncs
}
BMA_CELERY_QUEUES = ("processing", "exports", "pulls")
# Declared, so that a worker started without -Q (a laptop, an old compose file) serves all three rather
# than the default queue alone, leaving exports and pulls waiting for a worker that never comes.
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in BMA_CELERY_QUEUES]
# JSON logs in the worker too: it keeps settings.LOGGING instead of its own text format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = not BMA_LOG_JSON

# --- REST framework
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "bma.api.pagination.DefaultPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "bma.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "BMA backend API",
    "DESCRIPTION": "Rounds, areas, villages, assessments, report figures and export jobs.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema names every endpoint and field: for signed-in users only (the docs page redirects to login).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "bma.core.log_json.JsonFormatter"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    # Device tokens travel in URL paths, which Django logs on every error answer and runserver on every
    # request: blanked out by every handler here (bma/core/log_redaction.py). Django's own default
    # handlers (its "console" while DEBUG, runserver's "django.server") carry no such filter, so the
    # two loggers that use them are given these instead.
    "filters": {
        "no_tokens": {"()": "bma.core.log_redaction.TokenRedactingFilter"},
        "request_id": {"()": "bma.core.request_id.RequestIdFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if BMA_LOG_JSON else "plain",
            "filters": ["no_tokens", "request_id"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "json" if BMA_LOG_JSON else "django.server",
            "filters": ["no_tokens", "request_id"],
        },
        # Errors by mail to ADMINS when there is no Sentry: added to the root's handlers below.
        "mail_admins": {
            "class": "bma.core.error_mail.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "no_tokens", "request_id"],
        },
    },
    "root": {
        "handlers": ["console", "mail_admins"] if ADMINS and not SENTRY_DSN else ["console"],
        "level": env.str("LOG_LEVEL", default="INFO"),
    },
    # In-process (demo) tasks would log every run at INFO; axes greets every command at INFO. Lockouts
    # are logged by axes at WARNING, so they still show.
    "loggers": {
        "django": {"handlers": [], "level": "INFO"},  # on to the root's console, as every other logger
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
        "axes.apps": {"level": "WARNING"},
        # WeasyPrint's font subsetting (the report PDF) logs every table it prunes at INFO.
        "fontTools": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
    },
}

# The round report PDF's last page; a country team's funders and wording (empty: a neutral default).
BMA_REPORT_DISCLAIMER = env.str("BMA_REPORT_DISCLAIMER", default="")

LOGIN_URL = "login"
# After /accounts/login/ without a ?next=: the enumerator's page (bma/review/field_home.py), not a 404.
LOGIN_REDIRECT_URL = "field-home"

# django-import-export offers its import pages to anyone with admin access unless told which model
# permission they need: importing villages is adding them, exporting them is viewing them.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
