"""Production-safe sessions: CSRF, secure cookies, security headers."""

import pytest
from django.test import Client

from tests.cabinet_support import PASSWORD
from tests.test_settings import PRODUCTION_ENV, run

pytestmark = pytest.mark.django_db


def test_forms_need_the_csrf_token(shopper, program):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/account/sign-in/", {"identifier": shopper.email, "password": PASSWORD})
    assert response.status_code == 403
    page = client.get("/account/sign-in/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/account/sign-in/", {"identifier": shopper.email, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_cabinet_pages_carry_security_headers(shopper_client):
    response = shopper_client.get("/account/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_cdn_only_local_assets(client, program):
    page = client.get("/account/sign-in/").content.decode()
    assert "https://" not in page.replace("https://www.w3.org", "")
    assert "/static/cabinet/cabinet.css" in page and "/static/cabinet/cabinet.js" in page


def test_production_cookies_and_headers():
    script = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY, "
        "s.SECURE_HSTS_SECONDS > 0, s.SECURE_SSL_REDIRECT, s.SECURE_CONTENT_TYPE_NOSNIFF, s.X_FRAME_OPTIONS, "
        "s.SESSION_COOKIE_SAMESITE, s.LANGUAGE_COOKIE_SECURE)"
    )
    result = run(["-c", "import django; django.setup(); " + script], **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True"] * 7 + ["DENY", "Lax", "True"]


def test_brand_colours_come_from_the_program_with_readable_text(client, program):
    program.brand_colour, program.accent_colour = "#ffe000", "#102030"
    program.save()
    css = client.get("/account/brand.css").content.decode()
    assert "--brand:#ffe000;--on-brand:#000000" in css
    assert "--accent:#102030;--on-accent:#ffffff" in css


def test_program_name_and_logo_on_every_page(client, program):
    program.name, program.logo_url = "Club Zvezda", "/static/logo.svg"
    program.save()
    page = client.get("/account/sign-in/").content.decode()
    assert "Club Zvezda" in page and 'src="/static/logo.svg"' in page
