"""The Celery application: tasks are discovered in every installed app.

Like wsgi.py, it defaults to the production settings: ``config`` imports this
module first, so a development default here would leak into production
processes that rely on wsgi.py's default. manage.py and bin/demo choose the
development settings explicitly.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")

app = Celery("loyalty")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
