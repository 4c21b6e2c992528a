"""Forgetting the stored answers of idempotent API requests once their time is up."""

import datetime
import logging

from django.conf import settings
from django.utils import timezone

from ..models import IdempotencyRecord

logger = logging.getLogger(__name__)


def idempotency_records_purge(*, now=None):
    """Delete the records older than IDEMPOTENCY_KEY_TTL_HOURS in one statement;
    returns how many. Running it twice deletes nothing the second time."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    logger.info("purge_idempotency_records: %d records older than %s", deleted, cutoff.isoformat())
    return deleted
