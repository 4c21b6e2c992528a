from loyalty.checkout import cart_from_data, checkout_calculate
from loyalty.services import ledger


def line(price, quantity=1, category="", **fields):
    return {"sku": f"SKU-{price}", "category": category, "quantity": quantity, "unit_price": str(price), **fields}


def make_cart(member, *lines, **fields):
    return cart_from_data({"currency": "RUB", "lines": list(lines), **fields}, member=member)


def calculate(member, *lines, **fields):
    return checkout_calculate(cart=make_cart(member, *lines, **fields))


def give_points(member, points):
    """Points available at once, as a bonus would be."""
    ledger.points_earn(member=member, points=points, pending=False)
