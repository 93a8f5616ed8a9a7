"""Settings, read from environment variables with safe development defaults.

Every variable is documented in README.md ("Settings"). DJANGO_ENV=production turns
on the production checks: a real SECRET_KEY is required and `check --deploy` is clean.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CAMPAIGN_VAR_DIR", BASE_DIR / "var"))


def envbool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"

_INSECURE_KEY = "django-insecure-development-only-key-never-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "" if PRODUCTION else _INSECURE_KEY)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        "DJANGO_ENV=production needs a real SECRET_KEY (50+ random characters) in the environment."
    )

DEBUG = envbool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "campaign.admin_site.PlatformAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "campaign",
    "workflows",
    "offers",
    "reporting",
    "reporting.cubes",
    "campaign.tracking",
    "campaign.forecasting",
    "campaign.aliases",
    "campaign.deliverability",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees a view's (and its template's) database errors first: 503.
    "campaign.unavailable.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "campaign.urls"
WSGI_APPLICATION = "campaign.wsgi.application"

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
                "campaign.context_processors.explorer",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# PostgreSQL when DATABASE_URL is set; otherwise an embedded SQLite file under var/,
# in WAL mode with a busy timeout so that web, worker and beat can share it.
SQLITE_PATH = VAR_DIR / "db.sqlite3"
SQLITE_OPTIONS = {
    "timeout": 30,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": SQLITE_PATH}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
    # A file, not :memory:, so that worker and beat processes started by tests see it.
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_SQLITE_NAME", str(VAR_DIR / "test.sqlite3"))}
elif os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Logging in without a "next" lands on the operations home page.
LOGIN_REDIRECT_URL = "admin:index"

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
# Each app has its own catalog (<app>/locale/fr), updated by `make messages`.
LOCALE_PATHS = []
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True
# Date, time and number formats per language (campaign/formats/<language>).
FORMAT_MODULE_PATH = "campaign.formats"

# --- Static files: served by WhiteNoise; Chart.js comes from npm (node_modules) ---
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
if (BASE_DIR / "node_modules" / "chart.js" / "dist").is_dir():
    STATICFILES_DIRS.append(("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email ------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "campaign@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute base of links in emails (supervisor notifications point at the admin).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# --- Celery -----------------------------------------------------------------
# Redis (or RabbitMQ) in production and CI; kombu's filesystem transport under var/
# otherwise, which, unlike memory://, works across the worker and beat processes.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
BROKER_DIR = Path(os.environ.get("CELERY_BROKER_DIR", VAR_DIR / "broker"))
# The longest time limit a workflow may declare; the Redis visibility timeout must
# exceed it, or Redis would hand a still-running task to a second worker.
WORKFLOW_MAX_TIME_LIMIT = 6 * 3600


def filesystem_broker(directory):
    """kombu's filesystem transport options for a folder (its subfolders are created)."""
    for sub in ("queue", "processed", "control"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(directory / "queue"),
        "data_folder_out": str(directory / "queue"),
        "processed_folder": str(directory / "processed"),
        "control_folder": str(directory / "control"),
        "store_processed": False,
    }


if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker(BROKER_DIR)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": WORKFLOW_MAX_TIME_LIMIT + 3600}
# The run ledger (WorkflowRun) is the result store: Celery results are not kept.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = ("workflows.registry.route",)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "workflows.beat:WorkflowScheduler"
DJANGO_CELERY_BEAT_TZ_AWARE = True

# --- Workflow engine --------------------------------------------------------
# A running workflow writes a heartbeat every WORKFLOW_HEARTBEAT_SECONDS; one silent
# for WORKFLOW_HEARTBEAT_TIMEOUT is marked abandoned (its worker died).
WORKFLOW_HEARTBEAT_SECONDS = envint("WORKFLOW_HEARTBEAT_SECONDS", 10)
WORKFLOW_HEARTBEAT_TIMEOUT = envint("WORKFLOW_HEARTBEAT_TIMEOUT", 90)
# A run queued by "Run now" that no worker picked up within this time is abandoned.
WORKFLOW_QUEUED_TIMEOUT = envint("WORKFLOW_QUEUED_TIMEOUT", 3600)
# Beat writes its heartbeat every BEAT_HEARTBEAT_SECONDS; older than BEAT_STALE_SECONDS = dead.
BEAT_HEARTBEAT_SECONDS = envint("BEAT_HEARTBEAT_SECONDS", 15)
BEAT_STALE_SECONDS = envint("BEAT_STALE_SECONDS", 120)
# A scheduled slot with no run this long after its fire time shows the workflow as late.
WORKFLOW_LATE_GRACE_MINUTES = envint("WORKFLOW_LATE_GRACE_MINUTES", 15)
# cleanupPausedWorkflows: days between notifications, and how many before the stop.
PAUSED_WORKFLOW_PERIOD_DAYS = envint("PAUSED_WORKFLOW_PERIOD_DAYS", 7)
PAUSED_WORKFLOW_MAX_NOTIFICATIONS = envint("PAUSED_WORKFLOW_MAX_NOTIFICATIONS", 4)

# --- Production hardening ---------------------------------------------------
if PRODUCTION:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Reporting and billing (reporting app: active profiles, Customer metrics, billing) ---
# A profile is active when a delivery targeted it, or a message reached it, within this
# many months before the count (Adobe: 12).
ACTIVE_PROFILE_WINDOW_MONTHS = envint("ACTIVE_PROFILE_WINDOW_MONTHS", 12)
# Printed in the header of the monthly billing report (Adobe: NmsServer_CustomerId).
BILLING_CUSTOMER_ID = os.environ.get("BILLING_CUSTOMER_ID", "")
BILLING_INSTANCE_NAME = os.environ.get("BILLING_INSTANCE_NAME", "marketing")
# Language of the billing email: "en" or "fr".
BILLING_LANGUAGE = os.environ.get("BILLING_LANGUAGE", "en")
# Email deliveries with fewer messages in the period are grouped per start date.
BILLING_SMALL_DELIVERY_THRESHOLD = envint("BILLING_SMALL_DELIVERY_THRESHOLD", 100)
# Multiplier bands by average message volume, "up-to-bytes:multiplier,…,*:multiplier"
# (a message of 150 KB average counts twice with the default).
BILLING_MULTIPLIER_BANDS = os.environ.get(
    "BILLING_MULTIPLIER_BANDS", "102400:1,204800:2,512000:3,1048576:4,*:5"
)
# SMTP failures: retries of the billing run, the first after this many seconds, doubling.
BILLING_MAX_RETRIES = envint("BILLING_MAX_RETRIES", 3)
BILLING_RETRY_BACKOFF_SECONDS = envint("BILLING_RETRY_BACKOFF_SECONDS", 300)

# --- Tracking (campaign.tracking: signed open and click links, hourly consolidation) ---
# The key that signs tracking tokens: a key of its own, never SECRET_KEY, so that
# rotating either one leaves the links already sent working. Old keys stay accepted
# while listed in TRACKING_SIGNING_FALLBACK_KEYS (comma-separated).
_DEV_TRACKING_KEY = "tracking-development-only-key-never-use-in-production"
TRACKING_SIGNING_KEY = os.environ.get("TRACKING_SIGNING_KEY", "" if PRODUCTION else _DEV_TRACKING_KEY)
TRACKING_SIGNING_FALLBACK_KEYS = envlist("TRACKING_SIGNING_FALLBACK_KEYS", [])
# Whether the public endpoints record hits and links can be tracked. In production it
# defaults to on exactly when a signing key is set; turned on without a key, the system
# check tracking.E001 fails (nothing is ever derived from SECRET_KEY).
TRACKING_ENABLED = envbool("TRACKING_ENABLED", bool(TRACKING_SIGNING_KEY))
# A token records hits for this many days after it was issued (the tracking logs'
# default retention); later its link still leads to its target but records nothing.
TRACKING_TOKEN_MAX_AGE_DAYS = envint("TRACKING_TOKEN_MAX_AGE_DAYS", 360)
# Base of the tracked links put into messages (Adobe: NmsTracking_ServerUrl).
TRACKING_BASE_URL = os.environ.get("TRACKING_BASE_URL", SITE_URL)
# On PostgreSQL a web process buffers the raw hits of its requests and writes them with
# one COPY every this many milliseconds (0: one INSERT per request); a process killed
# outright loses its last interval at most. The limit bounds the memory while the
# database cannot be reached (then the oldest hits are dropped, and logged).
TRACKING_HIT_BUFFER_MS = envint("TRACKING_HIT_BUFFER_MS", 50)
TRACKING_HIT_BUFFER_LIMIT = envint("TRACKING_HIT_BUFFER_LIMIT", 50_000)
