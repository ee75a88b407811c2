"""One settings module, driven by environment variables (SQLite by default)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name) or ""
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name) or ""
    return float(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("MINQING_DEBUG", False)
SECRET_KEY = env_str("MINQING_SECRET_KEY", "insecure-demo-key-change-me-in-production")
ALLOWED_HOSTS = env_list("MINQING_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
VAR_DIR = Path(env_str("MINQING_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "minqing.core",
    "minqing.places",
    "minqing.people",
    "minqing.cases",
    "minqing.outreach",
    "minqing.whistles",
    "minqing.notify",
    "minqing.routing",
    "minqing.open311",
    "minqing.api",
    "minqing.dashboards",
    "minqing.jobs",
    "minqing.demo",
    "django_htmx",
    "django_q",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files, compressed by collectstatic (STORAGES below), before anything else runs.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and API answers gzipped for clients that ask (docs/operations.md, "Compression").
    "minqing.core.middleware.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "minqing.urls"
WSGI_APPLICATION = "minqing.wsgi.application"

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

# Database: MINQING_DATABASE_URL (postgres://… or sqlite:///…); embedded SQLite by default.
_default_sqlite = f"sqlite:///{VAR_DIR / 'minqing.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("MINQING_DATABASE_URL", _default_sqlite), conn_max_age=0
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue instead of failing half-way through a transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "minqing" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("MINQING_TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# collectstatic writes a .gz beside each file and WhiteNoise serves it to browsers that accept
# gzip (with Last-Modified and a short max-age). Plain names, not hashed ones: URLs work before
# collectstatic, so tests and the live server need no collected files. `minqing serve` collects.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- minqing ---------------------------------------------------------------------------
# Time limits per class (DESIGN §4). A district may change them without code.
MINQING_TIME_LIMITS = {
    "emergency": timedelta(hours=env_int("MINQING_LIMIT_EMERGENCY_HOURS", 2)),
    "utilities": timedelta(hours=env_int("MINQING_LIMIT_UTILITIES_HOURS", 24)),
    "ordinary": timedelta(days=env_int("MINQING_LIMIT_ORDINARY_DAYS", 7)),
    "complex": timedelta(days=env_int("MINQING_LIMIT_COMPLEX_DAYS", 15)),
}
# A new case must be taken up (立案/接单) within this time, or it is overdue and escalates.
MINQING_RESPONSE_LIMIT = timedelta(hours=env_int("MINQING_LIMIT_RESPONSE_HOURS", 2))
# Channels where a team member hears the resident in person: that is the first response.
MINQING_IN_PERSON_CHANNELS = env_list(
    "MINQING_IN_PERSON_CHANNELS", ["household_visit", "evening_talk", "forum"]
)
# Words that make the capture form suggest an urgency (the worker can change it).
MINQING_URGENCY_WORDS = {
    "emergency": env_list(
        "MINQING_EMERGENCY_WORDS",
        [
            "安全隐患",
            "燃气",
            "煤气",
            "漏气",
            "起火",
            "着火",
            "冒烟",
            "漏电",
            "触电",
            "坍塌",
            "塌陷",
            "被困",
            "危房",
        ],
    ),
    "urgent": env_list(
        "MINQING_URGENT_WORDS",
        ["漏水", "跑水", "爆管", "停水", "停电", "断电", "没有暖气", "不供暖", "下水道堵"],
    ),
}
# Districts' own rules (cases.DistrictRules) are re-read by each process this often.
MINQING_RULES_CACHE_SECONDS = env_int("MINQING_RULES_CACHE_SECONDS", 60)
# A return visit opens this long after resolution and is due within the second value.
MINQING_RETURN_VISIT_OPENS_AFTER = timedelta(hours=env_int("MINQING_RETURN_VISIT_OPENS_HOURS", 24))
MINQING_RETURN_VISIT_WITHIN = timedelta(days=env_int("MINQING_RETURN_VISIT_DAYS", 7))
# Reply quality (cases/replies.py; thresholds measured by bench/reply_quality.py, see
# docs/routing.md "Reply quality"): a reply with fewer letters/digits/Chinese characters than
# MIN_CHARS, or with fewer than TEMPLATE_MIN_CHARS once the stock phrases are taken out, or
# sharing no content word with the case, or this similar to another recent reply of the same
# department, is flagged; the handler may still send it with a reason.
# With REFUSES off the flags are only recorded (a district that wants to watch before it
# enforces).
MINQING_REPLY_CHECK_REFUSES = env_bool("MINQING_REPLY_CHECK_REFUSES", True)
MINQING_REPLY_MIN_CHARS = env_int("MINQING_REPLY_MIN_CHARS", 15)
MINQING_REPLY_TEMPLATE_MIN_CHARS = env_int("MINQING_REPLY_TEMPLATE_MIN_CHARS", 15)
MINQING_REPLY_COPY_THRESHOLD = env_float("MINQING_REPLY_COPY_THRESHOLD", 0.9)
MINQING_REPLY_COPY_DAYS = env_int("MINQING_REPLY_COPY_DAYS", 30)
MINQING_REPLY_STOCK_PHRASES = env_list(
    "MINQING_REPLY_STOCK_PHRASES",
    [
        "您好",
        "你好",
        "网友",
        "来信收悉",
        "已收悉",
        "收悉",
        "您的留言",
        "您反映的问题",
        "你反映的问题",
        "关于您反映的问题",
        "现回复如下",
        "现将有关情况回复如下",
        "回复如下",
        "已转交",
        "已转至",
        "已转",
        "转交",
        "相关部门",
        "有关部门",
        "有关单位",
        "相关单位",
        "调查处理",
        "调查处置",
        "调查核处",
        "核实",
        "核查",
        "办复",
        "答复反馈",
        "处理",
        "处置",
        "正在处理",
        "正在办理",
        "尽快",
        "及时回复",
        "如有情况将及时回复",
        "感谢您的支持",
        "感谢您对我们工作的支持",
        "非常感谢您对我们工作的支持",
        "感谢您的留言",
        "谢谢",
        "敬请谅解",
        "给您带来的不便",
        "祝您事事顺心",
        "已经",
        "已",
        "并",
        "交",
        "和",
        "的",
        "您",
        "你",
        "问题",
        "反映",
        "通过",
        "平台",
        "留言",
    ],
)
# The prefix of tracking codes when the district has no short code of its own.
MINQING_CODE_PREFIX = env_str("MINQING_CODE_PREFIX", "MQ")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("MINQING_LOG_LEVEL", "WARNING")},
}

# --- pages
# Public forms: (uses, seconds) per client address; tracking counts failures only, and also
# per tracking code so guessing the 4 digits from many addresses is slowed down too.
MINQING_RATE_LIMITS = {
    "report": (env_int("MINQING_RATE_REPORTS_PER_HOUR", 10), 3600),
    "track": (env_int("MINQING_RATE_TRACK_FAILURES", 5), 900),
    "track_code": (env_int("MINQING_RATE_TRACK_CODE_FAILURES", 10), 3600),
    "rate": (env_int("MINQING_RATE_RATINGS_PER_HOUR", 10), 3600),
}

# --- open311/api
# django-ninja's bundled Swagger UI for /api/v1/docs (served without a CDN).
INSTALLED_APPS += ["ninja"]
# Open311: the farthest a lat/long may be from the building it is matched to.
MINQING_OPEN311_MAX_DISTANCE_M = env_int("MINQING_OPEN311_MAX_DISTANCE_M", 1000)
MINQING_OPEN311_MAX_BODY_BYTES = env_int("MINQING_OPEN311_MAX_BODY_BYTES", 256 * 1024)
MINQING_OPEN311_CONTACT = env_str("MINQING_OPEN311_CONTACT", "")
# Empty: the discovery document says, in the client's language, who issues keys.
MINQING_OPEN311_KEY_SERVICE = env_str("MINQING_OPEN311_KEY_SERVICE", "")
MINQING_API_MAX_BODY_BYTES = env_int("MINQING_API_MAX_BODY_BYTES", 256 * 1024)
MINQING_WEBHOOK_TIMEOUT_SECONDS = env_int("MINQING_WEBHOOK_TIMEOUT_SECONDS", 5)

# Notifications to people (notify/notifications.py, notify/adapters.py; docs/operations.md).
# SMS and WeChat: "file" (JSON lines in var/outbox/sms.log, wechat.log: what people would
# get), "console" (standard output) or "http" (POST JSON to the provider's URL with the token).
MINQING_SMS_BACKEND = env_str("MINQING_SMS_BACKEND", "file")
MINQING_SMS_URL = env_str("MINQING_SMS_URL", "")
MINQING_SMS_TOKEN = env_str("MINQING_SMS_TOKEN", "")
MINQING_WECHAT_BACKEND = env_str("MINQING_WECHAT_BACKEND", "file")
MINQING_WECHAT_URL = env_str("MINQING_WECHAT_URL", "")
MINQING_WECHAT_TOKEN = env_str("MINQING_WECHAT_TOKEN", "")
MINQING_WECHAT_TEMPLATE = env_str("MINQING_WECHAT_TEMPLATE", "")
MINQING_NOTIFY_TIMEOUT_SECONDS = env_int("MINQING_NOTIFY_TIMEOUT_SECONDS", 5)
# How long a worker holds a notification it took before another may take it again (a worker
# that died mid-send): longer than any provider's timeout.
MINQING_NOTIFY_LEASE_SECONDS = env_int("MINQING_NOTIFY_LEASE_SECONDS", 600)
MINQING_NOTIFY_OUTBOX_DIR = Path(env_str("MINQING_NOTIFY_OUTBOX_DIR", str(VAR_DIR / "outbox")))
# The address residents open the links in their SMS at (the tracking page).
MINQING_PUBLIC_URL = env_str("MINQING_PUBLIC_URL", "http://127.0.0.1:8000")
# E-mail: any Django backend; the console by default, SMTP in production.
EMAIL_BACKEND = env_str("MINQING_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("MINQING_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("MINQING_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("MINQING_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("MINQING_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("MINQING_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env_str("MINQING_EMAIL_FROM", "minqing@localhost")

# --- routing
# Automatic dispatch (docs/routing.md): a new case from one of these channels is routed by the
# category router; at or above the threshold it is dispatched, below it waits in triage with
# the router's three suggestions. Cases captured in the field stay with the grid team.
MINQING_ROUTER_THRESHOLD = env_float("MINQING_ROUTER_THRESHOLD", 0.8)
MINQING_ROUTER_CHANNELS = env_list("MINQING_ROUTER_CHANNELS", ["web", "api", "phone", "wechat"])
# Where router models are kept (one file per trained version and a "current" pointer).
MINQING_ROUTER_MODELS_DIR = Path(env_str("MINQING_ROUTER_MODELS_DIR", str(VAR_DIR / "models")))
# Duplicate suggestions: open cases of the same community reported within this many days.
MINQING_DUPLICATE_WINDOW_DAYS = env_int("MINQING_DUPLICATE_WINDOW_DAYS", 30)

# --- whistles (吹哨报到)
# How long a department called to the site has to report there, unless the caller says.
MINQING_WHISTLE_MINUTES = env_int("MINQING_WHISTLE_MINUTES", 30)

# --- public results page
# The public results page (/results/) is computed at most once per this many seconds (and
# process; a shared cache makes it once per deployment): the figures are that fresh.
MINQING_PUBLIC_RESULTS_CACHE_SECONDS = env_int("MINQING_PUBLIC_RESULTS_CACHE_SECONDS", 60)

# --- jobs (django-q2; docs/decisions/0011-job-runner.md, docs/operations.md "Workers")
# `minqing qcluster` runs the workers and the scheduler (tick and deliver every minute, and a
# delivery right after each outbox write). The broker is the database by default (no extra
# service); with MINQING_REDIS_URL, Redis, for several machines.
MINQING_REDIS_URL = env_str("MINQING_REDIS_URL", "")
Q_CLUSTER: dict[str, object] = {
    "name": "minqing",
    "workers": env_int("MINQING_JOB_WORKERS", 2),
    # A task running longer is killed; one not acknowledged after `retry` seconds (its worker
    # died) is handed out again, up to max_attempts. timeout < retry, as django-q2 requires.
    "timeout": env_int("MINQING_JOB_TIMEOUT_SECONDS", 300),
    "retry": env_int("MINQING_JOB_RETRY_SECONDS", 360),
    "max_attempts": env_int("MINQING_JOB_MAX_ATTEMPTS", 5),
    # A failed task is acknowledged (and listed under Failed tasks in the admin), not handed
    # out again by the broker: the outbox rows do their own retries with back-off.
    "ack_failures": True,
    "save_limit": env_int("MINQING_JOB_SAVE_LIMIT", 500),
    # A sweep after downtime catches up by itself (cases/tick.py): run a missed schedule once.
    "catch_up": False,
    "poll": env_float("MINQING_JOB_POLL_SECONDS", 0.5),
    "label": _("Jobs"),
}
if MINQING_REDIS_URL:
    Q_CLUSTER["redis"] = MINQING_REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
