"""Production settings: a missing secret stops the start, and a fully configured
deployment passes Django's deployment checklist without a warning.

Each check runs in a subprocess with a clean environment, so neither the test
settings nor a developer's .env file can leak in."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "loyalty.example.com",
    "DATABASE_URL": "postgres://loyalty:secret@db.example.com:5432/loyalty",
    "CELERY_BROKER_URL": "redis://redis.example.com:6379/0",
}


def run(args, settings_module="config.settings.prod", **env):
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DJANGO_ENV_FILE": str(BASE_DIR / "var" / "no-such.env"),
        **env,
    }
    if settings_module:
        clean["DJANGO_SETTINGS_MODULE"] = settings_module
    return subprocess.run([sys.executable, *args], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=120)


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {name: value for name, value in PRODUCTION_ENV.items() if name != "SECRET_KEY"}

    result = run(["-c", "import config.settings.prod"], **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_wsgi_application_defaults_to_production_settings():
    script = "import os, config.wsgi; print(os.environ['DJANGO_SETTINGS_MODULE'])"

    result = run(["-c", script], settings_module=None, **PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "config.settings.prod"


def test_the_web_processes_prepare_statements_and_the_others_do_not():
    """Web requests repeat key lookups, which prepared statements spare the
    planner; a worker's batches are better planned one by one."""
    options = "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS', {}))"
    web = run(["-c", f"import config.wsgi; {options}"], settings_module=None, **PRODUCTION_ENV)
    worker = run(["-c", f"import django; django.setup(); {options}"], **PRODUCTION_ENV)
    behind_an_old_pooler = run(
        ["-c", f"import config.wsgi; {options}"],
        settings_module=None,
        DATABASE_PREPARED_STATEMENTS="false",
        **PRODUCTION_ENV,
    )

    assert web.returncode == worker.returncode == behind_an_old_pooler.returncode == 0, web.stderr + worker.stderr
    assert web.stdout.strip() == "{'server_side_binding': True, 'prepare_threshold': 5}"
    assert worker.stdout.strip() == "{}"
    assert behind_an_old_pooler.stdout.strip() == "{}"
