"""doorsync settings.

One settings module read from the environment (django-environ). Production is the
default: without DEBUG=true it needs SECRET_KEY, FERNET_KEYS and ALLOWED_HOSTS, and
ships no key of its own. Development says DEBUG=true explicitly (`make run` does; the
test suite's tests/settings.py does): only then do the embedded defaults apply — a
development SECRET_KEY and Fernet key, SQLite, the kombu filesystem broker, the PMS
simulator. DATABASE_URL and REDIS_URL switch the real parts on. A malformed value fails
at start-up, naming it.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core -------------------------------------------------------------------
# Off unless set: a deployment that forgets the variable must not run with development
# keys, tracebacks and the private-network simulator allowed.
DEBUG = env.bool("DEBUG", default=False)
_DEV_SECRET = "dev-only-insecure-secret-key-change-me-0123456789abcdefghijkl"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set (DEBUG is off, the default). For development set "
        "DEBUG=true, as `make run` does; for production see .env.example."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "axes",
    "common",
    "properties",
    "units",
    "residents",
    "access",
    "audit",
    "alerts",
    "integrations",
    "notices",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "common.headers.NoStoreWhenSignedIn",
    # Axes last: it locks out repeated failed logins (login throttling).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "doorsync.urls"
WSGI_APPLICATION = "doorsync.wsgi.application"

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
                "properties.context_processors.console",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# SQLite is the zero-setup default only; CI and production use PostgreSQL.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'doorsync.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let web, worker and beat share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- PMS rate-limit budgets (integrations/pms/budget.py) -----------------------
# Every vendor call takes budget from its credential's published limits (shared through
# Redis when REDIS_URL is set). A call waits at most PMS_BUDGET_WAIT_MAX_SECONDS for it;
# a sync that would wait longer is retried when the budget allows.
PMS_RATE_BUDGETS = env.bool("PMS_RATE_BUDGETS", default=True)
PMS_BUDGET_WAIT_MAX_SECONDS = env.int("PMS_BUDGET_WAIT_MAX_SECONDS", default=120)
if PMS_BUDGET_WAIT_MAX_SECONDS < 1:
    raise ImproperlyConfigured("PMS_BUDGET_WAIT_MAX_SECONDS must be at least 1 (seconds).")

# --- Auth -------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "console-home"
LOGOUT_REDIRECT_URL = "login"
# Login throttling: five failures for one username from one address lock it for 15 minutes
# (per address and per account too: "Odd input, API pages and login throttling" below).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_VERBOSE = False

# --- Security ---------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy (django-csp; Django 5.2 has none of its own): everything from
# this origin only — no inline script, inline style or eval — which the console
# (static/js/console.js, htmx served from our static files, htmx's own indicator style
# turned off in base.html) and Django admin work under. tests/browser checks pages load
# with no violation in the browser console.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

# --- PMS credential encryption ----------------------------------------------
# Comma-separated Fernet keys, newest first (MultiFernet): add a key at the
# front, run `manage.py rotate_pms_secrets`, then drop the old key.
FERNET_KEYS = env.list("FERNET_KEYS", default=[])
if not FERNET_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FERNET_KEYS must be set (DEBUG is off, the default): generate one with "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
        )
    # Development only (DEBUG=true was set): a key derived from the dev secret so the demo
    # works.
    FERNET_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()]

# --- I18N / time ------------------------------------------------------------
LANGUAGE_CODE = "en-us"
FORMAT_MODULE_PATH = ["doorsync.formats"]
TIME_ZONE = "UTC"  # stored in UTC; shown in each property's own time zone
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
# Where collectstatic writes (and whitenoise serves from); .ci/serve_check.py uses a temp dir.
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Uploads ----------------------------------------------------------------
# Unit CSV uploads above this size are refused with a message, not read.
UNIT_CSV_MAX_BYTES = env.int("UNIT_CSV_MAX_BYTES", default=2 * 1024 * 1024)
UNIT_CSV_MAX_ROWS = env.int("UNIT_CSV_MAX_ROWS", default=20_000)
# Uploads are kept between preview and confirmation, so what is kept is bounded too: a
# preview nobody confirmed is dropped after a day, at most this many wait per property,
# and an imported file's text is dropped after 30 days (its record — name, counts, who —
# stays). Pruned on every upload (units/services.py).
UNIT_CSV_PREVIEW_HOURS = env.int("UNIT_CSV_PREVIEW_HOURS", default=24)
UNIT_CSV_PREVIEWS_KEPT = env.int("UNIT_CSV_PREVIEWS_KEPT", default=10)
UNIT_CSV_CONTENT_DAYS = env.int("UNIT_CSV_CONTENT_DAYS", default=30)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Celery -----------------------------------------------------------------
# Redis in production and CI; the kombu filesystem transport under var/ is the
# zero-setup default so `make run` needs no broker server.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 60 * 60}
else:
    _broker_dir = VAR_DIR / "celery-broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {  # type: ignore[no-redef]
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Beat must run exactly once: every minute it queues the integrations whose scheduled
# sync is due (each at its own offset within its interval, integrations/cadence.py), and
# reaps runs whose worker died. A minute, so a 5-minute cadence is kept to the minute.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "sync-enqueue-due": {
        "task": "integrations.tasks.sync_enqueue_due",
        "schedule": env.int("SYNC_ENQUEUE_EVERY_SECONDS", default=60),
    },
    # Nightly (07:30 UTC, the small hours in the Americas): the access invariant per
    # property; keys no rule justifies become sync alerts, never silent revokes.
    "access-invariant-nightly": {
        "task": "integrations.tasks.access_invariant_checks_enqueue",
        "schedule": crontab(minute=30, hour=7),
    },
}

CELERY_BEAT_SCHEDULE["notices-hourly"] = {
    "task": "notices.tasks.notices_hourly_task",
    "schedule": crontab(minute=5),
}

# --- Email notices ----------------------------------------------------------
# EMAIL_URL: smtp://user:password@host:587 (or submission+tls / smtp+ssl); development
# prints each email in `make run`'s output (console backend); tests use locmem.
vars().update(
    env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="doorsync <notices@doorsync.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The console's own address, for the links in emails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# A failing sync is emailed after this many failed runs in a row (once per streak); no
# success for this many hours is emailed once per stale spell; the digest of waiting
# suggestions goes at this hour of each property's own time zone (notices/services.py).
NOTICE_FAILURES_IN_A_ROW = env.int("NOTICE_FAILURES_IN_A_ROW", default=3)
NOTICE_STALE_HOURS = env.int("NOTICE_STALE_HOURS", default=24)
NOTICE_DIGEST_HOUR = env.int("NOTICE_DIGEST_HOUR", default=8)

# --- PMS simulator ----------------------------------------------------------
PMS_SIMULATOR_URL = env.str("PMS_SIMULATOR_URL", default="http://127.0.0.1:8765")
# Hosts ("host" or "host:port") a manager may point a credential's "API address override"
# at (a vendor sandbox, the simulator), and the only private-network hosts PMS requests
# may reach (integrations/pms/egress.py). Empty, the console hides the field: a form that
# makes the server call any address is a way into the private network. Support sets
# other public addresses in admin. In development the simulator's host:port only — never
# a bare host: "127.0.0.1" would also let an override reach PostgreSQL and Redis there.
_sim = urlsplit(PMS_SIMULATOR_URL)
_sim_host = _sim.hostname or "127.0.0.1"
_SIMULATOR_HOST_PORT = (
    f"{f'[{_sim_host}]' if ':' in _sim_host else _sim_host}"
    f":{_sim.port or (443 if _sim.scheme == 'https' else 80)}"
)
PMS_ENDPOINT_HOSTS = [
    h.strip().lower()
    for h in env.list("PMS_ENDPOINT_HOSTS", default=[_SIMULATOR_HOST_PORT] if DEBUG else [])
]

# --- REST API ---------------------------------------------------------------
REST_FRAMEWORK = {
    # An integrator's token (Authorization: Bearer ds_…), else the console's session: a
    # signed-in manager may call the API as the console lets them (api/permissions.py).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ApiAccess"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    # JSON bodies only: one way in to validate (and to fingerprint for Idempotency-Key).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        # DRF's own, but with the inline styles its template needs allowed (common/api.py).
        "common.api.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "common.pagination.KeysetCursorPagination",
    "PAGE_SIZE": 100,
    # RFC 9457 problem details for every error (common/api.py).
    "EXCEPTION_HANDLER": "common.api.exception_handler",
}
# Requests per API token (DRF's rate syntax: n/second, minute, hour or day); over it a
# 429 with Retry-After. Counted in the cache: Redis when REDIS_URL is set.
API_TOKEN_RATE = env.str("API_TOKEN_RATE", default="600/minute")
# How long an Idempotency-Key's first answer is replayed (api/idempotency.py).
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)
SPECTACULAR_SETTINGS = {
    "TITLE": "doorsync API",
    "DESCRIPTION": (
        "Residents, units, doors, keys, access suggestions, sync runs, sync alerts and the "
        "access audit feed of the properties an API token reaches. Authenticate with "
        "`Authorization: Bearer <token>` (Manage Settings → API). Lists are keyset pages: "
        "follow `next`; errors are RFC 9457 problem details."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # A token (any scope) or a signed-in manager: the same door as the API itself.
    "SERVE_PERMISSIONS": ["api.permissions.ApiAccess"],
    # The docs page's Swagger UI from the drf-spectacular-sidecar package, not a CDN:
    # the Content-Security-Policy allows scripts from this origin only.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Every operation's error answers, as problem details (api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.problem_responses",
    ],
}

# --- Logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # httpx logs every request URL at INFO; the connectors log what matters themselves.
        "httpx": {"level": "WARNING"},
    },
}

# --- Odd input, API pages and login throttling (issue 14 items 6, 7, 11) -----------
# NUL and lone surrogates in a query string or form are a 400 naming the parameter,
# before any view reads them (common/middleware.py); it needs the user for the page.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "common.middleware.OddTextMiddleware",
)
# Every API list pages by limit/offset, at most 500 a page (common/pagination.py).
# How many reverse proxies (load balancer, nginx) stand in front of gunicorn and append to
# X-Forwarded-For. 0: doorsync is reached directly and the header is ignored; a wrong
# (higher) value lets clients choose their own address (common/client_ip.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "common.client_ip.client_ip"
# Three limits over 15 minutes (properties/login_throttle.py): AXES_FAILURE_LIMIT for one
# account from one address, these two per address (any usernames) and per account.
AXES_HANDLER = "properties.login_throttle.LoginThrottleHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=20)
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=10)

# --- Sync runs whose worker died (issue 14 item 8) ---------------------------------
# Every minute, runs that missed their heartbeat for two minutes are failed and said so
# (integrations/sync/runs.py), so no integration waits behind a dead worker.
CELERY_BEAT_SCHEDULE["sync-reap-dead-runs"] = {
    "task": "integrations.tasks.sync_runs_reap_task",
    "schedule": env.int("SYNC_REAP_EVERY_SECONDS", default=60),
}

# --- Outbound webhooks (issue 17) --------------------------------------------------
# Standard Webhooks to integrators' endpoints (webhooks/): sent through the same egress
# guard as PMS requests (PMS_ENDPOINT_HOSTS names the only private hosts allowed).
INSTALLED_APPS += ["webhooks"]
# Every 30 s: retries that are due (a countdown covers those within 5 minutes) and
# deliveries whose worker died mid-attempt.
CELERY_BEAT_SCHEDULE["webhooks-deliveries-sweep"] = {
    "task": "webhooks.tasks.webhook_deliveries_sweep_task",
    "schedule": env.int("WEBHOOK_SWEEP_EVERY_SECONDS", default=30),
}
# How long sent messages (and their delivery log) are kept.
WEBHOOK_MESSAGE_DAYS = env.int("WEBHOOK_MESSAGE_DAYS", default=30)
# Hourly: sync.stale for integrations without a successful sync for over a day.
CELERY_BEAT_SCHEDULE["webhooks-sync-stale"] = {
    "task": "webhooks.tasks.webhook_sync_stale_task",
    "schedule": crontab(minute=15),
}
# Idempotency-Key answers older than IDEMPOTENCY_KEY_HOURS are forgotten (api/idempotency.py).
CELERY_BEAT_SCHEDULE["api-idempotency-purge"] = {
    "task": "api.tasks.idempotency_records_purge_task",
    "schedule": 3600,
}
