"""The cart a storefront asks to price, and the parser that turns its
untrusted JSON into one.

A ``Cart`` is trusted by every step of the pipeline, so the parser checks all
of it and reports every bad field at once, by its path in the request
("lines[2].quantity"), the way the API shows field errors.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from members.models import Member

from ..models import validate_currency
from ..rules import quantize_money

SPEND_MAX = "max"

# Bounds that keep the arithmetic exact (well inside the 28 significant
# digits of the default decimal context) and a request cheap to price.
MAX_LINES = 1000
MAX_QUANTITY = 100_000
MAX_AMOUNT = Decimal("1e12")
MAX_TEXT_LENGTH = 64


@dataclass(frozen=True)
class CartLine:
    id: str
    sku: str
    category: str
    quantity: int
    unit_price: Decimal

    @property
    def subtotal(self):
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Cart:
    """What is priced: ``member`` is None for a guest; ``points_to_spend`` is a
    whole number of points or ``SPEND_MAX`` for the most the order allows."""

    member: Member | None
    currency: str
    lines: tuple[CartLine, ...]
    shipping: Decimal = Decimal(0)
    coupon_codes: tuple[str, ...] = ()
    points_to_spend: int | str = 0


def _required():
    return ValidationError(_("This field is required."), code="required")


def _text(value, *, blank=False):
    """Trimmed text; a missing value is an error unless ``blank`` allows it."""
    if value is None and blank:
        return ""
    if value is None:
        raise _required()
    if not isinstance(value, str):
        raise ValidationError(_("Enter a text value."), code="invalid")
    value = value.strip()
    if not value and not blank:
        raise ValidationError(_("This field may not be blank."), code="blank")
    if len(value) > MAX_TEXT_LENGTH:
        raise ValidationError(_("Use at most %(limit)d characters.") % {"limit": MAX_TEXT_LENGTH}, code="max_length")
    return value


def _whole_number(value, *, minimum, maximum):
    if value is None:
        raise _required()
    # bool is an int subclass, but true is not a quantity.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(_("Enter a whole number."), code="invalid")
    if value < minimum:
        raise ValidationError(_("Enter a number of at least %(minimum)d.") % {"minimum": minimum}, code="min_value")
    if value > maximum:
        raise ValidationError(_("Enter a number of at most %(maximum)d.") % {"maximum": maximum}, code="max_value")
    return value


def _money(value, currency):
    """A non-negative amount with no more decimal places than the currency has.

    Strings are the exact way to send money in JSON; numbers are accepted
    too, a float by its shortest decimal form (19.99, not its binary value).
    """
    if value is None:
        raise _required()
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValidationError(_("Enter a number."), code="invalid")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(_("Enter a number."), code="invalid") from None
    if not amount.is_finite():
        raise ValidationError(_("Enter a number."), code="invalid")
    if amount < 0:
        raise ValidationError(_("The amount must not be negative."), code="min_value")
    if amount >= MAX_AMOUNT:
        raise ValidationError(_("The amount is too large."), code="max_value")
    if currency is not None and quantize_money(amount, currency) != amount:
        raise ValidationError(
            _("Too many decimal places for %(currency)s.") % {"currency": currency}, code="max_decimal_places"
        )
    return amount


def _currency(value):
    value = _text(value)
    validate_currency(value)
    return value


def _line_id(value, index):
    """The storefront's line id as text, or the line's index when it sends none."""
    if value is None:
        return str(index)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _text(value)


def _points_to_spend(value):
    if value == SPEND_MAX:
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(
            _('Give a whole number of points, at least zero, or "%(max)s".') % {"max": SPEND_MAX},
            code="invalid_choice",
        )
    return value


class _Errors:
    """Collects field errors by path, so one response lists all of them."""

    def __init__(self):
        self.by_path = {}

    def check(self, path, parse, *args, **kwargs):
        """``parse(*args, **kwargs)``, or None with its error recorded under ``path``."""
        try:
            return parse(*args, **kwargs)
        except ValidationError as error:
            self.add(path, error)
            return None

    def add(self, path, error):
        self.by_path.setdefault(path, []).append(error)


def _parse_lines(value, currency, errors):
    if value is None:
        errors.add("lines", _required())
        return ()
    if not isinstance(value, list):
        errors.add("lines", ValidationError(_("Send the lines as a list."), code="invalid"))
        return ()
    if not value:
        errors.add("lines", ValidationError(_("The cart has no lines."), code="empty"))
        return ()
    if len(value) > MAX_LINES:
        errors.add(
            "lines", ValidationError(_("Send at most %(limit)d lines.") % {"limit": MAX_LINES}, code="max_length")
        )
        return ()
    lines = []
    first_index_by_id = {}
    for index, data in enumerate(value):
        path = f"lines[{index}]"
        if not isinstance(data, Mapping):
            errors.add(path, ValidationError(_("Send the line as an object."), code="invalid"))
            continue
        line_id = errors.check(f"{path}.id", _line_id, data.get("id"), index)
        if line_id is not None:
            if line_id in first_index_by_id:
                errors.add(
                    f"{path}.id",
                    ValidationError(
                        _("Line %(first)d has the same id.") % {"first": first_index_by_id[line_id]}, code="duplicate"
                    ),
                )
            first_index_by_id.setdefault(line_id, index)
        line = {
            "id": line_id,
            "sku": errors.check(f"{path}.sku", _text, data.get("sku")),
            "category": errors.check(f"{path}.category", _text, data.get("category"), blank=True),
            "quantity": errors.check(
                f"{path}.quantity", _whole_number, data.get("quantity"), minimum=1, maximum=MAX_QUANTITY
            ),
            "unit_price": errors.check(f"{path}.unit_price", _money, data.get("unit_price"), currency),
        }
        if None not in line.values():
            lines.append(CartLine(**line))
    return tuple(lines)


def _parse_coupon_codes(value, errors):
    if not isinstance(value, list):
        errors.add("coupon_codes", ValidationError(_("Send the coupon codes as a list."), code="invalid"))
        return ()
    codes = []
    for index, raw in enumerate(value):
        path = f"coupon_codes[{index}]"
        code = errors.check(path, _text, raw)
        if code is None:
            continue
        if code in codes:
            errors.add(path, ValidationError(_("This coupon code is already in the cart."), code="duplicate"))
        else:
            codes.append(code)
    return tuple(codes)


def _optional(data, key, default):
    """The value under ``key``; a missing key and null both mean the default."""
    value = data.get(key)
    return default if value is None else value


def cart_from_data(data, *, member):
    """The cart described by ``data`` (decoded JSON from a storefront), for
    ``member`` (None for a guest), or ValidationError with every field error.

    ``data`` has ``currency``, ``lines`` (each with an optional ``id``, a
    ``sku``, an optional ``category``, ``quantity`` and ``unit_price``), and
    optionally ``shipping``, ``coupon_codes`` and ``points_to_spend``. Keys the
    parser does not know are ignored, so storefronts may send more.
    Whether the currency is the program's is the calculation's question: it
    needs the program, and the parser reads no database.
    """
    if not isinstance(data, Mapping):
        raise ValidationError(_("Send the cart as an object."), code="invalid")
    errors = _Errors()
    currency = errors.check("currency", _currency, data.get("currency"))
    lines = _parse_lines(data.get("lines"), currency, errors)
    shipping = errors.check("shipping", _money, _optional(data, "shipping", 0), currency)
    coupon_codes = _parse_coupon_codes(_optional(data, "coupon_codes", []), errors)
    points_to_spend = errors.check("points_to_spend", _points_to_spend, _optional(data, "points_to_spend", 0))
    if not errors.by_path and sum((line.subtotal for line in lines), shipping) >= MAX_AMOUNT:
        # No figure of an order exceeds its lines and shipping, and all of
        # them must fit the order's money columns.
        errors.add("lines", ValidationError(_("The cart's total is too large."), code="max_value"))
    if errors.by_path:
        raise ValidationError(errors.by_path)
    return Cart(
        member=member,
        currency=currency,
        lines=lines,
        shipping=shipping,
        coupon_codes=coupon_codes,
        points_to_spend=points_to_spend,
    )
