"""Idempotent POSTs: a retry with the same Idempotency-Key gets the first answer.

Decorate a view's ``post`` with ``@idempotent``. The view runs as one unit
of work (loyalty/transactions.py): the services it calls share one
transaction. When the request carries an ``Idempotency-Key`` header, in one
transaction:

1. the storefront's record for the key is inserted if it is new and locked
   either way, in one statement (INSERT ... ON CONFLICT DO UPDATE ...
   RETURNING). A concurrent request with the same key waits there until the
   first one commits or rolls back, so replays serialise there;
2. a record with another fingerprint (method, path and body) refuses the
   request with ``idempotency_key_reused``; a record with an answer replays it
   with the header ``Idempotent-Replayed: true`` and changes nothing;
3. otherwise the view runs and its answer is stored with the record. A
   domain error (not enough points, say) is an answer too: its writes are
   rolled back and the error is stored. Any other exception (invalid input,
   unknown member, a crash) rolls everything back and stores nothing, so the
   storefront can correct the request and send it again with the same key.

Records are kept IDEMPOTENCY_KEY_TTL_HOURS and then purged by
``loyalty.services.idempotency.idempotency_records_purge`` (loyalty.tasks.purge_idempotency_records).
"""

import functools
import hashlib
import json
import logging

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from ..exceptions import DomainError, IdempotencyConflict
from ..models import IdempotencyRecord
from ..transactions import unit_of_work
from .errors import domain_error_response

logger = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = IdempotencyRecord._meta.get_field("key").max_length


class InvalidIdempotencyKey(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_idempotency_key"
    default_detail = _("Idempotency-Key must be 1 to 200 printable ASCII characters.")


def _idempotency_key(request):
    """The request's key, None without the header, or InvalidIdempotencyKey."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not 0 < len(key) <= KEY_MAX_LENGTH or not all(" " <= char <= "~" for char in key):
        raise InvalidIdempotencyKey
    return key


def request_fingerprint(request):
    """SHA-256 of the method, the path with its query and the body as canonical
    JSON, so a body sent with its keys in another order is the same request."""
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=JSONEncoder)
    canonical = "\n".join((request.method, request.get_full_path(), body))
    return hashlib.sha256(canonical.encode()).hexdigest()


# PostgreSQL and SQLite (the demo) both take this upsert.
_LOCKED_RECORD_SQL = f"""
    INSERT INTO {IdempotencyRecord._meta.db_table} (storefront_id, key, fingerprint, response_body, created_at)
    VALUES (%s, %s, %s, '', %s)
    ON CONFLICT (storefront_id, key) DO UPDATE SET key = excluded.key
    RETURNING id, fingerprint, response_status, response_body
"""


def _locked_record(storefront_id, key, fingerprint):
    """The storefront's record for the key, inserted if new, locked either way.

    One statement where the ORM needs two (an INSERT ... ON CONFLICT DO
    NOTHING, then a SELECT ... FOR UPDATE): ON CONFLICT DO UPDATE locks the
    existing row and returns it, waiting for a concurrent first request with
    the key to commit or roll back.
    """
    with connection.cursor() as cursor:
        cursor.execute(_LOCKED_RECORD_SQL, [storefront_id, key, fingerprint, timezone.now()])
        record_id, stored_fingerprint, response_status, response_body = cursor.fetchone()
    return IdempotencyRecord(
        id=record_id,
        storefront_id=storefront_id,
        key=key,
        fingerprint=stored_fingerprint,
        response_status=response_status,
        response_body=response_body,
    )


def idempotent(handler):
    """Make a DRF view method idempotent under the Idempotency-Key header (see the module)."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = _idempotency_key(request)
        if key is None:
            with unit_of_work():
                return handler(view, request, *args, **kwargs)
        fingerprint = request_fingerprint(request)
        with transaction.atomic():
            record = _locked_record(request.auth.storefront_id, key, fingerprint)
            if record.fingerprint != fingerprint:
                raise IdempotencyConflict(idempotency_key=key)
            if record.response_status is not None:
                return Response(
                    json.loads(record.response_body), status=record.response_status, headers={REPLAYED_HEADER: "true"}
                )
            try:
                with unit_of_work():
                    response = handler(view, request, *args, **kwargs)
            except DomainError as error:
                response = domain_error_response(error)
            record.response_status = response.status_code
            record.response_body = json.dumps(response.data, cls=JSONEncoder)
            record.save(update_fields=["response_status", "response_body"])
        return response

    wrapper.idempotent = True
    return wrapper
