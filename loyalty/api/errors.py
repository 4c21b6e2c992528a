"""One error format for the whole storefront API.

Every answer that is not a success has the body::

    {"error": {"code": "member_not_found", "message": "No member has this external id."}}

``code`` is stable and meant for programs; ``message`` is meant for people
and follows the request's language. Validation errors add ``fields`` (the
messages of each bad field) and domain errors add ``details`` when they carry
any. Every exception becomes a response here and nowhere else: DRF calls
``exception_handler``, the idempotency layer calls ``domain_error_response``
for the domain errors it stores, and ``config.urls`` routes Django's own 404
and 500 pages under /api/ to ``not_found`` and ``server_error``.
docs/api.md lists every code.
"""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from loyalty import exceptions as domain

API_PATH_PREFIX = "/api/"

# The HTTP status of each domain error; a subclass answers like its nearest
# listed ancestor. 409: the request is right but the current state of the
# account, hold, member or order refuses it (it may succeed later), or an
# earlier request took its order or return number. 422: the request itself
# can never succeed as sent.
DOMAIN_ERROR_STATUS = {
    domain.InsufficientPoints: status.HTTP_409_CONFLICT,
    domain.HoldNotActive: status.HTTP_409_CONFLICT,
    domain.MemberNotActive: status.HTTP_409_CONFLICT,
    domain.OrderConflict: status.HTTP_409_CONFLICT,
    domain.PriceChanged: status.HTTP_409_CONFLICT,
    domain.OrderStateConflict: status.HTTP_409_CONFLICT,
    domain.OrderNotReturnable: status.HTTP_409_CONFLICT,
    domain.ReturnConflict: status.HTTP_409_CONFLICT,
    domain.InvalidPoints: status.HTTP_422_UNPROCESSABLE_ENTITY,
    domain.ClawbackTooLarge: status.HTTP_422_UNPROCESSABLE_ENTITY,
    domain.RefundTooLarge: status.HTTP_422_UNPROCESSABLE_ENTITY,
    domain.IdempotencyConflict: status.HTTP_422_UNPROCESSABLE_ENTITY,
    domain.ReturnExceedsOrder: status.HTTP_422_UNPROCESSABLE_ENTITY,
    domain.CurrencyMismatch: status.HTTP_422_UNPROCESSABLE_ENTITY,
    domain.RedemptionCapExceeded: status.HTTP_422_UNPROCESSABLE_ENTITY,
    domain.BelowMinimumRedemption: status.HTTP_422_UNPROCESSABLE_ENTITY,
    domain.MemberRequired: status.HTTP_422_UNPROCESSABLE_ENTITY,
    domain.DomainError: status.HTTP_422_UNPROCESSABLE_ENTITY,
}

VALIDATION_ERROR_CODE = "validation_error"


def error_body(code, message, *, fields=None, details=None):
    error = {"code": code, "message": str(message)}
    if fields is not None:
        error["fields"] = fields
    if details:
        error["details"] = details
    return {"error": error}


def domain_error_status(error):
    return next(DOMAIN_ERROR_STATUS[cls] for cls in type(error).__mro__ if cls in DOMAIN_ERROR_STATUS)


def domain_error_response(error):
    return Response(
        error_body(error.code, error.message, details=error.details),
        status=domain_error_status(error),
    )


def _django_validation_fields(error):
    """Field messages of a Django ValidationError, with DRF's key for errors
    that concern no single field, so both kinds of validation look alike."""
    fields = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
    if NON_FIELD_ERRORS in fields:
        fields[api_settings.NON_FIELD_ERRORS_KEY] = fields.pop(NON_FIELD_ERRORS)
    return fields


def _validation_response(fields):
    return Response(
        error_body(VALIDATION_ERROR_CODE, _("Some fields are invalid."), fields=fields),
        status=status.HTTP_400_BAD_REQUEST,
    )


def _api_exception_response(exc):
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        fields = detail if isinstance(detail, dict) else {api_settings.NON_FIELD_ERRORS_KEY: detail}
        return _validation_response(fields)
    detail = exc.detail
    code = getattr(detail, "code", None) or exc.default_code
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(exc.wait)
    return Response(error_body(code, detail), status=exc.status_code, headers=headers)


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every expected exception as one error body.

    Anything else returns None, so DRF re-raises it and Django answers with
    ``server_error`` after logging it.
    """
    if isinstance(exc, domain.DomainError):
        response = domain_error_response(exc)
    elif isinstance(exc, DjangoValidationError):
        response = _validation_response(_django_validation_fields(exc))
    elif isinstance(exc, Http404):
        response = _api_exception_response(exceptions.NotFound())
    elif isinstance(exc, PermissionDenied):
        response = _api_exception_response(exceptions.PermissionDenied())
    elif isinstance(exc, exceptions.APIException):
        response = _api_exception_response(exc)
    else:
        return None
    set_rollback()
    return response


def _is_api(request):
    return request.path_info.startswith(API_PATH_PREFIX)


def not_found(request, exception):
    """handler404: a path under /api/ that no view answers gets the API's error body."""
    if _is_api(request):
        return JsonResponse(error_body("not_found", _("Not found.")), status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500: an unexpected error under /api/ still answers in the API's format."""
    if _is_api(request):
        return JsonResponse(
            error_body("server_error", _("Something went wrong on our side. Try again later.")),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return defaults.server_error(request)
