"""Authentication by API key, the error format, throttling."""

import datetime
import json

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from loyalty.api.errors import server_error
from loyalty.models import ApiKey
from loyalty.services.storefronts import api_key_create, api_key_revoke
from members.models import Channel, Member

from ..factories import MemberFactory, StorefrontFactory
from .helpers import client_for, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_url(member):
    return f"/api/v1/members/{member.external_id}"


class TestAuthentication:
    def test_a_valid_key_reads_a_member(self, api, member_url, program):
        response = api.get(member_url)

        assert response.status_code == 200

    def test_missing_key(self, member_url):
        response = APIClient().get(member_url)

        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Api-Key"
        assert error_of(response)["code"] == "not_authenticated"

    @pytest.mark.parametrize(
        "header",
        [
            "Api-Key",
            "Api-Key ",
            "Bearer lk_abc_def",
            "Api-Key lk_abc def",
            "Api-Key not-a-key",
            "Api-Key lk__secret",
            "Api-Key lk_abcdef_",
            "Api-Key lk_\xe9t\xe9_secret",
        ],
    )
    def test_malformed_key(self, member_url, header):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=header)

        response = client.get(member_url)

        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Api-Key"
        assert error_of(response)["code"] == "invalid_api_key"

    def test_unknown_prefix_and_wrong_secret(self, member_url, key):
        prefix = key.split("_")[1]
        for wrong in (f"lk_{prefix}_{'x' * 43}", "lk_000000000000_secret"):
            response = client_for(wrong).get(member_url)

            assert response.status_code == 401
            assert error_of(response)["code"] == "invalid_api_key"

    def test_revoked_key(self, member_url, key):
        api_key_revoke(api_key=ApiKey.objects.get())

        response = client_for(key).get(member_url)

        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Api-Key"
        assert error_of(response)["code"] == "api_key_revoked"

    def test_inactive_storefront(self, member_url, key, storefront):
        storefront.is_active = False
        storefront.save()

        response = client_for(key).get(member_url)

        assert response.status_code == 401
        assert error_of(response)["code"] == "storefront_inactive"

    def test_last_use_is_recorded_at_most_once_a_minute(self, api, member_url, program):
        api.get(member_url)
        first_use = ApiKey.objects.get().last_used_at
        assert first_use is not None

        api.get(member_url)
        assert ApiKey.objects.get().last_used_at == first_use

        ApiKey.objects.update(last_used_at=first_use - datetime.timedelta(minutes=2))
        api.get(member_url)
        assert ApiKey.objects.get().last_used_at > first_use

    def test_each_storefront_enrols_under_its_own_code(self, api, storefront, program):
        app = StorefrontFactory(code="mobile-app", kind=Channel.MOBILE_APP)
        app_key = api_key_create(storefront=app, name="App")[1]

        api.put("/api/v1/members/from-web", {"email": "web@example.com"})
        client_for(app_key).put("/api/v1/members/from-app", {"email": "app@example.com"})

        from_web = Member.objects.get(external_id="from-web")
        from_app = Member.objects.get(external_id="from-app")
        assert (from_web.enrolment_storefront, from_web.enrolment_channel) == (storefront.code, Channel.WEB_SHOP)
        assert from_app.enrolment_storefront == "mobile-app"
        assert from_app.enrolment_channel == Channel.MOBILE_APP


class TestErrorFormat:
    def test_unknown_path_under_api(self, api):
        response = api.get("/api/v1/no-such-thing")

        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"

    def test_unknown_path_elsewhere_is_an_html_page(self, client):
        response = client.get("/no-such-page")

        assert response.status_code == 404
        assert "html" in response["Content-Type"]

    def test_method_not_allowed(self, api, member_url):
        response = api.delete(member_url)

        assert response.status_code == 405
        assert error_of(response)["code"] == "method_not_allowed"

    def test_body_that_is_not_json(self, api, member_url):
        response = api.put(member_url, "{not json", content_type="application/json")

        assert response.status_code == 400
        assert error_of(response)["code"] == "parse_error"

    def test_body_of_another_media_type(self, api, member_url):
        response = api.put(member_url, "email=a@example.com", content_type="application/x-www-form-urlencoded")

        assert response.status_code == 415
        assert error_of(response)["code"] == "unsupported_media_type"

    def test_server_error_under_api(self):
        response = server_error(RequestFactory().get("/api/v1/members/x"))

        assert response.status_code == 500
        assert json.loads(response.content)["error"]["code"] == "server_error"

    def test_server_error_elsewhere_is_an_html_page(self):
        response = server_error(RequestFactory().get("/account/"))

        assert response.status_code == 500
        assert "html" in response["Content-Type"]


class TestThrottling:
    def test_too_many_requests_get_429_with_retry_after(self, api, key, settings, program):
        settings.API_THROTTLE_RATE = "3/min"
        member = MemberFactory()
        url = f"/api/v1/members/{member.external_id}"

        statuses = [api.get(url).status_code for _ in range(3)]
        throttled = api.get(url)

        assert statuses == [200, 200, 200]
        assert throttled.status_code == 429
        assert error_of(throttled)["code"] == "throttled"
        assert 1 <= int(throttled["Retry-After"]) <= 60

    def test_each_key_has_its_own_count(self, api, storefront, settings, program):
        settings.API_THROTTLE_RATE = "1/min"
        url = f"/api/v1/members/{MemberFactory().external_id}"
        other = client_for(api_key_create(storefront=storefront, name="Another")[1])

        assert api.get(url).status_code == 200
        assert api.get(url).status_code == 429
        assert other.get(url).status_code == 200

    def test_an_empty_rate_turns_throttling_off(self, api, settings, program):
        settings.API_THROTTLE_RATE = ""
        url = f"/api/v1/members/{MemberFactory().external_id}"

        assert {api.get(url).status_code for _ in range(5)} == {200}
