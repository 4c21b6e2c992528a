"""Everything that writes in the catalog: redeeming a reward, staff's refund
of an unused coupon, prizes of draws, the expiry job, and the coupon moves
that follow an order's life.

Locks are always taken in one order, reward -> account -> coupons, so no two
of these (or an order being placed, which locks the account and then its
coupons) can wait for each other.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from loyalty.services import ledger
from loyalty.transactions import unit_of_work

from ..charity.selectors import donation_find
from ..charity.services import donation_ledger_key, donation_make
from ..exceptions import (
    CouponNotAvailable,
    CouponNotRefundable,
    LimitReached,
    OutOfStock,
    RewardNotAvailable,
    TierRequired,
)
from ..models import Coupon, Reward
from ..selectors import effective_tier
from .rules import coupon_code_new
from .selectors import redeemed_count

_CODE_ATTEMPTS = 5


def _check_redeemable(reward, member, now):
    if not reward.is_active or (reward.available_from and now < reward.available_from):
        raise RewardNotAvailable(reward=reward.pk)
    if reward.available_until and now >= reward.available_until:
        raise RewardNotAvailable(reward=reward.pk)
    if reward.min_tier_id is not None:
        tier = effective_tier(member, now=now)
        if tier is None or tier.position < reward.min_tier.position:
            raise TierRequired(reward=reward.pk, tier=reward.min_tier.code)
    if reward.stock is not None and reward.stock < 1:
        raise OutOfStock(reward=reward.pk)
    if reward.per_member_limit is not None and redeemed_count(reward, member) >= reward.per_member_limit:
        raise LimitReached(reward=reward.pk, limit=reward.per_member_limit)


def _create_coupon(**fields):
    """A coupon with a new code; a clash with an existing code (about one in
    2^59 per code) draws another."""
    for attempt in range(_CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                return Coupon.objects.create(code=coupon_code_new(), **fields)
        except IntegrityError as error:
            if "code" not in str(error) or attempt == _CODE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@unit_of_work()
def reward_redeem(*, member, reward, storefront=None, now=None, idempotency_key=None):
    """Buy ``reward`` for ``member`` with points, in one transaction: issue its
    coupon, or, for a charity donation, give the points to its cause (the
    Donation is returned instead of a coupon).

    The reward's row is locked first, so stock and the per-member limit hold
    under concurrency: the last item is never sold twice. The points are spent
    with ``ledger.points_spend`` (source: the reward, or the cause of a
    donation) under a key derived from ``idempotency_key``: the same key
    returns what it issued.

    Raises RewardNotAvailable, TierRequired, OutOfStock, LimitReached, and the
    ledger's InsufficientPoints and MemberNotActive; for a donation also
    CauseNotAvailable and BelowMinimumDonation.
    """
    now = now or timezone.now()
    reward = Reward.objects.select_for_update(of=("self",)).select_related("min_tier", "cause").get(pk=reward.pk)
    key = None if idempotency_key is None else f"reward:{reward.pk}:member:{member.pk}:redeem:{idempotency_key}"
    if key is not None:
        issued = _issued_with_key(reward, member, key)
        if issued is not None:
            return issued
    _check_redeemable(reward, member, now)
    if reward.issues_coupon:
        entry = ledger.points_spend(
            member=member,
            points=reward.cost_points,
            storefront=storefront,
            source=reward,
            reason=f"Reward: {reward.name_en}",
            now=now,
            idempotency_key=key,
        )
        issued = _create_coupon(
            reward=reward,
            member=member,
            valid_until=now + datetime.timedelta(days=reward.coupon_validity_days),
            spend_entry=entry,
            issued_at=now,
        )
    else:
        issued = donation_make(
            member=member,
            cause=reward.cause,
            points=reward.cost_points,
            storefront=storefront,
            reward=reward,
            now=now,
            idempotency_key=key,
        )
    if reward.stock is not None:
        reward.stock -= 1
        reward.save(update_fields=["stock"])
    return issued


def _issued_with_key(reward, member, key):
    if reward.issues_coupon:
        return Coupon.objects.select_related("reward").filter(spend_entry__idempotency_key=key).first()
    return donation_find(donation_ledger_key(member=member, cause=reward.cause, idempotency_key=key))


@unit_of_work()
def coupon_refund(*, coupon, staff_user, now=None):
    """Give an unused (issued) coupon's points back, by staff: the points come
    back as a manual adjustment (a credit with the reason "Refund of coupon
    CODE" and the staff user; ``points_refund`` is for orders), the coupon
    becomes refunded and the reward's stock, if counted, gets the item back.

    Refunding a refunded coupon changes nothing; a reserved or used one, or
    a prize (no points were spent on it), raises CouponNotRefundable (an
    expired one may be refunded).
    """
    now = now or timezone.now()
    reward = Reward.objects.select_for_update().get(pk=coupon.reward_id)
    ledger.account_lock(member=coupon.member, now=now)
    coupon = Coupon.objects.select_for_update(of=("self",)).select_related("spend_entry", "member").get(pk=coupon.pk)
    if coupon.status == Coupon.Status.REFUNDED:
        return coupon
    if coupon.status not in (Coupon.Status.ISSUED, Coupon.Status.EXPIRED) or coupon.spend_entry is None:
        raise CouponNotRefundable(coupon=coupon.code, status=coupon.status)
    coupon.refund_entry = ledger.points_adjust(
        member=coupon.member,
        points=coupon.spend_entry.points,
        staff_user=staff_user,
        reason=f"Refund of coupon {coupon.code}",
        now=now,
        idempotency_key=f"coupon:{coupon.pk}:refund",
    )
    coupon.status = Coupon.Status.REFUNDED
    coupon.refunded_at = now
    coupon.save(update_fields=["status", "refund_entry", "refunded_at", "updated_at"])
    if reward.stock is not None:
        Reward.objects.filter(pk=reward.pk).update(stock=F("stock") + 1)
    return coupon


def prizes_issue(*, draw, member_ids, now):
    """Give each winner of ``draw`` a coupon for its prize, without spending
    points and whatever the reward's stock or availability (the prize was set
    aside for the draw). A winner gets one prize per draw (a unique
    constraint), so a second attempt cannot issue another."""
    reward = draw.prize
    return [
        _create_coupon(
            reward=reward,
            member_id=member_id,
            prize_draw=draw,
            valid_until=now + datetime.timedelta(days=reward.coupon_validity_days),
            issued_at=now,
        )
        for member_id in member_ids
    ]


def coupons_expire(now=None):
    """The expiry job: issued coupons past ``valid_until`` become expired, in
    one statement (a partial index finds them); a second run finds nothing.
    Checkout and the API already treat them as expired from that moment."""
    now = now or timezone.now()
    return Coupon.objects.filter(status=Coupon.Status.ISSUED, valid_until__lte=now).update(
        status=Coupon.Status.EXPIRED, updated_at=now
    )


# The order lifecycle (called by the receivers, inside the order's transaction)


def coupons_reserve(*, order, coupon_ids, now):
    """Reserve the coupons a placed order was priced with. Raises
    CouponNotAvailable, refusing the placing, when one is no longer issued to
    the order's member (used, reserved or refunded in the meantime)."""
    coupons = list(Coupon.objects.select_for_update().filter(pk__in=coupon_ids).order_by("pk"))
    for coupon in coupons:
        if coupon.status != Coupon.Status.ISSUED or coupon.member_id != order.member_id:
            raise CouponNotAvailable(coupon=coupon.code, status=coupon.status)
    if len(coupons) != len(set(coupon_ids)):
        raise CouponNotAvailable()
    Coupon.objects.filter(pk__in=coupon_ids).update(
        status=Coupon.Status.RESERVED, order=order, reserved_at=now, updated_at=now
    )


def coupons_use(*, order, now):
    """The order was completed: its reserved coupons are used."""
    Coupon.objects.filter(order=order, status=Coupon.Status.RESERVED).update(
        status=Coupon.Status.USED, used_at=now, updated_at=now
    )


def coupons_release(*, order, now):
    """The order was cancelled: its coupons are issued again."""
    Coupon.objects.filter(order=order, status=Coupon.Status.RESERVED).update(
        status=Coupon.Status.ISSUED, order=None, reserved_at=None, updated_at=now
    )


def coupons_give_back(*, order, now):
    """The whole order was returned: its used coupons are issued again, with
    their own validity (an expired one stays expired)."""
    Coupon.objects.filter(order=order, status=Coupon.Status.USED).update(
        status=Coupon.Status.ISSUED, order=None, reserved_at=None, used_at=None, updated_at=now
    )
