"""Storefronts authenticate with their API key: ``Authorization: Api-Key <key>``.

``request.auth`` is the ApiKey (its storefront already loaded) and
``request.user`` a ``StorefrontUser``: every order, entry and member a request
creates names the storefront from there.
"""

import hmac

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from ..models import ApiKey
from ..services.storefronts import api_key_digest, api_key_parse_prefix, api_key_record_use


class StorefrontUser:
    """The authenticated principal of a request made with a storefront's key."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, storefront):
        self.storefront = storefront

    def __str__(self):
        return self.storefront.code


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request):
        header = get_authorization_header(request)
        if not header:
            return None
        scheme, _separator, credentials = header.partition(b" ")
        credentials = credentials.strip()
        if scheme.lower() != self.keyword.lower().encode() or not credentials or b" " in credentials:
            raise exceptions.AuthenticationFailed(
                _("Send the key as: Authorization: Api-Key <key>."), code="invalid_api_key"
            )
        try:
            key = credentials.decode("ascii")
        except UnicodeDecodeError:
            key = ""
        api_key = self._find(key)
        if api_key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This API key has been revoked."), code="api_key_revoked")
        if not api_key.storefront.is_active:
            raise exceptions.AuthenticationFailed(
                _("The storefront of this API key is inactive."), code="storefront_inactive"
            )
        api_key_record_use(api_key=api_key)
        return StorefrontUser(api_key.storefront), api_key

    def authenticate_header(self, request):
        return self.keyword

    def _find(self, key):
        """The key's row, checked against the stored digest in constant time."""
        prefix = api_key_parse_prefix(key)
        api_key = ApiKey.objects.select_related("storefront").filter(prefix=prefix).first() if prefix else None
        if api_key is None or not hmac.compare_digest(api_key.digest, api_key_digest(key)):
            raise exceptions.AuthenticationFailed(_("The API key is not valid."), code="invalid_api_key")
        return api_key
