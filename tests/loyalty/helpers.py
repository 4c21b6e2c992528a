import datetime

from loyalty.models import Account
from loyalty.verification import ledger_mismatches


def balances(member):
    account = Account.objects.get(pk=member.pk)
    return {
        "available": account.available,
        "pending": account.pending,
        "held": account.held,
        "debt": account.debt,
    }


def assert_ledger_consistent():
    mismatches = [str(mismatch) for mismatch in ledger_mismatches()]
    assert mismatches == []


def days(n):
    return datetime.timedelta(days=n)
