"""The Russian translation: the catalogue is complete, and Russian reaches
people through the admin, the API and the domain's own messages, while the
API's machine codes stay English.

The .mo file is compiled from locale/ru/LC_MESSAGES/django.po by bin/test (and
bin/demo); only the .po file is committed. docs/translations.md says how to
update it.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.exceptions import NotAuthenticated
from rest_framework.test import APIClient

from loyalty import exceptions as domain
from loyalty.models import Account, Entry, Hold, Lot, Program
from loyalty.services.storefronts import api_key_create
from members.models import Member
from members.validation import normalise_phone

PO_FILE = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue():
    """Without a current .mo file every Russian test below would fail for a
    reason that has nothing to do with the translation: say so once, clearly."""
    if not MO_FILE.exists() or MO_FILE.stat().st_mtime < PO_FILE.stat().st_mtime:
        pytest.fail(
            f"{MO_FILE.relative_to(settings.BASE_DIR)} is missing or older than the .po file: "
            "run bin/test, or .venv/bin/python manage.py compilemessages --ignore=.venv",
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttling counts live in the cache; every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def gettext_tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} (GNU gettext) is not installed; the translation checks need it.", pytrace=False)
    return path


def error_of(response):
    body = response.json()
    assert set(body) == {"error"}
    return body["error"]


class TestCatalogue:
    def test_catalogue_is_valid(self):
        result = subprocess.run(
            [gettext_tool("msgfmt"), "--check", "-o", "/dev/null", str(PO_FILE)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr

    @pytest.mark.parametrize("option", ["--untranslated", "--only-fuzzy"])
    def test_no_untranslated_or_fuzzy_entries(self, option):
        result = subprocess.run(
            [gettext_tool("msgattrib"), option, "--no-obsolete", str(PO_FILE)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == "", f"entries found by msgattrib {option}:\n{result.stdout}"

    def test_russian_plural_forms(self):
        with translation.override("ru"):
            messages = {
                count: translation.ngettext("%(count)d API key was revoked.", "%(count)d API keys were revoked.", count)
                % {"count": count}
                for count in (1, 3, 5, 11, 21, 22)
            }
        assert messages == {
            1: "Отозван 1 API-ключ.",
            3: "Отозвано 3 API-ключа.",
            5: "Отозвано 5 API-ключей.",
            11: "Отозвано 11 API-ключей.",
            21: "Отозван 21 API-ключ.",
            22: "Отозвано 22 API-ключа.",
        }


class TestDomainWords:
    """The words of DESIGN.md's glossary."""

    @pytest.mark.parametrize(
        ("model", "russian"),
        [
            (Member, "участник"),
            (Account, "бонусный счёт"),
            (Lot, "партия баллов"),
            (Hold, "резерв"),
            (Entry, "операция по бонусному счёту"),
            (Program, "настройки программы лояльности"),
        ],
    )
    def test_verbose_names(self, model, russian):
        with translation.override("ru"):
            assert str(model._meta.verbose_name) == russian
        with translation.override("en"):
            assert str(model._meta.verbose_name) != russian

    def test_domain_error_message(self):
        with translation.override("ru"):
            error = domain.InsufficientPoints()
            assert str(error.message) == "На бонусном счёте недостаточно доступных баллов."
            assert error.code == "insufficient_points"

    def test_member_validation_message(self):
        with translation.override("ru"), pytest.raises(ValidationError) as raised:
            normalise_phone("12")
        assert raised.value.messages == ["Введите корректный номер телефона."]
        assert raised.value.code == "invalid_phone"


@pytest.mark.django_db
class TestAdmin:
    def test_login_page_follows_accept_language(self, client):
        response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="ru")

        assert response.status_code == 200
        assert response["Content-Language"] == "ru"
        content = response.content.decode()
        assert 'lang="ru"' in content
        assert "Войти" in content

    def test_login_page_follows_the_language_cookie(self, client):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"

        response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en")

        assert response["Content-Language"] == "ru"
        assert "Войти" in response.content.decode()

    def test_english_stays_the_default(self, client):
        response = client.get("/admin/login/")

        assert response["Content-Language"] == "en"
        assert "Log in" in response.content.decode()

    def test_app_names(self, admin_client):
        response = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="ru")

        content = response.content.decode()
        assert "Участники" in content
        assert "Программа лояльности" in content


@pytest.mark.django_db
class TestApi:
    @pytest.fixture
    def api(self, storefront):
        client = APIClient()
        key = api_key_create(storefront=storefront, name="Checkout service")[1]
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        return client

    def test_missing_key(self):
        response = APIClient().get("/api/v1/members/x", HTTP_ACCEPT_LANGUAGE="ru")

        assert response.status_code == 401
        assert response["Content-Language"] == "ru"
        error = error_of(response)
        assert error["code"] == "not_authenticated"
        # DRF's own message, from DRF's Russian catalogue.
        with translation.override("ru"):
            assert error["message"] == str(NotAuthenticated.default_detail)
        assert error["message"] != "Authentication credentials were not provided."
        assert re.search("[а-яё]", error["message"])

    def test_invalid_key(self):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Api-Key nonsense")

        response = client.get("/api/v1/members/x", HTTP_ACCEPT_LANGUAGE="ru")

        assert response.status_code == 401
        assert error_of(response) == {"code": "invalid_api_key", "message": "Недействительный API-ключ."}

    def test_validation_error(self, api, program):
        response = api.put("/api/v1/members/C-1", {"phone": "12"}, format="json", HTTP_ACCEPT_LANGUAGE="ru")

        assert response.status_code == 400
        assert error_of(response) == {
            "code": "validation_error",
            "message": "Некоторые поля заполнены неверно.",
            "fields": {"phone": ["Введите корректный номер телефона."]},
        }

    def test_unknown_member(self, api, program):
        response = api.get("/api/v1/members/nobody", HTTP_ACCEPT_LANGUAGE="ru")

        assert response.status_code == 404
        error = error_of(response)
        assert error["code"] == "member_not_found"
        assert error["message"] == "Участник с таким внешним идентификатором не найден."

    def test_same_error_in_english(self, api, program):
        response = api.get("/api/v1/members/nobody", HTTP_ACCEPT_LANGUAGE="en")

        assert error_of(response) == {"code": "member_not_found", "message": "No member has this external id."}
