"""What the catalog and a member's coupons look like (reads only)."""

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from loyalty.selectors import account_get

from ..models import Coupon, Donation, Reward
from ..selectors import effective_tier
from .rules import coupon_code_normalize


def _bought_coupons():
    """Coupons bought with points and not refunded: what counts against a
    reward's per-member limit (prizes of draws do not)."""
    return Coupon.objects.filter(spend_entry__isnull=False).exclude(status=Coupon.Status.REFUNDED)


def redeemed_count(reward, member):
    """How many times ``member`` redeemed ``reward``: its bought coupons they
    hold, or their donations through it."""
    if reward.issues_coupon:
        return _bought_coupons().filter(reward=reward, member=member).count()
    return Donation.objects.filter(reward=reward, member=member).count()


def _count(queryset):
    counted = queryset.order_by().values("reward_id").annotate(total=Count("pk")).values("total")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def rewards_available(now):
    """Active rewards inside their validity window."""
    return Reward.objects.filter(
        Q(available_from__isnull=True) | Q(available_from__lte=now),
        Q(available_until__isnull=True) | Q(available_until__gt=now),
        is_active=True,
    ).select_related("min_tier", "cause")


def rewards_for_member(member, *, now):
    """The catalog as ``member`` may get it: available rewards their tier
    allows, each with ``redeemed`` (coupons of it the member holds, refunds
    not counted), ``affordable``, ``points_missing``, ``in_stock``,
    ``limit_left`` (None: no limit) and ``can_redeem``. Three queries.

    The tier is the member's own, or the one their active membership grants
    when that is higher."""
    tier = effective_tier(member, now=now)
    rewards = rewards_available(now)
    if tier is None:
        rewards = rewards.filter(min_tier__isnull=True)
    else:
        rewards = rewards.filter(Q(min_tier__isnull=True) | Q(min_tier__position__lte=tier.position))
    rewards = rewards.annotate(
        redeemed=_count(_bought_coupons().filter(reward_id=OuterRef("pk"), member=member))
        + _count(Donation.objects.filter(reward_id=OuterRef("pk"), member=member))
    )
    available = max(account_get(member).available, 0)
    items = []
    for reward in rewards:
        limit_left = None if reward.per_member_limit is None else max(reward.per_member_limit - reward.redeemed, 0)
        in_stock = reward.stock is None or reward.stock > 0
        affordable = available >= reward.cost_points
        items.append(
            {
                "reward": reward,
                "redeemed": reward.redeemed,
                "affordable": affordable,
                "points_missing": max(reward.cost_points - available, 0),
                "in_stock": in_stock,
                "limit_left": limit_left,
                "can_redeem": affordable and in_stock and limit_left != 0,
            }
        )
    return items


def member_coupons(member):
    return Coupon.objects.filter(member=member).select_related("reward", "order").order_by("-issued_at", "-pk")


def coupon_find(code):
    return Coupon.objects.select_related("reward", "member").filter(code=coupon_code_normalize(code)).first()
