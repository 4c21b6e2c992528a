"""Writes of paid memberships: what storefronts report (purchase, renewal,
cancellation), the expiry job, and the savings of orders.

A storefront reports each payment with its own payment id (``number``): the
same number with the same contents answers the membership and changes
nothing, with other contents it is refused, so a retry never buys a second
period. Changes of one member's membership are serialised on the member's
row.
"""

import hashlib
import json
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from loyalty.exceptions import MemberNotActive
from loyalty.rules import cumulative_share, money_for_points, quantize_money
from loyalty.selectors import program_get
from loyalty.transactions import unit_of_work
from members.models import Member

from ..exceptions import (
    MembershipAlreadyActive,
    MembershipNotFound,
    MembershipNotRenewable,
    MembershipPaymentConflict,
    PlanNotAvailable,
)
from ..models import Membership, MembershipPayment, MembershipSaving
from .rules import period_end
from .selectors import memberships_due, payment_find


def _fingerprint(**fields):
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def _same_payment(payment, fingerprint):
    if payment.request_fingerprint != fingerprint:
        raise MembershipPaymentConflict(number=payment.number)
    return Membership.objects.select_related("plan__grants_tier").get(member_id=payment.member_id)


def _report_payment(*, kind, member, storefront, number, fingerprint, now, apply):
    """Record payment ``number`` once: ``apply(membership, program)`` moves the
    member's membership (locked, or None if they never had one) and returns it
    with the plan paid for, the fee and the period bought. Returns
    (membership, created)."""
    existing = payment_find(storefront, number)
    if existing is not None:
        return _same_payment(existing, fingerprint), False
    try:
        with transaction.atomic():
            member = Member.objects.select_for_update().get(pk=member.pk)
            # A concurrent retry of this payment may have recorded it while we waited for the lock.
            existing = payment_find(storefront, number)
            if existing is not None:
                return _same_payment(existing, fingerprint), False
            if member.status != Member.Status.ACTIVE:
                raise MemberNotActive(member=member.pk)
            program = program_get()
            membership = Membership.objects.select_related("plan").filter(member=member).first()
            membership, fee, period_start = apply(membership, program)
            membership.status = Membership.Status.ACTIVE
            membership.cancelled_at = None
            membership.save()
            MembershipPayment.objects.create(
                storefront=storefront,
                number=number,
                member=member,
                plan=membership.plan,
                kind=kind,
                fee=quantize_money(fee, program.currency),
                currency=program.currency,
                period_start=period_start,
                period_end=membership.expires_at,
                request_fingerprint=fingerprint,
                paid_at=now,
            )
    except IntegrityError:
        # Recorded concurrently by a retry of the same request: answer like a replay.
        existing = payment_find(storefront, number)
        if existing is None:
            raise
        return _same_payment(existing, fingerprint), False
    return membership, True


def membership_purchase(*, member, plan, storefront, number, fee=None, now=None):
    """The member bought ``plan``; ``fee`` is what they paid (the plan's fee
    if not given). Returns (membership, created).

    * no active membership: the plan starts now (``started_at`` too);
    * an active one of the same plan: one more period after the current one
      (a lifetime plan raises MembershipAlreadyActive);
    * an active one of another plan: the new plan replaces it from now, and
      the membership continues unbroken (``started_at`` stays).

    Raises PlanNotAvailable for a plan off sale, MemberNotActive for a
    blocked or anonymised member, MembershipPaymentConflict for a number
    reported before with other contents.
    """
    now = now or timezone.now()
    fee = plan.fee if fee is None else Decimal(fee)
    fingerprint = _fingerprint(kind="purchase", member=member.pk, plan=plan.pk, fee=str(fee))

    def apply(membership, program):
        if not plan.is_active:
            raise PlanNotAvailable(plan=plan.code)
        if membership is not None and membership.is_active_at(now):
            if membership.plan_id == plan.pk:
                if membership.expires_at is None:
                    raise MembershipAlreadyActive(plan=plan.code)
                start = membership.expires_at
            else:
                start = now
        else:
            start = now
            membership = membership or Membership(member=member)
            membership.started_at = now
        membership.plan = plan
        membership.expires_at = period_end(start, plan, program)
        return membership, fee, start

    return _report_payment(
        kind=MembershipPayment.Kind.PURCHASE,
        member=member,
        storefront=storefront,
        number=number,
        fingerprint=fingerprint,
        now=now,
        apply=apply,
    )


def membership_renew(*, member, storefront, number, fee=None, now=None):
    """The member paid one more period of their plan (the plan's fee if
    ``fee`` is not given), also when it is no longer on sale: it follows the
    current period, or starts now if the membership had ended. A renewal
    also takes back a cancellation. Returns (membership, created).

    Raises MembershipNotFound, MembershipNotRenewable (a lifetime plan),
    MemberNotActive and MembershipPaymentConflict.
    """
    now = now or timezone.now()
    fingerprint = _fingerprint(kind="renewal", member=member.pk, fee=None if fee is None else str(Decimal(fee)))

    def apply(membership, program):
        if membership is None:
            raise MembershipNotFound(member=member.pk)
        plan = membership.plan
        if plan.months is None:
            raise MembershipNotRenewable(plan=plan.code)
        if membership.is_active_at(now):
            start = membership.expires_at
        else:
            start = membership.started_at = now
        membership.expires_at = period_end(start, plan, program)
        return membership, plan.fee if fee is None else Decimal(fee), start

    return _report_payment(
        kind=MembershipPayment.Kind.RENEWAL,
        member=member,
        storefront=storefront,
        number=number,
        fingerprint=fingerprint,
        now=now,
        apply=apply,
    )


@unit_of_work()
def membership_cancel(*, member, immediately=False, now=None):
    """The member cancelled: the membership is not renewed and ends with the
    period already paid for. ``immediately`` (a refund, say), or a lifetime
    plan, ends it now. Cancelling again changes nothing (unless it now asks
    to end at once); an ended membership stays as it is.

    Raises MembershipNotFound.
    """
    now = now or timezone.now()
    Member.objects.select_for_update().filter(pk=member.pk).first()
    membership = Membership.objects.select_related("plan__grants_tier").filter(member=member).first()
    if membership is None:
        raise MembershipNotFound(member=member.pk)
    if not membership.is_active_at(now):
        return membership
    membership.cancelled_at = membership.cancelled_at or now
    if immediately or membership.expires_at is None:
        membership.status = Membership.Status.EXPIRED
        membership.expires_at = now
    membership.save()
    return membership


def memberships_expire(now=None):
    """The expiry job: memberships whose period has ended become expired, in
    one statement; a second run finds nothing. Checkout never waits for it:
    benefits stop at ``expires_at`` whatever the stored status."""
    now = now or timezone.now()
    return memberships_due(now).update(status=Membership.Status.EXPIRED, updated_at=now)


# Savings (called by the receivers of the order signals, in the order's transaction)


def saving_record(*, order, saving, program, now):
    """Remember what the membership saved on a placed order (a
    rewards.checkout.Saving); it counts once the order completes."""
    points_value = money_for_points(saving.points, program)
    MembershipSaving.objects.create(
        order=order,
        member_id=order.member_id,
        plan=saving.plan,
        discount=saving.discount,
        shipping=saving.shipping,
        points=saving.points,
        points_value=points_value,
        discount_kept=saving.discount,
        shipping_kept=saving.shipping,
        points_kept=saving.points,
        points_value_kept=points_value,
        created_at=now,
    )


def saving_count(*, order, now):
    """The order completed: its saving counts."""
    MembershipSaving.objects.filter(order=order, status=MembershipSaving.Status.PENDING).update(
        status=MembershipSaving.Status.COUNTED, counted_at=now
    )


def saving_drop(*, order):
    """The order was cancelled: it saved nothing."""
    MembershipSaving.objects.filter(order=order, status=MembershipSaving.Status.PENDING).delete()


def saving_after_return(*, order):
    """A return lowers the order's saving in proportion to the value returned
    so far (cumulative, like the points of returns: partial returns that add
    up to the order leave what one full return would); free shipping is kept
    until the whole order comes back."""
    saving = MembershipSaving.objects.select_for_update().filter(order=order).first()
    if saving is None:
        return
    totals = order.lines.aggregate(amount=Sum("amount", default=0), returned=Sum("returned_value", default=0))
    whole, returned = totals["amount"], totals["returned"]
    if order.status == order.Status.RETURNED:
        returned = whole

    def kept(amount):
        if not whole:
            return amount
        return amount - quantize_money(amount * returned / whole, order.currency)

    saving.discount_kept = kept(saving.discount)
    saving.points_kept = saving.points - cumulative_share(saving.points, returned, whole)
    # The value follows the points kept, at the point value they were recorded with.
    saving.points_value_kept = (
        quantize_money(saving.points_value * saving.points_kept / saving.points, order.currency)
        if saving.points
        else Decimal(0)
    )
    saving.shipping_kept = Decimal(0) if order.status == order.Status.RETURNED else saving.shipping
    saving.save(update_fields=["discount_kept", "points_value_kept", "points_kept", "shipping_kept"])
