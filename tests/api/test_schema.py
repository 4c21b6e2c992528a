"""The OpenAPI schema and the human-readable docs, served with no internet."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema():
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)


def test_the_schema_lists_the_member_endpoints(schema):
    paths = schema["paths"]

    assert set(paths["/api/v1/members/{external_id}"]) == {"get", "put"}
    assert set(paths["/api/v1/members/lookup"]) == {"get"}
    assert set(paths["/api/v1/members/{external_id}/entries"]) == {"get"}
    assert set(paths["/api/v1/members/{external_id}/consents"]) == {"post"}


def test_the_schema_tells_how_to_authenticate(schema):
    scheme = schema["components"]["securitySchemes"]["ApiKey"]
    operation = schema["paths"]["/api/v1/members/{external_id}"]["get"]

    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert operation["security"] == [{"ApiKey": []}]
    assert operation["responses"]["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_idempotent_posts_document_their_header(schema):
    operation = schema["paths"]["/api/v1/members/{external_id}/consents"]["post"]

    assert {"in": "header", "name": "Idempotency-Key"}.items() <= operation["parameters"][0].items()
    assert "422" in operation["responses"]
    assert "Idempotent-Replayed" in operation["responses"]["201"]["headers"]


def test_the_docs_page_loads_everything_from_this_server():
    response = APIClient().get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"https?://", html)
    local = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
    assert any(path.endswith("swagger-ui-bundle.js") for path in local)
    for path in local:
        assert finders.find(path), path
