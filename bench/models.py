from django.db import models
from django.utils import timezone


class BaselineWrite(models.Model):
    """The row the baseline write inserts: one per request."""

    account_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"account {self.account_id} at {self.created_at}"
