"""What the OpenAPI schema says about every operation without each view
repeating it: the Api-Key security scheme, the error body, the errors any
authenticated call can get, and the Idempotency-Key header of idempotent POSTs."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from .authentication import ApiKeyAuthentication
from .idempotency import IDEMPOTENCY_HEADER, KEY_MAX_LENGTH, REPLAYED_HEADER


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "The storefront's API key after the word Api-Key: `Authorization: Api-Key lk_<prefix>_<secret>`. "
                "Staff create keys in the admin; a key is shown once, when it is created."
            ),
        }


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, listed in docs/api.md.")
    message = serializers.CharField(help_text="Human-readable message in the request's language.")
    fields = serializers.DictField(
        required=False,
        child=serializers.JSONField(),
        help_text="Validation errors only: the messages of each invalid field (nested for nested fields).",
    )
    details = serializers.DictField(
        required=False, child=serializers.JSONField(), help_text="Domain errors only: the numbers behind the error."
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


def _is_idempotent(view, method):
    return method == "POST" and getattr(getattr(view, "post", None), "idempotent", False)


class AutoSchema(BaseAutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self._is_authenticated():
            parameters.append(
                OpenApiParameter(
                    "Retry-After",
                    OpenApiTypes.INT,
                    OpenApiParameter.HEADER,
                    response=[429],
                    description="Seconds until the key may send requests again.",
                )
            )
        if _is_idempotent(self.view, self.method):
            parameters += [
                OpenApiParameter(
                    IDEMPOTENCY_HEADER,
                    {"type": "string", "minLength": 1, "maxLength": KEY_MAX_LENGTH},
                    OpenApiParameter.HEADER,
                    description=(
                        "Any unique string (a UUID, say). A retry with the same key and body returns the first "
                        "answer and changes nothing; the same key with another body is refused with "
                        "idempotency_key_reused. Keys are per storefront and kept for IDEMPOTENCY_KEY_TTL_HOURS."
                    ),
                ),
                OpenApiParameter(
                    REPLAYED_HEADER,
                    {"type": "string", "enum": ["true"]},
                    OpenApiParameter.HEADER,
                    response=[200, 201, 409, 422],
                    description="Present when this is the stored answer to an earlier request with the key.",
                ),
            ]
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = []
        if self._is_authenticated():
            errors += [("401", "Missing, malformed or revoked API key."), ("429", "Too many requests for this key.")]
        if _is_idempotent(self.view, self.method):
            errors += [("422", "Idempotency-Key reused with another request, or a domain error.")]
        for code, description in errors:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                responses[code]["description"] = description
        return responses

    def _is_authenticated(self):
        return any(issubclass(cls, ApiKeyAuthentication) for cls in self.view.authentication_classes)
