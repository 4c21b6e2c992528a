"""Reward images: uploaded in the admin, checked by their content (JPEG, PNG
or WebP, at most 2 MB and 4000 pixels a side), shown by the catalog API; an
external image URL still works."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from rewards.models import Reward

from .catalog_helpers import make_reward

pytestmark = pytest.mark.django_db


def picture(image_format="PNG", size=(40, 30), name="mug.png", noise=False):
    """An image file; with ``noise``, random pixels that no format compresses."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)) if noise else Image.new("RGB", size, "teal")
    buffer = io.BytesIO()
    image.save(buffer, image_format)
    return SimpleUploadedFile(name, buffer.getvalue())


def add_reward(admin_client, image, **fields):
    data = {
        "kind": "fixed_amount",
        "name_en": "Mug",
        "cost_points": 100,
        "amount": "500.00",
        "coupon_validity_days": 30,
        "is_active": "on",
        "image": image,
        **fields,
    }
    return admin_client.post("/admin/rewards/reward/add/", data)


def image_errors(response):
    return response.context["adminform"].form.errors.get("image")


def test_an_uploaded_image_is_stored_and_shown_by_the_api(admin_client, api, member, program):
    response = add_reward(admin_client, picture(name="Mug photo.PNG"))

    assert response.status_code == 302
    reward = Reward.objects.get()
    assert reward.image.name.startswith("rewards/") and reward.image.name.endswith(".png")
    assert "Mug photo" not in reward.image.name
    body = api.get(f"/api/v1/members/{member.external_id}/rewards").json()
    assert body[0]["reward"]["image_url"] == f"http://testserver/media/{reward.image.name}"


def test_the_extension_follows_the_content(admin_client, program):
    add_reward(admin_client, picture("JPEG", name="photo.png"))

    assert Reward.objects.get().image.name.endswith(".jpg")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: picture("GIF", name="mug.gif"), "Upload a JPEG, PNG or WebP image."),
        (lambda: picture(size=(4001, 10)), "The image is 4001 × 10 pixels; at most 4000 on each side."),
        (lambda: picture(size=(1000, 1000), noise=True), "The image is 2.9\xa0MB; the largest allowed is 2.0\xa0MB."),
    ],
    ids=["gif", "too-wide", "too-heavy"],
)
def test_what_is_refused(admin_client, program, upload, message):
    response = add_reward(admin_client, upload())

    assert response.status_code == 200
    assert image_errors(response) == [message]
    assert not Reward.objects.exists()


def test_a_file_that_is_not_an_image(admin_client, program):
    response = add_reward(admin_client, SimpleUploadedFile("mug.png", b"not an image at all"))

    assert response.status_code == 200 and image_errors(response)
    assert not Reward.objects.exists()


def test_an_external_image_url_is_kept_when_nothing_is_uploaded(api, member, program):
    make_reward(image_url="https://cdn.example.com/mug.png")

    body = api.get(f"/api/v1/members/{member.external_id}/rewards").json()

    assert body[0]["reward"]["image_url"] == "https://cdn.example.com/mug.png"
