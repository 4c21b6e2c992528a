from rest_framework.test import APIClient


def client_for(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def error_of(response):
    """The "error" object of an error answer, checking the format on the way."""
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"]) <= {"code", "message", "fields", "details"}
    assert body["error"]["message"]
    return body["error"]
