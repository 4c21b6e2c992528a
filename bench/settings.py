"""Settings of the load benchmark: the production settings (config.settings.prod)
with what a local benchmark needs instead.

Everything prod reads from the environment gets a local default here, so
``DJANGO_SETTINGS_MODULE=bench.settings`` works with no .env; bench/run sets
DATABASE_URL to the benchmark's own database. Differences from production,
and why:

* throttling is off (API_THROTTLE_RATE empty): the load generator is one
  client sending far more than a storefront's quota;
* no HTTPS redirect: wrk talks plain HTTP to gunicorn on 127.0.0.1;
* the ``bench`` app and ``bench.urls`` add the two baseline endpoints.

Persistent connections (CONN_MAX_AGE) and their health checks stay as prod
sets them.
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-insecure-key")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/loyalty_bench")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "600")

from config.settings.prod import *  # noqa: E402, F403
from config.settings.prod import INSTALLED_APPS  # noqa: E402

DEBUG = False
INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
API_THROTTLE_RATE = ""
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Nothing logs per request; keep warnings and errors only.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
