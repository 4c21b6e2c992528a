"""The program settings are read once per process while fresh, and a change
saved here is seen at once (loyalty/caching.py)."""

from unittest import mock

import pytest

from loyalty.selectors import program_for_change, program_get

pytestmark = pytest.mark.django_db


def test_the_settings_are_read_once_while_fresh(program, django_assert_num_queries):
    program_get()

    with django_assert_num_queries(0):
        assert program_get().currency == "RUB"


def test_a_change_saved_in_this_process_is_seen_at_once(program):
    assert program_get().pending_days == 14

    changed = program_for_change()
    changed.pending_days = 21
    changed.save()

    assert program_get().pending_days == 21


def test_a_change_saved_elsewhere_is_seen_when_the_cache_time_is_up(program, settings, django_assert_num_queries):
    settings.PROGRAM_SETTINGS_CACHE_SECONDS = 10
    program_get()
    type(program).objects.filter(pk=program.pk).update(pending_days=30)  # another process: no signal here

    assert program_get().pending_days == 14
    with mock.patch("loyalty.caching.time.monotonic", return_value=10**9), django_assert_num_queries(1):
        assert program_get().pending_days == 30


def test_zero_seconds_reads_the_database_every_time(program, settings, django_assert_num_queries):
    settings.PROGRAM_SETTINGS_CACHE_SECONDS = 0

    with django_assert_num_queries(2):
        program_get()
        program_get()


def test_changing_the_settings_starts_from_the_database(program):
    cached = program_get()
    fresh = program_for_change()

    fresh.points_name = "stars"

    assert fresh is not cached
    assert program_get().points_name == "points"
