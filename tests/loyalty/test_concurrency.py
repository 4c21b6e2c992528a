"""Real concurrency on PostgreSQL: many connections write to one account at once."""

import datetime

import pytest

from loyalty.exceptions import InsufficientPoints
from loyalty.models import Account, Entry
from loyalty.services import ledger, ledger_jobs

from ..concurrency import run_at_once
from ..factories import MemberFactory
from .helpers import assert_ledger_consistent

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

THREADS = 16


def test_concurrent_spends_never_spend_more_than_the_account_holds(program, now):
    member = MemberFactory()
    ledger.points_earn(member=member, points=100, pending=False, now=now)

    def spend_or_hold(index):
        if index % 2:
            return ledger.points_spend(member=member, points=15, now=now)
        return ledger.hold_reserve(member=member, points=15, now=now)

    results = run_at_once(spend_or_hold, THREADS, expected_errors=InsufficientPoints)

    succeeded = [result for result in results if not isinstance(result, InsufficientPoints)]
    assert len(succeeded) == 6  # 6 x 15 = 90 <= 100 < 7 x 15
    account = Account.objects.get(pk=member.pk)
    assert account.available == 10
    assert account.available + account.held + account.lifetime_spent == 100
    assert_ledger_consistent()


def test_concurrent_transfers_in_both_directions_do_not_deadlock(program, now):
    first, second = MemberFactory(), MemberFactory()
    for member in (first, second):
        ledger.points_earn(member=member, points=1000, pending=False, now=now)

    def transfer(index):
        sender, recipient = (first, second) if index % 2 else (second, first)
        return ledger.points_transfer(sender=sender, recipient=recipient, points=10, now=now)

    run_at_once(transfer, THREADS)

    balances = sorted(Account.objects.values_list("available", flat=True))
    assert balances == [1000, 1000]
    assert Entry.objects.filter(kind=Entry.Kind.TRANSFER).count() == 2 * THREADS
    assert_ledger_consistent()


def test_concurrent_replays_of_one_request_write_once(program, now):
    member = MemberFactory()
    ledger.points_earn(member=member, points=100, pending=False, now=now)

    results = run_at_once(
        lambda index: ledger.hold_reserve(member=member, points=40, now=now, idempotency_key="order-77:hold"),
        THREADS,
    )

    assert len({hold.pk for hold in results}) == 1
    assert Account.objects.get(pk=member.pk).held == 40
    assert_ledger_consistent()


def test_jobs_and_requests_interleave_safely(program, now):
    """The expiry job and spends lock accounts in the same order: no deadlock, no double burn."""
    members = MemberFactory.create_batch(8)
    earned_at = now - datetime.timedelta(days=400)
    for member in members:
        ledger.points_earn(member=member, points=50, pending=False, now=earned_at)
        ledger.points_earn(member=member, points=50, pending=False, now=now)

    def work(index):
        if index % 4 == 0:
            return ledger_jobs.expire_due_lots(now=now, batch_size=3)
        return ledger.points_spend(member=members[index % 8], points=10, now=now)

    run_at_once(work, THREADS)

    assert sum(Account.objects.values_list("lifetime_expired", flat=True)) == 8 * 50
    assert_ledger_consistent()
