"""Checkout calculate over HTTP, and the errors a cart can meet, at calculate
and at place order alike (both parse the cart the same way)."""

import datetime

import pytest

from loyalty.api.checkout import CALCULATION_EXAMPLE, CART_EXAMPLE
from loyalty.models import Entry, Hold, IdempotencyRecord, Order
from loyalty.services import ledger
from members.models import Member

from ..factories import MemberFactory
from .helpers import error_of

pytestmark = pytest.mark.django_db

CALCULATE = "/api/v1/checkout/calculate"
ORDERS = "/api/v1/orders"


def line(price, quantity=1, category="", **fields):
    return {"sku": f"SKU-{price}", "category": category, "quantity": quantity, "unit_price": str(price), **fields}


def cart(member, *lines, **fields):
    """A checkout body: ``member`` is a Member or None for a guest."""
    return {
        "member": None if member is None else member.external_id,
        "currency": "RUB",
        "lines": list(lines),
        **fields,
    }


def give_points(member, points):
    """Points available at once, as a bonus would be."""
    ledger.points_earn(member=member, points=points, pending=False)


class TestCalculate:
    def test_a_member_spends_the_most_the_cap_allows(self, api, member, program):
        give_points(member, 5000)

        response = api.post(
            CALCULATE,
            cart(member, line("1000.00", 2, id="a"), line("500.00", id="b"), points_to_spend="max", shipping="300"),
        )

        assert response.status_code == 200
        body = response.json()
        # 30% of 2500 = 750 points; 1 point per 100 RUB on the 1750 paid in money.
        assert (body["points_max"], body["points_to_spend"], body["points_value"]) == (750, 750, "750.00")
        assert (body["subtotal"], body["shipping"], body["payable_total"]) == ("2500.00", "300.00", "2050.00")
        assert (body["points_earned"], body["points_earned_if_joined"]) == (17, None)
        assert [line["points_applied"] for line in body["lines"]] == [600, 150]
        assert [effect["kind"] for effect in body["effects"]] == ["redemption", "earning"]
        assert body["effects"][0]["source"]["type"] == "program"

    def test_it_writes_nothing(self, api, member, program):
        give_points(member, 5000)
        entries = Entry.objects.count()

        api.post(CALCULATE, cart(member, line("1000.00"), points_to_spend=100))

        assert Entry.objects.count() == entries
        assert not Hold.objects.exists()
        assert not Order.objects.exists()

    def test_a_guest_sees_what_joining_would_earn(self, api, program):
        body = api.post(CALCULATE, cart(None, line("1999.00"), points_to_spend="max")).json()

        assert (body["points_to_spend"], body["points_earned"], body["points_earned_if_joined"]) == (0, 0, 19)
        assert body["lines"][0]["points_earned_if_joined"] == 19

    def test_a_member_without_an_account(self, api, member, program):
        body = api.post(CALCULATE, cart(member, line("100.00"), points_to_spend="max")).json()

        assert (body["points_max"], body["points_earned"]) == (0, 1)

    def test_excluded_categories_neither_earn_nor_take_points(self, api, member, program):
        program.excluded_categories = ["gift_cards"]
        program.save()
        give_points(member, 5000)

        body = api.post(
            CALCULATE, cart(member, line("1000.00"), line("1000.00", category="gift_cards"), points_to_spend="max")
        ).json()

        shoes, gift_card = body["lines"]
        assert (shoes["points_applied"], shoes["points_earned"]) == (300, 7)
        assert (gift_card["points_eligible"], gift_card["points_applied"], gift_card["points_earned"]) == (False, 0, 0)

    def test_unknown_coupons_are_refused_with_a_reason(self, api, member, program):
        body = api.post(CALCULATE, cart(member, line("100.00"), coupon_codes=["SPRING"])).json()

        assert body["coupons"]["refused"] == [
            {"code": "SPRING", "reason": "unknown_coupon", "message": "There is no such coupon."}
        ]

    def test_an_idempotency_key_is_accepted_and_nothing_is_stored(self, api, member, program):
        responses = [api.post(CALCULATE, cart(member, line("100.00")), HTTP_IDEMPOTENCY_KEY="calc-1") for _ in range(2)]

        assert [response.status_code for response in responses] == [200, 200]
        assert not responses[1].has_header("Idempotent-Replayed")
        assert not IdempotencyRecord.objects.exists()


def test_the_documented_example_is_a_real_answer(api, program):
    program.excluded_categories = ["gift_cards"]
    program.save()
    give_points(MemberFactory(external_id="C-1001"), 1000)

    response = api.post(CALCULATE, CART_EXAMPLE)

    assert response.json() == CALCULATION_EXAMPLE


@pytest.fixture(params=["calculate", "place"])
def send(request, api):
    """Post a cart to calculate or, with an order number, to place order: the
    two parse and price a cart alike, so every refusal must be the same."""

    def send(body):
        if request.param == "calculate":
            return api.post(CALCULATE, body)
        return api.post(ORDERS, {"number": "100045", **body})

    return send


class TestRefusedCarts:
    @pytest.fixture(autouse=True)
    def nothing_is_stored(self, db):
        yield
        assert not Order.objects.exists()
        assert not Hold.objects.exists()

    def test_unknown_member(self, send, program):
        response = send({**cart(None, line("100.00")), "member": "nobody"})

        assert response.status_code == 404
        assert error_of(response)["code"] == "member_not_found"

    def test_a_member_that_is_not_an_external_id(self, send, program):
        response = send({**cart(None, line("100.00")), "member": 42})

        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == ["member"]

    def test_not_enough_points(self, send, member, program):
        give_points(member, 100)

        response = send(cart(member, line("1000.00"), points_to_spend=150))

        assert response.status_code == 409
        error = error_of(response)
        assert error["code"] == "insufficient_points"
        assert error["details"] == {"available": 100, "requested": 150}

    def test_above_the_redemption_cap(self, send, member, program):
        give_points(member, 1000)

        response = send(cart(member, line("1000.00"), points_to_spend=301))

        assert response.status_code == 422
        error = error_of(response)
        assert error["code"] == "redemption_cap_exceeded"
        assert error["details"] == {"points_max": 300, "requested": 301}

    def test_below_the_minimum_redemption(self, send, member, program):
        program.min_redemption_points = 100
        program.save()
        give_points(member, 1000)

        response = send(cart(member, line("1000.00"), points_to_spend=50))

        assert response.status_code == 422
        assert error_of(response)["code"] == "below_minimum_redemption"

    def test_a_guest_cannot_pay_with_points(self, send, program):
        response = send(cart(None, line("1000.00"), points_to_spend=10))

        assert response.status_code == 422
        assert error_of(response)["code"] == "member_required"

    def test_a_blocked_member_cannot_pay_with_points(self, send, program):
        member = MemberFactory(status=Member.Status.BLOCKED)

        response = send(cart(member, line("1000.00"), points_to_spend=10))

        assert response.status_code == 409
        assert error_of(response)["code"] == "member_not_active"

    @pytest.mark.parametrize("currency", ["USD", "XYZ"])
    def test_another_currency(self, send, member, program, currency):
        response = send(cart(member, line("100.00"), currency=currency))

        assert response.status_code == 422
        error = error_of(response)
        assert error["code"] == "currency_mismatch"
        assert error["details"] == {"currency": currency, "program_currency": "RUB"}

    @pytest.mark.parametrize(
        ("changes", "fields"),
        [
            ({"lines": []}, ["lines"]),
            ({"lines": None}, ["lines"]),
            ({"lines": [line("100.00", quantity=-1)]}, ["lines[0].quantity"]),
            ({"lines": [line("100.00", quantity=0)]}, ["lines[0].quantity"]),
            ({"lines": [line("100.00", quantity="two")]}, ["lines[0].quantity"]),
            ({"lines": [line("100.00", quantity=1.5)]}, ["lines[0].quantity"]),
            ({"lines": [line("100.00"), line("-5.00")]}, ["lines[1].unit_price"]),
            ({"lines": [line("abc")]}, ["lines[0].unit_price"]),
            ({"lines": [line("NaN")]}, ["lines[0].unit_price"]),
            ({"lines": [line("1.005")]}, ["lines[0].unit_price"]),
            ({"lines": [{"quantity": 1, "unit_price": "5"}]}, ["lines[0].sku"]),
            ({"lines": [line("999999999999.00", 100)]}, ["lines"]),
            ({"lines": [line("999999999999.00")], "shipping": "1.00"}, ["lines"]),
            ({"lines": [line("1", id="a"), line("2", id="a")]}, ["lines[1].id"]),
            ({"shipping": "-1"}, ["shipping"]),
            ({"points_to_spend": -5}, ["points_to_spend"]),
            ({"points_to_spend": "all"}, ["points_to_spend"]),
            ({"currency": "rub"}, ["currency"]),
            ({"currency": None}, ["currency"]),
        ],
    )
    def test_a_malformed_cart(self, send, member, program, changes, fields):
        response = send({**cart(member, line("100.00")), **changes})

        assert response.status_code == 400
        error = error_of(response)
        assert error["code"] == "validation_error"
        assert list(error["fields"]) == fields

    def test_every_bad_field_at_once(self, send, member, program):
        response = send(cart(member, line("-1", quantity=-1), shipping="x"))

        assert set(error_of(response)["fields"]) == {"lines[0].quantity", "lines[0].unit_price", "shipping"}


def test_a_body_that_is_not_an_object(api, program):
    response = api.post(CALCULATE, [1, 2], format="json")

    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["non_field_errors"]


class TestQueryCount:
    """Calculate costs the same queries whatever the cart's size and the
    member's history: the API key, and the member with their account, tier
    and membership (what the checkout steps read of them)."""

    QUERIES = 2

    @pytest.fixture(params=[0, 100], ids=["new-member", "long-history"])
    def member_with_history(self, request, member, program, now):
        give_points(member, 10_000)
        for day in range(request.param):
            ledger.points_earn(member=member, points=5, pending=False, now=now - datetime.timedelta(days=day))
        return member

    @pytest.mark.parametrize("line_count", [1, 50])
    def test_a_member_cart(self, api, member_with_history, django_assert_num_queries, line_count):
        body = cart(
            member_with_history, *[line(f"{100 + i}.00", id=i) for i in range(line_count)], points_to_spend="max"
        )
        api.post(CALCULATE, body)  # records the key's use

        with django_assert_num_queries(self.QUERIES):
            response = api.post(CALCULATE, body)

        assert response.json()["points_to_spend"] > 0

    @pytest.mark.parametrize("line_count", [1, 50])
    def test_a_guest_cart(self, api, program, django_assert_num_queries, line_count):
        body = cart(None, *[line("100.00", id=i) for i in range(line_count)])
        api.post(CALCULATE, body)

        # No member: nothing but the key is read.
        with django_assert_num_queries(self.QUERIES - 1):
            assert api.post(CALCULATE, body).status_code == 200
