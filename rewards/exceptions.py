"""Domain errors of the rewards catalog. Their HTTP statuses are registered
with the API's error mapping from RewardsConfig.ready() (loyalty never
imports rewards); docs/rewards.md lists them."""

from django.utils.translation import gettext_lazy as _

from loyalty.exceptions import DomainError


class RewardNotAvailable(DomainError):
    code = "reward_not_available"
    default_message = _("This reward is not available now.")


class OutOfStock(DomainError):
    code = "out_of_stock"
    default_message = _("This reward is out of stock.")


class LimitReached(DomainError):
    code = "limit_reached"
    default_message = _("The member has already redeemed this reward as many times as allowed.")


class TierRequired(DomainError):
    code = "tier_required"
    default_message = _("The member's tier is too low for this reward.")


class CouponNotAvailable(DomainError):
    code = "coupon_not_available"
    default_message = _("The coupon can no longer be used: show the shopper the new calculation.")


class CouponNotRefundable(DomainError):
    code = "coupon_not_refundable"
    default_message = _("Only an issued, unused coupon can be refunded.")
