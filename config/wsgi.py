import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")
# Web requests repeat a few statements found by keys: prepared statements
# spare the database their parsing and planning (config/settings/base.py).
os.environ.setdefault("DATABASE_PREPARED_STATEMENTS", "true")

application = get_wsgi_application()
