"""Settings shared by every environment.

Everything that differs between machines comes from the environment through
django-environ. The defaults here are safe for development; ``prod`` removes
the defaults that must never reach production.
"""

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env (never committed) may hold this machine's settings; DJANGO_ENV_FILE
# names another file, or a missing one for a clean environment (the settings tests).
environ.Env.read_env(os.environ.get("DJANGO_ENV_FILE", BASE_DIR / ".env"), overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "members",
    "loyalty",
    "rewards",
    "campaigns",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "members.cabinet.middleware.CabinetMiddleware",
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
                "django.template.context_processors.i18n",
                "members.cabinet.context.cabinet_context",
            ],
        },
    },
]

# SQLite with WAL lets the web server, the worker and beat share one file in
# the demo; production and the test suite use PostgreSQL through DATABASE_URL.
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


def with_prepared_statements(database, *, default=False):
    """On PostgreSQL with DATABASE_PREPARED_STATEMENTS, bind parameters on the
    server so that psycopg prepares a statement the connection has run five
    times: the server then neither parses nor plans it again.

    The web processes turn it on (config/wsgi.py): every request runs the
    same few statements, found by a key, and planning them was most of the
    database's work (bench/README.md). Workers, beat and management commands
    leave it off: their statements read batches of rows, and after a few runs
    PostgreSQL may settle on one generic plan for every batch, which for the
    tiers' nightly batches was ten times slower than planning each one.
    Off too for a pooler that cannot keep prepared statements (PgBouncer
    before 1.21 in transaction mode)."""
    if "postgresql" in database["ENGINE"] and env.bool("DATABASE_PREPARED_STATEMENTS", default=default):
        database.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
    return database


DATABASES = {
    "default": with_prepared_statements(
        env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'demo.sqlite3'}")
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# Storage is always UTC; the program's own time zone (Program.time_zone)
# decides "end of day" and birthdays, see loyalty.rules.
TIME_ZONE = "UTC"

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
# Git keeps no empty directories: a missing static/ must not warn in check --deploy.
STATICFILES_DIRS = [path for path in [BASE_DIR / "static"] if path.is_dir()]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")

# The personal cabinet (docs/cabinet.md): failed sign-ins allowed per email or
# phone and per client address within the window, and emails per address an hour.
CABINET_SIGN_IN_FAILURES_PER_ACCOUNT = env.int("CABINET_SIGN_IN_FAILURES_PER_ACCOUNT", default=5)
CABINET_SIGN_IN_FAILURES_PER_ADDRESS = env.int("CABINET_SIGN_IN_FAILURES_PER_ADDRESS", default=20)
CABINET_SIGN_IN_WINDOW_SECONDS = env.int("CABINET_SIGN_IN_WINDOW_SECONDS", default=15 * 60)
CABINET_EMAILS_PER_ADDRESS_PER_HOUR = env.int("CABINET_EMAILS_PER_ADDRESS_PER_HOUR", default=5)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="loyalty@localhost")

# Phone numbers without a country code are read as numbers of this region.
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="RU")

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# A shared cache for the API's throttling counters. The default keeps them per
# process; production with several workers should use Redis, e.g.
# CACHE_URL=redis://127.0.0.1:6379/1.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# The storefront REST API (loyalty.api), described in docs/api.md.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["loyalty.api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["loyalty.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "loyalty.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "loyalty.api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Requests per API key: "<number>/<s|min|hour|day>"; empty turns throttling off.
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="6000/min")
# How long a storefront's Idempotency-Key is remembered.
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=48)
# How long a process keeps the program settings it read (loyalty/caching.py):
# a change made in the admin reaches every web and worker process within it.
PROGRAM_SETTINGS_CACHE_SECONDS = env.int("PROGRAM_SETTINGS_CACHE_SECONDS", default=10)
SPECTACULAR_SETTINGS = {
    "TITLE": "Loyalty platform storefront API",
    "DESCRIPTION": "Members, checkout, orders and returns for the merchant's storefronts. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    # The docs page works without internet: Swagger UI comes from the sidecar package.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: it would send the schema's address to swagger.io.
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "validatorUrl": None},
    # One schema name per choice set, whatever the field is called.
    "ENUM_NAME_OVERRIDES": {
        "ChannelEnum": "members.models.Channel",
        "LanguageEnum": "members.models.Language",
        "ConsentPurposeEnum": "members.models.ConsentPurpose",
        "MemberStatusEnum": "members.models.Member.Status",
        "EntryKindEnum": "loyalty.models.Entry.Kind",
        "RewardKindEnum": "rewards.models.Reward.Kind",
    },
}
