import datetime

import pytest
from django.db import connection

from loyalty.caching import ProcessCache
from loyalty.models import Program
from loyalty.selectors import program_for_change

from .factories import MemberFactory, OrderFactory, StorefrontFactory


def pytest_configure(config):
    from django.conf import settings

    vendor = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in vendor:
        raise pytest.UsageError("The test suite runs on PostgreSQL only: set DATABASE_URL to a PostgreSQL server.")


@pytest.fixture(autouse=True)
def _fresh_program_settings():
    """Each test starts from the database's settings: a rolled-back test's
    saves must not linger in the process caches (loyalty/caching.py)."""
    ProcessCache.clear_all()


@pytest.fixture
def program(db):
    """The program with the demo's settings: RUB, 1 point per 100 RUB, 14 days
    pending, expiry 365 days after earning, in Moscow time."""
    program = program_for_change()
    program.pending_days = 14
    program.expiry_policy = Program.ExpiryPolicy.DAYS_AFTER_EARNING
    program.expiry_days = 365
    program.time_zone = "Europe/Moscow"
    program.save()
    return program


@pytest.fixture
def member(db):
    return MemberFactory()


@pytest.fixture
def other_member(db):
    return MemberFactory()


@pytest.fixture
def storefront(db):
    return StorefrontFactory()


@pytest.fixture
def make_order(db, storefront):
    def make(member, **kwargs):
        return OrderFactory(member=member, storefront=storefront, **kwargs)

    return make


@pytest.fixture
def now():
    return datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def is_postgresql():
    return connection.vendor == "postgresql"
