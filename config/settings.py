"""Settings for the frailty registry, read from the environment (12-factor).

One module for every environment. DEBUG is off unless DEBUG=1 is set (`make run` does);
with DEBUG off, SECRET_KEY must be set and the security settings below switch on.
Every variable is documented in README.md ("Configuration").
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Off unless asked for: a server started with a forgotten variable must not show
# tracebacks (settings, SQL, patient data). `make run` sets DEBUG=1 explicitly.
DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    # Development only (`make run`): a fixed key so sessions survive runserver reloads.
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
else:
    # Fail loudly: no key in the repository may ever sign a production session.
    SECRET_KEY = env("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
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
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "core",
    "registry",
    "assessments",
    "biomarkers",
    "longitudinal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files are answered here, before the headers below (they stay cacheable).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The Content-Security-Policy on every response (no inline script or style anywhere).
    "csp.middleware.CSPMiddleware",
    # Cache-Control: no-store on everything the application builds (docs/security.md).
    "core.security.NoStoreMiddleware",
    # Content-Length and NUL checks before anything reads the body (docs/security.md).
    "core.middleware.RequestLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Once the user and the messages are known: the session's absolute lifetime.
    "core.security.AbsoluteSessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Writes the reads of patient data noted during the request (registry.access).
    "registry.middleware.AccessLogMiddleware",
    # A database or broker failure in a page view: 503 + Retry-After (core.transient).
    "core.transient.TransientFailureMiddleware",
    # Posted line breaks of page forms stored as LF (core/newlines.py).
    "core.newlines.NormalizeNewlinesMiddleware",
    # Axes must come last: it reads the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "registry.context_processors.roles",
                "registry.context_processors.notifications",
            ],
            # {% form_token %} in every POST form (core/idempotency.py).
            "builtins": ["core.templatetags.form_tokens"],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# A reused connection is checked before each request: after a database restart the
# first request reconnects instead of failing (docs/operations.md).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several people on the embedded database (docs/security.md, "Concurrency on the
    # embedded database"): WAL lets readers run beside the writer; IMMEDIATE takes the
    # write lock when a request's transaction starts, so two requests never deadlock
    # upgrading read locks (SQLite then fails at once, ignoring the timeout); the busy
    # timeout makes a request wait its turn instead of answering "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": env.int("SQLITE_BUSY_TIMEOUT_SECONDS", default=20),
    })
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out user is refused before the password is checked.
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
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions expire after 30 minutes without a request (idle timeout on shared ward PCs).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

CSRF_FAILURE_VIEW = "core.views.csrf_failure"

# django-axes: lock an account + address pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# History: audit rows are never reverted or edited through the admin.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_EDIT = False

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",  # DRF's, with the depth cap (JSON_MAX_DEPTH)
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Per laboratory key (biomarkers/api/throttling.py; people are not counted).
    "DEFAULT_THROTTLE_CLASSES": ["biomarkers.api.throttling.LabClientRateThrottle"],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Frailty Registry API",
    "DESCRIPTION": (
        "Patients, visits, frailty assessments and inflammatory biomarker results. "
        "People authenticate with a session; laboratory systems with "
        "`Authorization: Api-Key <key>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets come from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name across apps get distinct, stable names.
    "ENUM_NAME_OVERRIDES": {
        "VisitKindEnum": "registry.models.VisitKind",
        "InterventionKindEnum": "registry.models.InterventionKind",
        "AdverseEventOutcomeEnum": "registry.models.AeOutcome",
        # Patients and lab results both have a "status" enum: name each explicitly.
        "LabResultStatusEnum": "biomarkers.models.ResultStatus",
        "PatientStatusEnum": "registry.models.PatientStatus",
    },
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "ApiKeyAuth": {"type": "apiKey", "in": "header", "name": "Authorization"}
        }
    },
}

# Celery: with no broker configured, tasks run eagerly in-process (embedded default).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
# No code reads task results (each job records its outcome on its own row): no result
# backend, so that publishing a task never waits on one (docs/operations.md).
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A job's message is acknowledged when it ends, and given back to the queue when the
# process running it dies (SIGKILL, out of memory), so another worker finishes it.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Publishing fails within seconds when the broker is down: the job is marked failed with
# a message instead of a web worker blocking (core.jobs). Workers keep reconnecting.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    # A Redis that accepts but never answers (paused, failing over) must not hold a
    # request for ever; longer than the 1 s a worker's BRPOP waits for a message.
    "socket_timeout": 5,
    # Redis gives an unacknowledged message (its worker's main process was killed) to
    # another worker after this long. Longer than the longest job (an export of 100,000
    # patients takes about a minute, bench/RESULTS.md), so a running job is never handed
    # out twice; the stale-job check (JOB_STALE_AFTER_SECONDS) usually acts first.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=30 * 60),
}
CELERY_TIMEZONE = TIME_ZONE
# Run by the `beat` container; each task calls a service (see registry/tasks.py).
CELERY_BEAT_SCHEDULE = {
    "notify-overdue-study-visits": {
        "task": "registry.tasks.notify_overdue_visits",
        "schedule": crontab(hour=6, minute=0),  # daily, before the morning clinics
    },
    # Uploads and exports with no progress for JOB_STALE_AFTER_SECONDS: queued again, or
    # failed with a message after JOB_MAX_ATTEMPTS runs (core.jobs, docs/operations.md).
    "recover-stale-lab-uploads": {
        "task": "biomarkers.tasks.lab_uploads_recover_stale_task",
        "schedule": 60.0,
    },
    "recover-stale-exports": {
        "task": "longitudinal.tasks.exports_recover_stale_task",
        "schedule": 60.0,
    },
    # Recorded form tokens older than FORM_TOKEN_MAX_AGE are forgotten (core/idempotency.py).
    "purge-form-submissions": {
        "task": "core.tasks.purge_form_submissions",
        "schedule": crontab(hour=3, minute=30),
    },
}

EMAIL_BACKEND = env(
    "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="registry@localhost")

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Laboratory results (biomarkers app; docs/biomarkers.md).
# A result is linked to the patient's visit closest to specimen collection within ±N days.
LAB_RESULT_VISIT_WINDOW_DAYS = env.int("LAB_RESULT_VISIT_WINDOW_DAYS", default=30)
# API.md: at most 5,000 results per JSON batch; bodies above the byte limit get a 413.
LAB_RESULTS_MAX_ITEMS = 5000
LAB_RESULTS_MAX_BODY_BYTES = env.int("LAB_RESULTS_MAX_BODY_BYTES", default=10 * 1024 * 1024)
LAB_UPLOAD_MAX_BYTES = env.int("LAB_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)

# --- Form submissions: one-time tokens (issue 9) ---
# core/idempotency.py: a form token older than this is refused, and recorded tokens are
# forgotten after it (daily beat task). Sessions end long before (SESSION_COOKIE_AGE).
FORM_TOKEN_MAX_AGE = env.int("FORM_TOKEN_MAX_AGE_SECONDS", default=24 * 60 * 60)

# --- Laboratory keys: throttling and the shared cache (issue 9) ---
# Each laboratory key may make LAB_KEY_THROTTLE_RATE requests ("<n>/second|minute|hour|
# day", DRF syntax) over all laboratory endpoints together; past it, 429 with Retry-After
# (REST_FRAMEWORK's throttle class; people are not counted). The counts live in the default
# cache: with several web processes or machines CACHE_URL must name a cache they share
# (redis://..., as in docker-compose.yml); the local-memory default counts per process
# and suits development only.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
LAB_KEY_THROTTLE_RATE = env("LAB_KEY_THROTTLE_RATE", default="600/minute")

# --- Safe defaults and headers (issue 9) ---
# docs/security.md "Safe defaults and headers" (the middleware is listed in MIDDLEWARE).
# No inline script or style anywhere: every script and stylesheet is a static file
# (templates/ and static/js/; the API docs load their start-up script from its own URL).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
# A session ends this long after its log-in whatever its activity (12 h: one long shift),
# besides the idle timeout above.
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
# Previous keys still accepted while a rotated SECRET_KEY settles (docs/security.md).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

# --- Limits on input (issue 9) ---
# docs/security.md "Limits on input". JSON nested deeper than this is refused (400) by
# every JSON reader (core.jsonlimits) before it is decoded.
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=64)
# Request bodies, checked by Content-Length before they are read (core.middleware):
# pages and people's API (forms, JSON), and file uploads (whose forms name their own,
# smaller, file limits). The laboratory feeds take LAB_RESULTS_MAX_BODY_BYTES.
REQUEST_MAX_BODY_BYTES = env.int("REQUEST_MAX_BODY_BYTES", default=2_621_440)  # 2.5 MB
UPLOAD_MAX_BODY_BYTES = env.int("UPLOAD_MAX_BODY_BYTES", default=LAB_UPLOAD_MAX_BYTES + 1_048_576)
# Django refuses to read a body over this (an HTML 400): the largest accepted body.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(REQUEST_MAX_BODY_BYTES, LAB_RESULTS_MAX_BODY_BYTES)

# --- Export keys (issue 9) ---
# De-identified exports replace the study id by a keyed pseudonym and shift every date by
# a keyed per-patient offset (longitudinal/exports/pseudonyms.py; docs/security.md). Each key is a
# secret of its own, never SECRET_KEY: rotating the signing key must not change every
# pseudonym, and a leaked SECRET_KEY must not re-identify exports. A development default
# only while DEBUG is on; with DEBUG off both are required, long and distinct.
EXPORT_KEY_MIN_LENGTH = 32


def _export_key(name: str) -> str:
    if DEBUG:
        return env(name, default=f"dev-only-{name.lower()}-do-not-use-in-production")
    value = env(name)  # ImproperlyConfigured when unset: a server must not start without
    if len(value) < EXPORT_KEY_MIN_LENGTH or value == SECRET_KEY:
        raise ImproperlyConfigured(
            f"{name} must be a secret of its own (not SECRET_KEY) of at least "
            f"{EXPORT_KEY_MIN_LENGTH} characters."
        )
    return value


EXPORT_DATE_SHIFT_KEY = _export_key("EXPORT_DATE_SHIFT_KEY")
EXPORT_PSEUDONYM_KEY = _export_key("EXPORT_PSEUDONYM_KEY")
if not DEBUG and EXPORT_DATE_SHIFT_KEY == EXPORT_PSEUDONYM_KEY:
    raise ImproperlyConfigured("EXPORT_DATE_SHIFT_KEY and EXPORT_PSEUDONYM_KEY must differ.")

# --- Faults: database and broker failures, stale background jobs (issues 9, 18) ---
# docs/operations.md. A database or broker failure is answered 503 with this Retry-After
# (core.transient): by the API's exception handler, the FHIR/HL7 views, and its
# middleware for every other view.
RETRY_AFTER_SECONDS = env.int("RETRY_AFTER_SECONDS", default=30)
# Background jobs (uploads, exports): a job silent this long is presumed lost by the
# beat task, which queues it again; a job started this many times without ending fails
# with a message. Every progress step updates the heartbeat (an export every 10,000
# measures, an upload every 250 rows), so ten minutes of silence is never a slow job.
JOB_STALE_AFTER_SECONDS = env.int("JOB_STALE_AFTER_SECONDS", default=10 * 60)
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=3)
