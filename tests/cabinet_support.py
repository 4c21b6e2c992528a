"""Fixtures and helpers of the personal cabinet's tests (tests/members and
tests/cabinet import them)."""

import re

import pytest
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from loyalty.services import ledger
from members.models import Credentials

from .factories import MemberFactory

PASSWORD = "Correct-Horse-42"


def give_credentials(member, password=PASSWORD, verified=True):
    return Credentials.objects.create(
        member=member, password=make_password(password), email_verified_at=timezone.now() if verified else None
    )


def sign_in(client, member):
    response = client.post("/account/sign-in/", {"identifier": member.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def earn(member, points, **kwargs):
    """Available points (no pending period), as a bonus would give them."""
    return ledger.points_earn(member=member, points=points, pending=False, **kwargs)


def link_in_last_email(prefix="/account/"):
    body = mail.outbox[-1].body
    match = re.search(r"https?://[^/\s]+(/account/\S+)", body)
    assert match, body
    return match.group(1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The sign-in throttle counts in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shopper(db, program):
    member = MemberFactory(first_name="Anna", last_name="Petrova", phone="+79161234567")
    give_credentials(member)
    return member


@pytest.fixture
def other_shopper(db, program):
    member = MemberFactory(first_name="Boris", last_name="Ivanov")
    give_credentials(member)
    return member


@pytest.fixture
def shopper_client(client, shopper):
    return sign_in(client, shopper)
