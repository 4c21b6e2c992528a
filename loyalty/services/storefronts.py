"""Storefronts and their API keys."""

import datetime
import hashlib
import secrets

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import ApiKey, Storefront

API_KEY_PREFIX_BYTES = 6
API_KEY_SECRET_BYTES = 32
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def api_key_digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_parse_prefix(key):
    """The lookup prefix of a key "lk_<prefix>_<secret>", or None if malformed."""
    parts = key.split("_", 2)  # the secret itself may contain "_"
    if len(parts) != 3 or parts[0] != "lk" or not parts[1] or not parts[2]:
        return None
    return parts[1]


@transaction.atomic
def api_key_create(*, storefront, name):
    """Create a key; returns (ApiKey, the key itself). The key is not stored
    and cannot be shown again."""
    prefix = secrets.token_hex(API_KEY_PREFIX_BYTES)
    key = f"lk_{prefix}_{secrets.token_urlsafe(API_KEY_SECRET_BYTES)}"
    api_key = ApiKey.objects.create(storefront=storefront, name=name, prefix=prefix, digest=api_key_digest(key))
    return api_key, key


def api_key_record_use(*, api_key, now=None):
    """Record that the key was used, at most once per LAST_USED_RESOLUTION: a
    write on every request would turn each read into a write on one hot row.
    The condition is repeated in the UPDATE so concurrent requests write once."""
    now = now or timezone.now()
    stale = now - LAST_USED_RESOLUTION
    if api_key.last_used_at is not None and api_key.last_used_at >= stale:
        return
    ApiKey.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale), pk=api_key.pk).update(
        last_used_at=now
    )
    api_key.last_used_at = now


def api_key_revoke(*, api_key, now=None):
    if api_key.revoked_at is None:
        api_key.revoked_at = now or timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def storefront_create(*, name, code, kind):
    storefront = Storefront(name=name, code=code, kind=kind)
    storefront.full_clean()
    storefront.save()
    return storefront
