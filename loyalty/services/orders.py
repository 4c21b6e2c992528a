"""The order lifecycle of the checkout protocol (DESIGN.md): place, complete,
cancel and return.

Placing runs the calculation again and reserves the points to spend (a hold);
completing captures the hold and earns points, pending until the return
window closes; cancelling releases the hold; a return takes back the points
earned on the returned part and gives back the points spent on it.

Every step is safe to repeat: placing the same order again returns it,
completing or cancelling twice has no second effect, and a return is
processed once per return number. The ledger calls carry idempotency keys
derived from the order, so even a retry after a lost answer writes nothing
twice.
"""

import hashlib
import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..checkout import checkout_calculate
from ..exceptions import (
    OrderConflict,
    OrderNotReturnable,
    OrderStateConflict,
    PriceChanged,
    ReturnConflict,
    ReturnExceedsOrder,
)
from ..models import Order, OrderLine, OrderReturn
from ..rules import allocate_money, cumulative_share, quantize_money
from ..selectors import program_get
from ..signals import order_cancelled, order_completed, order_placed, order_returned
from ..transactions import unit_of_work
from . import ledger


def _fingerprint(data):
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _cart_fingerprint(cart):
    return _fingerprint(
        {
            "member": getattr(cart.member, "pk", None),
            "currency": cart.currency,
            "lines": [[line.id, line.sku, line.category, line.quantity, str(line.unit_price)] for line in cart.lines],
            "shipping": str(cart.shipping),
            "coupons": list(cart.coupon_codes),
            "points": cart.points_to_spend,
        }
    )


# Place


def order_place(*, storefront, number, cart, expected_payable_total=None, now=None):
    """Place an order: price the cart again, store the order and reserve its points.

    Returns (order, created). Placing an order that exists with the same cart
    returns it unchanged; with another cart raises OrderConflict. If the
    storefront sends the total it showed the shopper and the new calculation
    differs, raises PriceChanged carrying the new calculation, and nothing is
    stored.
    """
    now = now or timezone.now()
    fingerprint = _cart_fingerprint(cart)
    with unit_of_work():
        # A member's order is placed under their account lock, so a
        # concurrent retry of it waits there and then finds it placed.
        account = ledger.account_lock(member=cart.member, now=now) if cart.member is not None else None
        existing = Order.objects.filter(storefront=storefront, number=number).first()
        if existing is not None:
            return _same_order(existing, fingerprint), False
        calculation = checkout_calculate(cart=cart, program=program_get(), account=account)
        _check_expected_total(calculation, expected_payable_total)
        if account is not None:
            order = _create_order(storefront, number, cart, calculation, fingerprint, now, account)
        else:
            # A guest's order has no lock to wait at: the unique number refuses
            # a concurrent retry's insert, in a savepoint, so that the retry can
            # answer with the order placed meanwhile, like a replay.
            try:
                with transaction.atomic():
                    order = _create_order(storefront, number, cart, calculation, fingerprint, now, None)
            except IntegrityError:
                existing = Order.objects.filter(storefront=storefront, number=number).first()
                if existing is None:
                    raise
                return _same_order(existing, fingerprint), False
        order_placed.send(sender=Order, order=order, calculation=calculation, now=now)
    return order, True


def _check_expected_total(calculation, expected_payable_total):
    if expected_payable_total is None:
        return
    payable_total = quantize_money(calculation.payable_total, calculation.currency)
    if quantize_money(expected_payable_total, calculation.currency) != payable_total:
        raise PriceChanged(
            expected=str(expected_payable_total),
            payable_total=str(payable_total),
            calculation=calculation.as_dict(),
        )


def _same_order(order, fingerprint):
    if order.cart_fingerprint != fingerprint:
        raise OrderConflict(order=order.number)
    return order


def _as_stored(field, amount):
    """``amount`` as the order's column gives it back (its decimal places), so
    the answer built from the new order is the answer a later read gives."""
    return amount.quantize(Decimal(1).scaleb(-Order._meta.get_field(field).decimal_places))


def _create_order(storefront, number, cart, calculation, fingerprint, now, account):
    order = Order.objects.create(
        storefront=storefront,
        number=number,
        member=cart.member,
        currency=cart.currency,
        subtotal=_as_stored("subtotal", calculation.subtotal),
        discount_total=_as_stored("discount_total", calculation.discount_total),
        shipping=_as_stored("shipping", calculation.shipping_payable),
        points_spent=calculation.points_to_spend,
        points_value=_as_stored("points_value", calculation.points_value),
        payable_total=_as_stored("payable_total", calculation.payable_total),
        points_earned=calculation.points_earned,
        calculation=calculation.as_dict(),
        cart_fingerprint=fingerprint,
        placed_at=now,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            line_id=line.id,
            sku=line.cart_line.sku,
            category=line.cart_line.category,
            quantity=line.cart_line.quantity,
            unit_price=line.cart_line.unit_price,
            amount=line.amount,
            points_applied=line.points_applied,
            points_earned=line.points_earned if cart.member is not None else 0,
        )
        for line in calculation.lines
    )
    if calculation.points_to_spend:
        order.hold = ledger.order_points_reserve(order=order, account=account, now=now)
        order.save(update_fields=["hold"])
    return order


def _locked(order):
    return Order.objects.select_for_update(of=("self",)).select_related("hold", "member", "storefront").get(pk=order.pk)


# Complete and cancel


@unit_of_work()
def order_complete(*, order, now=None):
    """Capture the order's hold and earn its points, pending until the return
    window closes. Completing a completed order changes nothing."""
    now = now or timezone.now()
    order = _locked(order)
    if order.status != Order.Status.PLACED:
        if order.status == Order.Status.CANCELLED:
            raise OrderStateConflict(_("The order was cancelled."), order=order.number, status=order.status)
        return order
    if order.member_id is not None:
        ledger.order_points_settle(order=order, points_earned=order.points_earned, now=now)
    order.status = Order.Status.COMPLETED
    order.completed_at = now
    order.save(update_fields=["status", "completed_at"])
    order_completed.send(sender=Order, order=order, now=now)
    return order


@unit_of_work()
def order_cancel(*, order, now=None):
    """Release the order's hold. Cancelling a cancelled order changes nothing;
    a completed order is returned, not cancelled."""
    now = now or timezone.now()
    order = _locked(order)
    if order.status == Order.Status.CANCELLED:
        return order
    if order.status != Order.Status.PLACED:
        raise OrderStateConflict(
            _("The order is already completed: register a return instead."), order=order.number, status=order.status
        )
    if order.hold is not None:
        release = ledger.hold_release(hold=order.hold, storefront=order.storefront, reason="order cancelled", now=now)
        order.hold = release.hold
    order.status = Order.Status.CANCELLED
    order.cancelled_at = now
    order.save(update_fields=["status", "cancelled_at"])
    order_cancelled.send(sender=Order, order=order, now=now)
    return order


# Returns


def _requested_values(lines, *, full, line_quantities, amount, currency):
    """{line: returned value this time} from the request, or ReturnExceedsOrder.

    Units returned by lines take their share of what is left of the line, not
    of the whole line: an earlier return by amount may already have taken part
    of its value, and the last unit takes exactly the rest.
    """
    if full:
        return {line: line.amount - line.returned_value for line in lines}
    if line_quantities is not None:
        by_id = {line.line_id: line for line in lines}
        values = {}
        for line_id, quantity in line_quantities.items():
            line = by_id.get(line_id)
            if line is None:
                raise ReturnExceedsOrder(_("The order has no line %(line)s.") % {"line": line_id}, line=line_id)
            quantity_left = line.quantity - line.returned_quantity
            if quantity > quantity_left:
                raise ReturnExceedsOrder(line=line_id, requested=quantity, left=quantity_left)
            value_left = line.amount - line.returned_value
            values[line] = (
                value_left
                if quantity == quantity_left
                else quantize_money(value_left * quantity / quantity_left, currency)
            )
        return values
    left = [line.amount - line.returned_value for line in lines]
    if amount > sum(left, Decimal(0)):
        raise ReturnExceedsOrder(requested=str(amount), left=str(sum(left, Decimal(0))))
    parts = allocate_money(amount, left, currency, limits=left)
    return dict(zip(lines, parts, strict=True))


def _return_amount(amount, currency):
    """The amount of a return by amount in the currency's minor unit, so "10.5"
    and "10.50" are one request, or ValidationError.

    An amount finer than the minor unit would be rounded when it is split
    over the lines, and the return would not be what was asked for.
    """
    amount = Decimal(amount)
    if amount <= 0:
        raise ValidationError({"amount": [_("The amount must be above zero.")]})
    quantized = quantize_money(amount, currency)
    if quantized != amount:
        raise ValidationError({"amount": [_("Too many decimal places for %(currency)s.") % {"currency": currency}]})
    return quantized


def order_return(*, order, number, full=False, line_quantities=None, amount=None, now=None):
    """Register return ``number`` of a completed order: by line quantities
    ({line id: quantity}), by an amount of money, or in full.

    Each line keeps the value returned so far; the points a return takes back
    and gives back are the cumulative shares of the line's earned and applied
    points for that value, minus what earlier returns moved.

    Returns (order return, created). Registering the same return number again
    with the same request returns the first one unchanged; with another
    request raises ReturnConflict.
    """
    now = now or timezone.now()
    if amount is not None:
        amount = _return_amount(amount, order.currency)
    request = {"full": full, "lines": line_quantities, "amount": None if amount is None else str(amount)}
    fingerprint = _fingerprint(request)
    with unit_of_work():
        order = _locked(order)
        existing = OrderReturn.objects.filter(order=order, number=number).first()
        if existing is not None:
            if existing.request_fingerprint != fingerprint:
                raise ReturnConflict(order=order.number, order_return=number)
            return existing, False
        if order.status == Order.Status.RETURNED:
            raise ReturnExceedsOrder(_("The order has already been returned in full."), order=order.number)
        if order.status not in (Order.Status.COMPLETED, Order.Status.PARTIALLY_RETURNED):
            raise OrderNotReturnable(order=order.number, status=order.status)
        lines = list(order.lines.order_by("id"))
        values = _requested_values(
            lines, full=full, line_quantities=line_quantities, amount=amount, currency=order.currency
        )
        clawback = refund = 0
        for line, value in values.items():
            before, after = line.returned_value, line.returned_value + value
            clawback += cumulative_share(line.points_earned, after, line.amount) - cumulative_share(
                line.points_earned, before, line.amount
            )
            refund += cumulative_share(line.points_applied, after, line.amount) - cumulative_share(
                line.points_applied, before, line.amount
            )
            line.returned_value = after
            if line_quantities is not None:
                line.returned_quantity += line_quantities.get(line.line_id, 0)
            elif after == line.amount:
                line.returned_quantity = line.quantity
        OrderLine.objects.bulk_update(list(values), ["returned_value", "returned_quantity"])
        order_return_row = OrderReturn.objects.create(
            order=order,
            number=number,
            amount=sum(values.values(), Decimal(0)),
            request=request,
            request_fingerprint=fingerprint,
            created_at=now,
            **_move_return_points(order, number, clawback, refund, now),
        )
        # Counted in units, not value: a free line (a gift) has all of its
        # value back before it is returned by lines, and it may still be.
        fully_returned = all(line.returned_quantity == line.quantity for line in lines)
        order.status = Order.Status.RETURNED if fully_returned else Order.Status.PARTIALLY_RETURNED
        order.save(update_fields=["status"])
        order_returned.send(sender=Order, order=order, order_return=order_return_row, now=now)
    return order_return_row, True


def _move_return_points(order, number, clawback, refund, now):
    """Take back and give back the points of return ``number``: the return's
    point fields."""
    if order.member_id is None or not (clawback or refund):
        return {}
    clawed, refunded = ledger.order_points_return(
        order=order, return_number=number, clawback=clawback, refund=refund, now=now
    )
    fields = {}
    if clawed is not None:
        fields.update(points_clawed_back=clawed.points, points_shortfall=clawed.shortfall)
    if refunded is not None:
        fields.update(points_refunded=refunded.points)
    return fields
