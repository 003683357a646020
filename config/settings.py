"""FaceLib settings. Every value can be overridden from the environment; nothing here holds logic."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


VAR_DIR = Path(env_str("FACELIB_VAR_DIR", str(BASE_DIR / "var")))


def _persistent_secret(filename: str) -> str:
    """A random secret generated on first use and kept under var/, so restarts keep sessions and credentials."""
    path = VAR_DIR / filename
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


SECRET_KEY = env_str("DJANGO_SECRET_KEY") or _persistent_secret("secret_key")
# Credentials' secrets are encrypted with their own key, so rotating SECRET_KEY does not lose them.
FACELIB_CREDENTIAL_KEY = env_str("FACELIB_CREDENTIAL_KEY") or _persistent_secret("credential_key")

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "facesets",
    "recognition",
]

MIDDLEWARE = [
    "facesets.timing.ServerTimingMiddleware",  # first: its total covers every other middleware
    "facesets.middleware.ProjectInPathMiddleware",  # /p/<project_id>/...: early, so static files resolve under it too
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "facesets.middleware.RequestIdMiddleware",
    "facesets.services.audit.AuditMiddleware",  # each request starts with no one acting (the audit log)
    "facesets.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            ],
        },
    },
]

# The database: a real server from DATABASE_URL, or the embedded PostgreSQL that scripts/services.py starts.
FACELIB_PG_PORT = env_int("FACELIB_PG_PORT", 54329)
DATABASE_URL = env_str("DATABASE_URL") or f"postgres://postgres@127.0.0.1:{FACELIB_PG_PORT}/facelib"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
DATABASES["default"].setdefault("TEST", {})
if env_str("FACELIB_TEST_DB_NAME"):
    DATABASES["default"]["TEST"]["NAME"] = env_str("FACELIB_TEST_DB_NAME")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"

# Password guessing (django-axes): after FACELIB_LOGIN_FAILURE_LIMIT wrong passwords for one user name from one address,
# that pair is refused for FACELIB_LOGIN_COOLOFF_MINUTES, on the dashboard's sign-in and Huawei's /v3/auth/tokens alike
# (both authenticate through Django). A success resets the count. Each lockout is logged (logger "axes").
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("FACELIB_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("FACELIB_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_SENSITIVE_PARAMETERS = ["password", "api_secret", "secret_key", "client_secret", "access_token"]
# No AxesMiddleware: it would answer an API client's locked-out token request with an HTML page. The sign-in form and
# each dialect say "locked out" in their own terms instead (facesets.views.accounts, the dialects' auth modules).
SILENCED_SYSTEM_CHECKS = ["axes.W002"]
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
WHITENOISE_USE_FINDERS = True

# Request bodies: images arrive base64-encoded (8 MB of image is ~10.7 MB of base64) or as files.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("FACELIB_MAX_BODY_BYTES", 12 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "FaceLib API",
    "DESCRIPTION": "Self-hosted face library server speaking the REST dialects of the major cloud face services.",
    "VERSION": "0.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery: all inference and bulk work. Redis by default (started by `make run`), any broker via CELERY_BROKER_URL.
FACELIB_REDIS_PORT = env_int("FACELIB_REDIS_PORT", 63790)
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", f"redis://127.0.0.1:{FACELIB_REDIS_PORT}/0")
CELERY_RESULT_BACKEND = env_str(
    "CELERY_RESULT_BACKEND", CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "rpc://"
)
CELERY_TASK_DEFAULT_QUEUE = env_str("FACELIB_QUEUE", "facelib")
# Video liveness runs in a queue (and a worker) of its own, so that liveness and enrolment cannot starve each other.
FACELIB_LIVENESS_QUEUE = env_str("FACELIB_LIVENESS_QUEUE", f"{CELERY_TASK_DEFAULT_QUEUE}-liveness")
# The reviews of the stored vectors (identity review, thresholds, suggested persons: up to minutes each) go to a worker
# of their own, so that one cannot hold a worker of the API's calls for that long.
FACELIB_REVIEW_QUEUE = env_str("FACELIB_REVIEW_QUEUE", f"{CELERY_TASK_DEFAULT_QUEUE}-reviews")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_DB_REUSE_MAX = 10**9  # connections are kept and checked as Django does (config/celery.py), not closed per task
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A late-acked task whose worker died is redelivered after the visibility timeout.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("FACELIB_BROKER_VISIBILITY_TIMEOUT", 3600)}
CELERY_BEAT_SCHEDULE = {
    "purge-expired-faces": {"task": "recognition.tasks.purge_expired", "schedule": 3600.0},
}

# Recognition engine.
FACELIB_MODEL_PACK = env_str("FACELIB_MODEL_PACK", "")  # folder of an InsightFace pack; empty = YuNet + SFace
FACELIB_MODEL_CACHE = Path(env_str("FACELIB_MODEL_CACHE", str(VAR_DIR / "models")))
FACELIB_DETECT_SIZE = env_int("FACELIB_DETECT_SIZE", 640)
FACELIB_DETECT_THRESHOLD = env_float("FACELIB_DETECT_THRESHOLD", 0.7)
FACELIB_MIN_FACE_SIZE = env_int("FACELIB_MIN_FACE_SIZE", 20)
FACELIB_MAX_IMAGE_BYTES = env_int("FACELIB_MAX_IMAGE_BYTES", 8 * 1024 * 1024)
FACELIB_MAX_IMAGE_PIXELS = env_int("FACELIB_MAX_IMAGE_PIXELS", 40_000_000)
FACELIB_MAX_IMAGE_SIDE = env_int("FACELIB_MAX_IMAGE_SIDE", 10_000)
FACELIB_SYNC_TIMEOUT = env_float("FACELIB_SYNC_TIMEOUT", 30.0)
# How long a dashboard page waits for a review of the stored vectors (identity review, threshold calibration,
# suggested persons) before it shows the review's progress instead and follows it.
FACELIB_INSIGHT_WAIT = env_float("FACELIB_INSIGHT_WAIT", 5.0)
# A Server-Timing header on every answer: where the request's time went, the worker's stages included (facesets.timing).
FACELIB_SERVER_TIMING = env_bool("FACELIB_SERVER_TIMING", False)
# A liveness clip (at most 15 s) is analysed within this many seconds of worker time, and the request waits for it
# at most FACELIB_LIVENESS_TIMEOUT (queueing included).
FACELIB_LIVENESS_TIME_LIMIT = env_float("FACELIB_LIVENESS_TIME_LIMIT", 40.0)
FACELIB_LIVENESS_TIMEOUT = env_float("FACELIB_LIVENESS_TIMEOUT", 60.0)
FACELIB_KEEP_PHOTOS = env_bool("FACELIB_KEEP_PHOTOS", False)
# `image_url` inputs: FaceLib downloads them itself, within this total time budget and FACELIB_MAX_IMAGE_BYTES.
# URLs resolving to loopback, private or link-local addresses are refused unless this is on.
FACELIB_URL_FETCH_TIMEOUT = env_float("FACELIB_URL_FETCH_TIMEOUT", 5.0)
FACELIB_ALLOW_PRIVATE_URLS = env_bool("FACELIB_ALLOW_PRIVATE_URLS", False)
# Huawei FRS dialect: lifetime of the IAM-style tokens issued by POST /v3/auth/tokens (Huawei's is 24 h).
FACELIB_HUAWEI_TOKEN_TTL_HOURS = env_int("FACELIB_HUAWEI_TOKEN_TTL_HOURS", 24)
# SenseTime dialect: how long verification, search, identification and training wait for their worker job before
# answering 202 with a task id to collect through /info/task (detection waits FACELIB_SYNC_TIMEOUT).
FACELIB_SENSETIME_SYNC_TIMEOUT = env_float("FACELIB_SENSETIME_SYNC_TIMEOUT", 5.0)


def _default_cache_url(broker_url: str) -> str:
    """The broker's Redis with the database number + 2 (0 -> 2; the tests' 1 -> 3), or "" for the database cache."""
    if not broker_url.startswith(("redis://", "rediss://")):
        return ""
    base, _, database = broker_url.rpartition("/")
    if "://" not in base or not database.isdigit():  # no database number in the URL: Redis's default, 0
        base, database = broker_url.rstrip("/"), "0"
    return f"{base}/{(int(database) + 2) % 16}"


# Shared by every web process: the API rate limits count requests here. Redis when the broker is Redis (or
# FACELIB_CACHE_URL is a redis:// URL), else the database (its table is created on first use).
FACELIB_CACHE_URL = env_str("FACELIB_CACHE_URL", _default_cache_url(CELERY_BROKER_URL))
if FACELIB_CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": FACELIB_CACHE_URL,
            "KEY_PREFIX": "facelib",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "facelib_cache",
            "KEY_PREFIX": "facelib",
        }
    }

# Threads each worker process gives the models (0: 2, at most the cores).
FACELIB_ENGINE_THREADS = env_int("FACELIB_ENGINE_THREADS", 0)

# Vector search: exact scan below this many faces in a face set, a partial HNSW index of that set above it.
FACELIB_HNSW_MIN_FACES = env_int("FACELIB_HNSW_MIN_FACES", 20_000)
FACELIB_HNSW_M = env_int("FACELIB_HNSW_M", 32)
FACELIB_HNSW_EF_CONSTRUCTION = env_int("FACELIB_HNSW_EF_CONSTRUCTION", 128)
FACELIB_HNSW_EF_SEARCH = env_int("FACELIB_HNSW_EF_SEARCH", 0)  # 0: by set size (recognition.search.EF_SEARCH_BY_SIZE)
# maintenance_work_mem of an index build's session (e.g. "4GB"); empty: estimated from the set's size (see
# recognition.search.build_memory_mb), at most FACELIB_HNSW_BUILD_MEMORY_MAX_MB.
FACELIB_HNSW_BUILD_MEMORY = env_str("FACELIB_HNSW_BUILD_MEMORY", "")
FACELIB_HNSW_BUILD_MEMORY_MAX_MB = env_int("FACELIB_HNSW_BUILD_MEMORY_MAX_MB", 8192)
# The in-process graph of a large face set (recognition.graph, facesets.search): an HNSW graph built by usearch in a
# file under FACELIB_GRAPH_DIR, memory-mapped by every process that searches, kept in step with PostgreSQL (which
# stays the source of truth: a missing or stale graph falls back to the SQL paths above and is rebuilt).
FACELIB_GRAPH = env_bool("FACELIB_GRAPH", True)
# A set too small for a graph but at least this large is scanned in the searching process's memory (facesets.search:
# its vectors are loaded once, then candidates are re-ranked exactly in SQL with the rows added since); 0 turns it off.
FACELIB_MEMORY_SCAN_MIN_FACES = env_int("FACELIB_MEMORY_SCAN_MIN_FACES", 2_000)
# ... keeping at most this many faces' vectors per process (least recently searched sets dropped first; 512 B each).
FACELIB_MEMORY_SCAN_MAX_FACES = env_int("FACELIB_MEMORY_SCAN_MAX_FACES", 500_000)
FACELIB_GRAPH_DIR = Path(env_str("FACELIB_GRAPH_DIR", str(VAR_DIR / "graphs")))
FACELIB_GRAPH_DTYPE = env_str("FACELIB_GRAPH_DTYPE", "f16")  # vectors in the graph: f32, f16 or i8 (re-ranked exactly)
FACELIB_GRAPH_EF_SEARCH = env_int("FACELIB_GRAPH_EF_SEARCH", 0)  # 0: by set size (recognition.search)
# Rows added or removed since the graph was written before a refresh is queued (and at least this share of the set).
FACELIB_GRAPH_REFRESH_ROWS = env_int("FACELIB_GRAPH_REFRESH_ROWS", 1000)

# Expiry of faces that were detected but never added to a face set or a person.
FACELIB_DETECTED_FACE_TTL_HOURS = env_int("FACELIB_DETECTED_FACE_TTL_HOURS", 120)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Each line names the request it belongs to (the X-Request-Id every answer carries; "-" outside a request).
    "filters": {"request_id": {"()": "facesets.middleware.RequestIdLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# Served over https (directly or behind a TLS-terminating proxy): cookies only over https, the proxy's scheme header
# trusted. Off by default: `make run` serves plain http on loopback, where Secure cookies would never be sent back.
FACELIB_HTTPS = env_bool("FACELIB_HTTPS", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = FACELIB_HTTPS
if FACELIB_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
