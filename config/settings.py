"""CrisisDesk settings: one module, driven by the environment.

With no environment variables set, CrisisDesk runs on the embedded default: a SQLite
file, the in-memory channel layer, eager Celery and a local-memory cache. Production
and CI set ``DATABASE_URL`` and ``REDIS_URL`` (see the README for the full list).
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CRISISDESK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0, true/false, yes/no or on/off, not {value!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG=0 CrisisDesk refuses to start without a "
            "secret key: set SECRET_KEY to a long random string (for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )
    SECRET_KEY = "django-insecure-embedded-default-only-never-use-in-production"  # noqa: S105
# Rotating the key without signing everyone out: put the old key here (comma-separated),
# the new one in SECRET_KEY, restart; drop the old one once sessions have turned over.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "core.apps.CollectedStaticFilesConfig",  # django.contrib.staticfiles without ReDoc
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "guardian",
    "axes",
    "channels",
    "core",
    "crisis",
    "teams",
    "comms",
    "monitoring",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.csp.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "teams.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "teams.context_processors.notifications",
                "core.context_processors.live_frames",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'crisisdesk.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite files, static files, beat's schedule
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so the live-server tests' server process shares the test data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-crisisdesk.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
else:
    # JIT compilation costs more than it saves on our short OLTP queries (measured by
    # `python -m bench incident_visibility`: most of the deep-page time).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Seconds the websocket consumers' database connection (one thread per server process) is
# kept between queries: core.consumers.database_sync_to_async.
LIVE_DB_CONN_MAX_AGE = int(os.environ.get("LIVE_DB_CONN_MAX_AGE", "60"))
# HTTP requests of one server process inside Django at once (each holds a thread and a
# database connection); the others wait their turn. 0: no limit. core.concurrency.
HTTP_CONCURRENCY = int(os.environ.get("HTTP_CONCURRENCY", "8"))

# --- Redis: channel layer, Celery, cache ------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")

# Which channels_redis layer carries websocket events: "pubsub" (Redis PUBLISH; chosen by
# `python -m bench fanout`, see bench/README.md) or "core" (lists with per-channel capacity).
CHANNEL_LAYER = os.environ.get("CHANNEL_LAYER", "pubsub")
CHANNEL_LAYER_BACKENDS = {
    # channels_redis's pub/sub layer, telling the sockets when Redis was lost (core.channel_layer)
    "pubsub": "core.channel_layer.RedisPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}
if CHANNEL_LAYER not in CHANNEL_LAYER_BACKENDS:
    raise ImproperlyConfigured(
        f"CHANNEL_LAYER must be one of {', '.join(CHANNEL_LAYER_BACKENDS)}, not {CHANNEL_LAYER!r}."
    )

# Redis pub/sub ignores database numbers: two installations (or a test run) on one Redis
# server would hear each other's websocket events unless their channel names differ. The
# prefix carries the database number of REDIS_URL unless CHANNEL_LAYER_PREFIX says more.
_redis_db = urlsplit(REDIS_URL).path.strip("/") or "0"
CHANNEL_LAYER_PREFIX = os.environ.get(
    "CHANNEL_LAYER_PREFIX", "crisisdesk" if _redis_db == "0" else f"crisisdesk-db{_redis_db}")

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": CHANNEL_LAYER_BACKENDS[CHANNEL_LAYER],
            "CONFIG": {"hosts": [REDIS_URL], "prefix": CHANNEL_LAYER_PREFIX},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "crisisdesk",
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Production mode needs both services: two processes on SQLite and in-memory layers would
# each run alone and silently stop sharing events. The embedded default (one process, no
# services) with DEBUG off must be asked for by name.
EMBEDDED = not (os.environ.get("DATABASE_URL") and REDIS_URL)
if EMBEDDED and not DEBUG and not env_bool("CRISISDESK_EMBEDDED", default=False):
    raise ImproperlyConfigured(
        "With DEBUG=0 CrisisDesk runs in production mode and needs DATABASE_URL "
        "(PostgreSQL) and REDIS_URL (channel layer, Celery, cache); "
        f"missing: {', '.join(n for n in ('DATABASE_URL', 'REDIS_URL') if not os.environ.get(n))}. "
        "To run the single-process embedded default (SQLite, in-memory layer, eager tasks) "
        "with DEBUG off anyway, set CRISISDESK_EMBEDDED=1."
    )

CELERY_BROKER_URL = REDIS_URL or "memory://"
# No result backend: nothing reads task results (tasks record what they did in the
# database). With Redis as one, each .delay() while Redis was down blocked the request for
# about 20 s of reconnect attempts, then Celery gave up until restarted (tests/faults).
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "crisisdesk")
CELERY_TIMEZONE = "UTC"
# The embedded default has no beat: the web process runs CELERY_BEAT_SCHEDULE itself
# (core.clock, started by config.asgi) when CRISISDESK_CLOCK is on, as scripts/run sets it.
EMBEDDED_CLOCK = EMBEDDED and env_bool("CRISISDESK_CLOCK", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")  # not the code directory
CELERY_BEAT_SCHEDULE = {
    "notify-overdue-tasks": {"task": "crisis.tasks.notify_overdue_tasks", "schedule": 60.0},
    "notify-overdue-review-stages": {
        "task": "comms.tasks.notify_overdue_review_stages", "schedule": 60.0},
    "publish-scheduled-publications": {
        "task": "comms.tasks.publish_scheduled_publications", "schedule": 60.0},
    "sweep-unsent-notification-emails": {
        "task": "teams.tasks.sweep_unsent_notification_emails", "schedule": 120.0},
    "sweep-deliveries": {"task": "comms.delivery_tasks.sweep_deliveries", "schedule": 60.0},
    "notify-overdue-stakeholder-updates": {
        "task": "comms.stakeholder_map_tasks.notify_overdue_stakeholder_updates",
        "schedule": 60.0},
    "remind-unacknowledged-deliveries": {
        "task": "comms.acknowledgement_tasks.remind_unacknowledged_deliveries",
        "schedule": 300.0},
    "evaluate-watches": {"task": "monitoring.detection_tasks.evaluate_watches",
                         "schedule": 60.0},
    "refresh-baselines": {"task": "monitoring.detection_tasks.refresh_baselines",
                          "schedule": 3600.0},
    "notify-overdue-action-items": {"task": "reports.tasks.notify_overdue_action_items",
                                    "schedule": 300.0},
}

# --- Auth -------------------------------------------------------------------------------
AUTH_USER_MODEL = "teams.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "core.auth.ModelBackend",  # Django's, global permissions in one query
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "crisis:incident-list"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: five failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Behind reverse proxies the client's address is the PROXY_COUNT-th from the right in
# X-Forwarded-For (core.network.client_ip), never the proxy's own.
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "core.network.client_ip"

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

# --- API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "core.api.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/minute", "user": "1200/minute"},
    "DEFAULT_THROTTLE_CLASSES": [
        "core.outages.FailOpenAnonRateThrottle",
        "core.outages.FailOpenUserRateThrottle",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CrisisDesk API",
    "DESCRIPTION": "Incidents, timelines, tasks, statements and reviews of a crisis team.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "core.api.document_read_errors"],
    "ENUM_NAME_OVERRIDES": {
        "SeverityEnum": "crisis.choices.Severity",
        "IncidentStatusEnum": "crisis.choices.IncidentStatus",
        "WarningLevelEnum": "crisis.choices.WarningLevel",
        "OriginEnum": "crisis.choices.Origin",
        "ConfidentialityEnum": "crisis.choices.Confidentiality",
        "StakeholderKindEnum": "crisis.choices.StakeholderKind",
        "TimelineKindEnum": "crisis.choices.TimelineKind",
        "TaskStatusEnum": "crisis.choices.TaskStatus",
        "DepartmentKindEnum": "crisis.choices.DepartmentKind",
        "StatementKindEnum": "comms.choices.StatementKind",
        "StatementStatusEnum": "comms.choices.StatementStatus",
        "DeliveryChannelEnum": "comms.delivery_choices.DELIVERY_CHANNELS",
        "ChannelEnum": "comms.stakeholder_choices.Channel",
        "DeliveryStatusEnum": "comms.delivery_choices.DeliveryStatus",
        "SignOffRoleEnum": "reports.models.SignOffRole",
        "ReviewLanguageEnum": "reports.models.ReviewLanguage",
        "ActionItemStatusEnum": "reports.models.ActionItemStatus",
        "ActionItemTargetEnum": "reports.models.ActionItemTarget",
        "PdfStatusEnum": "reports.models.PdfStatus",
    },
}

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("zh-hant", "繁體中文"),
    ("zh-hans", "简体中文"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at start-up when it is missing
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "core.staticfiles.SelectedFilesFinder",
]
# From node_modules only what the pages load, and what those files refer to (fonts, source
# maps): collectstatic copies these, not whole package folders.
_TABLER = NODE_MODULES / "@tabler" / "core" / "dist"
_ICONS = NODE_MODULES / "@tabler" / "icons-webfont" / "dist"
_IDIOMORPH = NODE_MODULES / "idiomorph" / "dist"
STATIC_SELECTED_FILES = {
    "vendor/tabler/css/tabler.min.css": _TABLER / "css" / "tabler.min.css",
    "vendor/tabler/css/tabler.min.css.map": _TABLER / "css" / "tabler.min.css.map",
    "vendor/tabler/js/tabler.min.js": _TABLER / "js" / "tabler.min.js",
    "vendor/tabler/js/tabler.min.js.map": _TABLER / "js" / "tabler.min.js.map",
    "vendor/tabler-icons/tabler-icons.min.css": _ICONS / "tabler-icons.min.css",
    **{f"vendor/tabler-icons/fonts/tabler-icons.{ext}": _ICONS / "fonts" / f"tabler-icons.{ext}"
       for ext in ("woff2", "woff", "ttf")},
    "vendor/htmx/htmx.min.js": NODE_MODULES / "htmx.org" / "dist" / "htmx.min.js",
    "vendor/idiomorph/idiomorph-ext.min.js": _IDIOMORPH / "idiomorph-ext.min.js",
    "vendor/uplot/uPlot.iife.min.js": NODE_MODULES / "uplot" / "dist" / "uPlot.iife.min.js",
    "vendor/uplot/uPlot.min.css": NODE_MODULES / "uplot" / "dist" / "uPlot.min.css",
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Source maps are for developers' tools: served as they are, not compressed (saves time).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
# Pages only ever ask for hashed names (the manifest); unhashed copies would double the
# compression work of collectstatic for nothing.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
MEDIA_ROOT = VAR_DIR / "media"

# --- Email ------------------------------------------------------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
# Implicit TLS (EMAIL_USE_SSL=1, port 465) or STARTTLS (EMAIL_USE_TLS, port 587): not both.
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=not EMAIL_USE_SSL)
if EMAIL_USE_SSL and EMAIL_USE_TLS:
    raise ImproperlyConfigured("Set EMAIL_USE_SSL (implicit TLS, port 465) or EMAIL_USE_TLS "
                               "(STARTTLS, port 587), not both.")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "465" if EMAIL_USE_SSL else "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_TIMEOUT = 20
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "CrisisDesk <crisisdesk@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The company whose crises these are: named on the cover of the post-incident review PDF.
CRISISDESK_COMPANY_NAME = os.environ.get("CRISISDESK_COMPANY_NAME", "").strip() or "CrisisDesk"
# Acknowledgement links (groups that require them): how long a link works, and after how
# many hours unacknowledged deliveries are pointed out to the group's owner.
CRISISDESK_ACK_LINK_DAYS = int(os.environ.get("CRISISDESK_ACK_LINK_DAYS", "14"))
CRISISDESK_ACK_REMINDER_HOURS = int(os.environ.get("CRISISDESK_ACK_REMINDER_HOURS", "4"))

# Stakeholder webhooks are signed with this key (HMAC-SHA256; README "Stakeholder delivery").
# Absent: one is generated once into the var directory, so signatures stay valid across
# restarts; set it when several hosts send, and give it to the receivers.
CRISISDESK_WEBHOOK_SECRET = os.environ.get("CRISISDESK_WEBHOOK_SECRET", "")
if not CRISISDESK_WEBHOOK_SECRET:
    _webhook_secret_file = VAR_DIR / "webhook_secret"
    try:  # created once, exclusively (two processes starting together write one key)
        with open(_webhook_secret_file, "x", opener=lambda p, f: os.open(p, f, 0o600)) as _f:
            _f.write(secrets.token_urlsafe(48))
    except FileExistsError:
        pass
    CRISISDESK_WEBHOOK_SECRET = _webhook_secret_file.read_text().strip()
# Webhooks go to public hosts only: loopback, private, link-local (a cloud's metadata
# service), shared and reserved addresses are refused when typed and when connecting, unless
# this allows them (receivers inside the organisation's network; the tests' loopback ones).
CRISISDESK_WEBHOOK_ALLOW_PRIVATE = env_bool("CRISISDESK_WEBHOOK_ALLOW_PRIVATE", default=False)

# --- Security (production) --------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A first try over plain HTTP with DEBUG=0 (no proxy, no certificate yet) must be asked
# for by name: secure cookies, the HTTPS redirect and HSTS are then off, and
# `check --deploy` says so. Never leave it on behind a real domain.
PLAIN_HTTP = env_bool("CRISISDESK_PLAIN_HTTP", default=False)
SECURE_COOKIES = not DEBUG and not PLAIN_HTTP
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=SECURE_COOKIES)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS",
                                         "31536000" if SECURE_COOKIES else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_COOKIES
SECURE_HSTS_PRELOAD = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Pages load scripts, styles, fonts and images from this site only, and nothing inline
# (data blocks such as json_script are not scripts); sockets go back to this site.
# The interactive API docs (Swagger UI starts from an inline script) are exempt; the
# browsable API may style inline (core.csp).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Powerful browser features no page of CrisisDesk uses.
PERMISSIONS_POLICY = {feature: [] for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
    "magnetometer", "microphone", "midi", "payment", "usb", "xr-spatial-tracking")}

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "daphne": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
