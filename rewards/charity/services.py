"""Writes of charity: members donate points (directly, or by redeeming a
charity reward of the catalog), staff record the money they transferred."""

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.rules import money_for_points
from loyalty.selectors import program_get
from loyalty.services import ledger
from loyalty.transactions import unit_of_work

from ..exceptions import BelowMinimumDonation, CauseNotAvailable
from ..models import Cause, CharityTransfer, Donation
from .selectors import donation_find, donations_to_transfer


def donation_ledger_key(*, member, cause, idempotency_key):
    """The ledger entry's key of a donation made with the caller's
    ``idempotency_key``: the same key finds the donation it made."""
    return None if idempotency_key is None else f"cause:{cause.pk}:member:{member.pk}:donate:{idempotency_key}"


@unit_of_work()
def donation_make(*, member, cause, points, storefront=None, reward=None, now=None, idempotency_key=None):
    """Give ``points`` of the member to ``cause``: spent with
    ``ledger.points_spend`` (source: the cause), kept with their money value
    at the program's point value, to be transferred by staff. The same
    ``idempotency_key`` returns the donation it made.

    Raises CauseNotAvailable, BelowMinimumDonation, and the ledger's
    InvalidPoints, InsufficientPoints and MemberNotActive.
    """
    now = now or timezone.now()
    key = donation_ledger_key(member=member, cause=cause, idempotency_key=idempotency_key)
    if key is not None and (made := donation_find(key)) is not None:
        return made
    if not cause.is_active:
        raise CauseNotAvailable(cause=cause.pk)
    if isinstance(points, int) and 0 < points < cause.min_points:
        raise BelowMinimumDonation(minimum=cause.min_points, requested=points)
    entry = ledger.points_spend(
        member=member,
        points=points,
        storefront=storefront,
        source=cause,
        reason=f"Donation: {cause.name_en}",
        now=now,
        idempotency_key=key,
    )
    program = program_get()
    return Donation.objects.create(
        cause=cause,
        member=member,
        points=points,
        value=money_for_points(points, program),
        currency=program.currency,
        reward=reward,
        spend_entry=entry,
        donated_at=now,
    )


@unit_of_work()
def charity_transfer_record(*, cause, staff_user, reference, now=None):
    """Staff paid the cause what its donations not transferred yet are worth:
    record the transfer and mark those donations with it, in one statement.
    Returns the transfer, or None when nothing was left to transfer.

    The cause's row is locked, so two staff users recording at once cannot
    both count the same donations.
    """
    if not reference.strip():
        raise ValidationError({"reference": _("Give the payment reference.")})
    now = now or timezone.now()
    Cause.objects.select_for_update().get(pk=cause.pk)
    if not donations_to_transfer(cause).exists():
        return None
    transfer = CharityTransfer.objects.create(
        cause=cause,
        points=0,
        amount=0,
        currency=program_get().currency,
        reference=reference.strip(),
        staff_user=staff_user,
        transferred_at=now,
    )
    # Mark first, then add up what was marked: a donation made meanwhile is
    # either in both or in neither.
    donations_to_transfer(cause).update(transfer=transfer)
    totals = transfer.donations.aggregate(points=Sum("points"), amount=Sum("value"))
    transfer.points, transfer.amount = totals["points"], totals["amount"]
    transfer.save(update_fields=["points", "amount"])
    return transfer
