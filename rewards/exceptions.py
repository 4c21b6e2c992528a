"""Domain errors of the rewards app: the catalog, memberships, prize draws
and charity. Their HTTP statuses are registered with the API's error mapping
from RewardsConfig.ready() (loyalty never imports rewards); docs/rewards.md
lists them."""

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


class PlanNotAvailable(DomainError):
    code = "plan_not_available"
    default_message = _("This membership plan is not on sale.")


class MembershipNotFound(DomainError):
    code = "membership_not_found"
    default_message = _("The member has no paid membership.")


class MembershipAlreadyActive(DomainError):
    code = "membership_already_active"
    default_message = _("The member already has this lifetime membership.")


class MembershipNotRenewable(DomainError):
    code = "membership_not_renewable"
    default_message = _("A lifetime membership is not renewed.")


class MembershipPaymentConflict(DomainError):
    code = "membership_payment_exists"
    default_message = _("A payment with this number was already reported with different contents.")


class DrawNotOpen(DomainError):
    code = "draw_not_open"
    default_message = _("This prize draw does not take tickets now.")


class TicketsNotForSale(DomainError):
    code = "tickets_not_for_sale"
    default_message = _("Tickets of this prize draw are only granted by staff.")


class TicketLimitReached(DomainError):
    code = "ticket_limit_reached"
    default_message = _("The member already has as many tickets of this draw as allowed.")


class CauseNotAvailable(DomainError):
    code = "cause_not_available"
    default_message = _("This cause does not accept donations now.")


class BelowMinimumDonation(DomainError):
    code = "below_minimum_donation"
    default_message = _("The donation is below this cause's smallest donation.")
