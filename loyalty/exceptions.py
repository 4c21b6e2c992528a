"""Domain errors of the platform. Each has a stable machine-readable code and a
message for people; the API maps them to responses in one place."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "domain_error"
    default_message = _("The operation cannot be done.")

    def __init__(self, message=None, **details):
        self.message = message or self.default_message
        self.details = details
        super().__init__(str(self.message))


class InsufficientPoints(DomainError):
    code = "insufficient_points"
    default_message = _("The account does not have enough available points.")


class InvalidPoints(DomainError):
    code = "invalid_points"
    default_message = _("Points must be a whole number above zero.")


class HoldNotActive(DomainError):
    code = "hold_not_active"
    default_message = _("The reservation has already been captured or released.")


class ClawbackTooLarge(DomainError):
    code = "clawback_too_large"
    default_message = _("More points would be taken back than the order earned.")


class RefundTooLarge(DomainError):
    code = "refund_too_large"
    default_message = _("More points would be given back than were spent on the order.")


class IdempotencyConflict(DomainError):
    code = "idempotency_key_reused"
    default_message = _("This idempotency key was already used for a different request.")


class MemberNotActive(DomainError):
    code = "member_not_active"
    default_message = _("The member is blocked or anonymised.")


class CurrencyMismatch(DomainError):
    code = "currency_mismatch"
    default_message = _("The cart is not in the program's currency.")


class MemberRequired(DomainError):
    code = "member_required"
    default_message = _("Only members can pay with points.")


class BelowMinimumRedemption(DomainError):
    code = "below_minimum_redemption"
    default_message = _("Fewer points than the program's minimum per redemption.")


class RedemptionCapExceeded(DomainError):
    code = "redemption_cap_exceeded"
    default_message = _("More points than this order may be paid with.")


class OrderConflict(DomainError):
    code = "order_exists"
    default_message = _("An order with this number was already placed with a different cart.")


class PriceChanged(DomainError):
    code = "price_changed"
    default_message = _("The price changed: show the shopper the new calculation and place the order again.")


class OrderStateConflict(DomainError):
    code = "order_state_conflict"
    default_message = _("The order is not in a state that allows this.")


class OrderNotReturnable(DomainError):
    code = "order_not_completed"
    default_message = _("Only a completed order can be returned.")


class ReturnExceedsOrder(DomainError):
    code = "return_exceeds_order"
    default_message = _("The return is larger than what is left of the order.")


class ReturnConflict(DomainError):
    code = "return_exists"
    default_message = _("A return with this number was already registered with different contents.")


class GiftNotAllowed(DomainError):
    """A gift outside the program's gift settings: ``details["reason"]`` says
    which (disabled, too_small, too_large, monthly_limit, recipient)."""

    code = "gift_not_allowed"
    default_message = _("This gift is not allowed by the program's rules.")
