"""Configuration read once per process for a few seconds, not once per use.

The program settings are read by every checkout, every ledger write and
every member read, yet staff change them a few times a year. Reading the row
each time is one query on every request (three on some); keeping it in the
process makes it none. The price is a bounded delay: another process sees a
change within ``PROGRAM_SETTINGS_CACHE_SECONDS`` (10 s by default; 0 reads
the database every time), the process that saved it at once.

Only configuration belongs here: rows that staff edit rarely and that may be
a few seconds old without harm. Balances, holds and orders never are.
"""

import time

from django.conf import settings
from django.db.models.signals import post_delete, post_save

_MISSING = object()


class ProcessCache:
    """A value loaded by ``load()``, kept for PROGRAM_SETTINGS_CACHE_SECONDS in
    this process and forgotten when a row of one of ``models`` is saved or
    deleted here.

    Callers get the cached object itself: treat it as read-only. To change
    the settings, load the row from the database and save it.
    """

    _all = []

    def __init__(self, load, *, models):
        self._load = load
        self._value = _MISSING
        self._loaded_at = 0.0
        for model in models:
            post_save.connect(self._on_change, sender=model, weak=False)
            post_delete.connect(self._on_change, sender=model, weak=False)
        ProcessCache._all.append(self)

    def get(self):
        value = self._value
        if value is not _MISSING and time.monotonic() - self._loaded_at < settings.PROGRAM_SETTINGS_CACHE_SECONDS:
            return value
        value = self._load()
        self._value, self._loaded_at = value, time.monotonic()
        return value

    def clear(self):
        self._value = _MISSING

    def _on_change(self, **kwargs):
        self.clear()

    @classmethod
    def clear_all(cls):
        """Forget every cached value: for tests, whose rolled-back
        transactions undo saves the caches have seen."""
        for cache in cls._all:
            cache.clear()
