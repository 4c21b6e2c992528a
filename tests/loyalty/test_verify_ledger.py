"""The verify command: clean on a consistent ledger, loud on a corrupted one."""

import datetime

import pytest
from django.core.management import call_command

from loyalty.models import Account, Lot
from loyalty.services import ledger

from ..factories import MemberFactory

pytestmark = pytest.mark.django_db


def run_verify(capsys, *args):
    with pytest.raises(SystemExit) as exited:
        call_command("verify_ledger", "--no-progress", *args)
        raise SystemExit(0)
    output = capsys.readouterr()
    return exited.value.code, output.out, output.err


@pytest.fixture
def ledger_with_history(program, now):
    members = MemberFactory.create_batch(5)
    for member in members:
        ledger.points_earn(member=member, points=100, pending=False, now=now)
        ledger.points_spend(member=member, points=30, now=now)
        ledger.hold_reserve(member=member, points=20, now=now)
    return members


def test_a_consistent_ledger_passes(capsys, ledger_with_history):
    code, out, _ = run_verify(capsys, "--chunk-size", "2")
    assert code == 0
    assert "5 accounts, no mismatches" in out


def test_a_corrupted_balance_is_reported_and_fails(capsys, ledger_with_history):
    victim = ledger_with_history[2]
    Account.objects.filter(pk=victim.pk).update(available=1_000)

    code, out, err = run_verify(capsys, "--chunk-size", "2")

    assert code == 1
    assert f"account {victim.pk}: available = sum of entries: cached 1000, actual 50" in out
    assert f"account {victim.pk}: available = available lots - debt: cached 1000, actual 50" in out
    assert "2 mismatches in 5 accounts" in err


def test_a_lot_changed_behind_the_ledgers_back_is_reported(capsys, ledger_with_history):
    victim = ledger_with_history[0]
    Lot.objects.filter(account_id=victim.pk).update(remaining=80)

    code, out, _ = run_verify(capsys)

    assert code == 1
    assert f"account {victim.pk}: available = available lots - debt: cached 50, actual 80" in out


def test_a_due_moment_the_account_does_not_know_of_is_reported(capsys, ledger_with_history, now):
    """Writes would not apply what falls due before the account's
    next_due_at: it must never be later than the first due moment."""
    victim = ledger_with_history[1]
    Account.objects.filter(pk=victim.pk).update(next_due_at=now + datetime.timedelta(days=5000))

    code, out, _ = run_verify(capsys)

    assert code == 1
    assert f"account {victim.pk}: next_due_at after the first due moment" in out
