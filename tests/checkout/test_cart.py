"""The cart parser: untrusted JSON in, a Cart or field errors by path out."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from loyalty.checkout import SPEND_MAX, Cart, CartLine, cart_from_data


def valid_data(**changes):
    data = {
        "currency": "RUB",
        "lines": [
            {"id": "a", "sku": "SHOE-1", "category": "shoes", "quantity": 2, "unit_price": "1999.90"},
            {"id": "b", "sku": "SOCK-1", "category": "socks", "quantity": 1, "unit_price": "150"},
            {"id": "c", "sku": "HAT-1", "quantity": 1, "unit_price": "700.00"},
        ],
        "shipping": "300.00",
        "coupon_codes": ["SPRING"],
        "points_to_spend": 100,
    }
    data.update(changes)
    return data


def with_line_field(index, field, value):
    data = valid_data()
    data["lines"][index][field] = value
    return data


def without_line_field(index, field):
    data = valid_data()
    del data["lines"][index][field]
    return data


def errors_of(data):
    with pytest.raises(ValidationError) as caught:
        cart_from_data(data, member=None)
    return {path: [error.code for error in errors] for path, errors in caught.value.error_dict.items()}


def test_a_valid_cart():
    cart = cart_from_data(valid_data(), member=None)

    assert cart == Cart(
        member=None,
        currency="RUB",
        lines=(
            CartLine(id="a", sku="SHOE-1", category="shoes", quantity=2, unit_price=Decimal("1999.90")),
            CartLine(id="b", sku="SOCK-1", category="socks", quantity=1, unit_price=Decimal("150")),
            CartLine(id="c", sku="HAT-1", category="", quantity=1, unit_price=Decimal("700.00")),
        ),
        shipping=Decimal("300.00"),
        coupon_codes=("SPRING",),
        points_to_spend=100,
    )
    assert cart.lines[0].subtotal == Decimal("3999.80")


def test_optional_fields_have_defaults_and_lines_without_ids_are_numbered():
    cart = cart_from_data(
        {
            "currency": "RUB",
            "lines": [{"sku": "A", "quantity": 1, "unit_price": 10}, {"sku": "B", "quantity": 1, "unit_price": 19.99}],
        },
        member=None,
    )

    assert [line.id for line in cart.lines] == ["0", "1"]
    assert cart.lines[1].unit_price == Decimal("19.99")
    assert (cart.shipping, cart.coupon_codes, cart.points_to_spend) == (Decimal(0), (), 0)


def test_numeric_line_ids_become_text_and_max_is_kept():
    data = valid_data(points_to_spend=SPEND_MAX)
    data["lines"][0]["id"] = 17

    cart = cart_from_data(data, member=None)

    assert cart.lines[0].id == "17"
    assert cart.points_to_spend == SPEND_MAX


def test_a_currency_without_minor_units_takes_no_decimals():
    data = valid_data(currency="JPY", shipping="0")
    for line in data["lines"]:
        line["unit_price"] = "1500"
    data["lines"][1]["unit_price"] = "1500.5"

    assert errors_of(data) == {"lines[1].unit_price": ["max_decimal_places"]}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (with_line_field(2, "quantity", 0), {"lines[2].quantity": ["min_value"]}),
        (with_line_field(2, "quantity", -3), {"lines[2].quantity": ["min_value"]}),
        (with_line_field(1, "quantity", 1.5), {"lines[1].quantity": ["invalid"]}),
        (with_line_field(1, "quantity", "2"), {"lines[1].quantity": ["invalid"]}),
        (with_line_field(1, "quantity", True), {"lines[1].quantity": ["invalid"]}),
        (with_line_field(1, "quantity", 10**9), {"lines[1].quantity": ["max_value"]}),
        (without_line_field(0, "quantity"), {"lines[0].quantity": ["required"]}),
        (with_line_field(0, "unit_price", "-0.01"), {"lines[0].unit_price": ["min_value"]}),
        (with_line_field(0, "unit_price", "ten"), {"lines[0].unit_price": ["invalid"]}),
        (with_line_field(0, "unit_price", "NaN"), {"lines[0].unit_price": ["invalid"]}),
        (with_line_field(0, "unit_price", "Infinity"), {"lines[0].unit_price": ["invalid"]}),
        (with_line_field(0, "unit_price", [1]), {"lines[0].unit_price": ["invalid"]}),
        (with_line_field(0, "unit_price", "19.999"), {"lines[0].unit_price": ["max_decimal_places"]}),
        (with_line_field(0, "unit_price", "1e15"), {"lines[0].unit_price": ["max_value"]}),
        (without_line_field(0, "unit_price"), {"lines[0].unit_price": ["required"]}),
        (with_line_field(0, "sku", "  "), {"lines[0].sku": ["blank"]}),
        (with_line_field(0, "sku", 12), {"lines[0].sku": ["invalid"]}),
        (with_line_field(0, "sku", "X" * 65), {"lines[0].sku": ["max_length"]}),
        (with_line_field(0, "category", 5), {"lines[0].category": ["invalid"]}),
        (with_line_field(1, "id", "a"), {"lines[1].id": ["duplicate"]}),
        (with_line_field(1, "id", True), {"lines[1].id": ["invalid"]}),
        (valid_data(lines=[]), {"lines": ["empty"]}),
        (valid_data(lines={"sku": "A"}), {"lines": ["invalid"]}),
        (valid_data(lines=None), {"lines": ["required"]}),
        (valid_data(lines=["A"]), {"lines[0]": ["invalid"]}),
        (valid_data(currency="rub"), {"currency": ["invalid_currency"]}),
        (valid_data(currency=None), {"currency": ["required"]}),
        (valid_data(shipping="-1"), {"shipping": ["min_value"]}),
        (valid_data(shipping="3.505"), {"shipping": ["max_decimal_places"]}),
        (valid_data(points_to_spend="all"), {"points_to_spend": ["invalid_choice"]}),
        (valid_data(points_to_spend=-1), {"points_to_spend": ["invalid_choice"]}),
        (valid_data(points_to_spend=2.5), {"points_to_spend": ["invalid_choice"]}),
        (valid_data(points_to_spend="100"), {"points_to_spend": ["invalid_choice"]}),
        (valid_data(coupon_codes="SPRING"), {"coupon_codes": ["invalid"]}),
        (valid_data(coupon_codes=["SPRING", ""]), {"coupon_codes[1]": ["blank"]}),
        (valid_data(coupon_codes=["SPRING", "SPRING"]), {"coupon_codes[1]": ["duplicate"]}),
    ],
)
def test_malformed_carts_get_an_error_on_the_field(data, expected):
    assert errors_of(data) == expected


def test_every_bad_field_is_reported_at_once():
    data = valid_data(currency="R", points_to_spend="lots")
    data["lines"][0]["quantity"] = 0
    data["lines"][2]["unit_price"] = "-5"

    assert errors_of(data) == {
        "currency": ["invalid_currency"],
        "lines[0].quantity": ["min_value"],
        "lines[2].unit_price": ["min_value"],
        "points_to_spend": ["invalid_choice"],
    }


def test_too_many_lines_are_refused():
    data = valid_data(lines=[{"sku": "A", "quantity": 1, "unit_price": "1"}] * 1001)

    assert errors_of(data) == {"lines": ["max_length"]}


def test_a_cart_that_is_not_an_object_is_refused():
    with pytest.raises(ValidationError) as caught:
        cart_from_data(["not", "a", "cart"], member=None)
    assert caught.value.code == "invalid"
