"""Consumption of lots: the one place that decides which points are spent."""

from django.db.models import F

from ..models import Lot


def take_from_lots(account, points):
    """Take ``points`` from the account's available lots, soonest-expiring
    first (lots that never expire last). The caller holds the account lock and
    has checked that the lots cover ``points``. Returns [(lot, points taken)]."""
    lots = Lot.objects.filter(account=account, is_pending=False, remaining__gt=0).order_by(
        F("expires_at").asc(nulls_last=True), "id"
    )
    taken = []
    still_needed = points
    for lot in lots:
        if still_needed == 0:
            break
        amount = min(lot.remaining, still_needed)
        lot.remaining -= amount
        still_needed -= amount
        taken.append((lot, amount))
    if still_needed:
        raise AssertionError(f"account {account.pk}: lots short by {still_needed} points")
    Lot.objects.bulk_update([lot for lot, _ in taken], ["remaining"])
    return taken


def settle_debt(account):
    """Pay an account's debt from its available lots.

    ``available`` already shows the debt (it is lots minus debt), so settling
    moves no balance and writes no entry; it only keeps lots from holding
    points the member no longer owns.
    """
    if account.debt <= 0:
        return 0
    spendable = account.available + account.debt
    payment = min(account.debt, spendable)
    if payment <= 0:
        return 0
    take_from_lots(account, payment)
    account.debt -= payment
    account.save(update_fields=["debt"])
    return payment
