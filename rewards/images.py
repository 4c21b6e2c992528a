"""Reward images: where uploads are stored and what is accepted.

The file's content decides, not its name: Pillow must read it as JPEG, PNG
or WebP. The limits keep storefront pages light and refuse decompression
bombs (a small file that unpacks into a huge picture) before they are decoded.
"""

import uuid

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4000
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def reward_image_path(instance, filename):
    """A random name under rewards/ with the extension of the image's real
    format: uploads never overwrite each other, and their addresses cannot be
    guessed from the reward or the original name."""
    return f"rewards/{uuid.uuid4().hex}.{FORMATS.get(_format_of(instance.image), 'img')}"


def _format_of(file):
    position = file.tell()
    try:
        file.seek(0)
        with Image.open(file) as image:
            return image.format
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return None
    finally:
        file.seek(position)


def validate_reward_image(file):
    if file.size > MAX_BYTES:
        raise ValidationError(
            _("The image is %(size)s; the largest allowed is %(limit)s."),
            code="image_too_large",
            params={"size": filesizeformat(file.size), "limit": filesizeformat(MAX_BYTES)},
        )
    position = file.tell()
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        image_format = None
    finally:
        file.seek(position)
    if image_format not in FORMATS:
        # Not "invalid_image": a model form would show its own message for that code.
        raise ValidationError(_("Upload a JPEG, PNG or WebP image."), code="image_format")
    if max(width, height) > MAX_SIDE:
        raise ValidationError(
            _("The image is %(width)d × %(height)d pixels; at most %(limit)d on each side."),
            code="image_too_big",
            params={"width": width, "height": height, "limit": MAX_SIDE},
        )
