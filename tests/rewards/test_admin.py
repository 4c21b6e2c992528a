import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser(username="admin", password="x"))
    return client


@pytest.mark.parametrize(
    "page", ["/admin/rewards/tier/", "/admin/rewards/tier/1/change/", "/admin/rewards/tierchange/"]
)
def test_the_tier_pages_load(admin_client, page):
    assert admin_client.get(page).status_code == 200


def test_the_settings_list_goes_to_the_one_row(admin_client):
    response = admin_client.get("/admin/rewards/tierprogram/")

    assert response.status_code == 302
    assert response.url == "/admin/rewards/tierprogram/1/change/"
