"""The test suite runs against PostgreSQL: locking and concurrency are only
real there."""

from .base import *  # noqa: F403
from .base import env, with_prepared_statements

SECRET_KEY = "test-only-key"
DEBUG = False
DATABASES = {
    # As the web processes have them, so that every statement is tried with server-side binding.
    "default": with_prepared_statements(
        env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/loyalty"), default=True
    ),
}
# test_<name of DATABASE_URL's database>: checkouts that point DATABASE_URL at
# databases of their own (loyalty_cabinet, ...) never share a test database.
DATABASES["default"]["TEST"] = {
    "NAME": env.str("TEST_DATABASE_NAME", default=f"test_{DATABASES['default']['NAME'] or 'loyalty'}")
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True  # serve from the finders; tests never run collectstatic
