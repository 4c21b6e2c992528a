"""Orders over HTTP as a storefront drives them: place, read, complete,
cancel; idempotent replays, sequential and concurrent; holds that time out;
query counts."""

import datetime

import pytest
from django.utils import timezone

from loyalty.api.checkout import CART_EXAMPLE
from loyalty.api.orders import ORDER_EXAMPLE, RETURN_EXAMPLE
from loyalty.models import Entry, Hold, Order
from loyalty.services import ledger, ledger_jobs
from loyalty.services.storefronts import api_key_create
from loyalty.verification import ledger_mismatches
from members.models import Member

from ..concurrency import run_at_once
from ..factories import MemberFactory, StorefrontFactory
from .helpers import client_for, error_of
from .test_checkout import CALCULATE, ORDERS, cart, give_points, line

pytestmark = pytest.mark.django_db


def order_url(number, action=""):
    return f"{ORDERS}/{number}{action}"


def balances(api, external_id):
    return api.get(f"/api/v1/members/{external_id}").json()["balances"]


def held_pending_available(api, external_id):
    body = balances(api, external_id)
    return body["available"], body["pending"], body["held"]


def kinds(order_body):
    return [entry["kind"] for entry in order_body["entries"]]


# 2 x 1500 + 1000 RUB, 600 points spent (450 + 150 by amount), 34 points
# earned on the 3400 paid in money (26 + 8 by what is paid), shipping 300.
SHOES = line("1500.00", 2, category="shoes", id="a")
SOCKS = line("1000.00", 1, category="socks", id="b")


def order_body(member, number="100045", **fields):
    return {"number": number, **cart(member, SHOES, SOCKS, shipping="300.00", points_to_spend=600), **fields}


@pytest.fixture
def shopper(api, program):
    """A member enrolled over the API, with 1000 points to spend."""
    assert api.put("/api/v1/members/C-1", {"email": "anna@example.com"}).status_code == 201
    member = Member.objects.get(external_id="C-1")
    give_points(member, 1000)
    return member


def test_the_whole_flow(api, shopper):
    calculation = api.post(CALCULATE, order_body(shopper)).json()
    assert (calculation["payable_total"], calculation["points_to_spend"], calculation["points_earned"]) == (
        "3700.00",
        600,
        34,
    )

    placed = api.post(ORDERS, order_body(shopper, expected_payable_total=calculation["payable_total"]))
    assert placed.status_code == 201
    assert placed.json()["status"] == "placed"
    assert placed.json()["calculation"] == calculation
    assert held_pending_available(api, "C-1") == (400, 0, 600)

    completed = api.post(order_url("100045", "/complete"))
    assert completed.status_code == 200
    assert completed.json()["status"] == "completed"
    assert held_pending_available(api, "C-1") == (400, 34, 0)

    order = api.get(order_url("100045")).json()
    assert kinds(order) == ["hold", "capture", "earn"]
    assert [(entry["points"], entry["deltas"]) for entry in order["entries"]] == [
        (0, {"available": -600, "pending": 0, "held": 600}),
        (-600, {"available": 0, "pending": 0, "held": -600}),
        (34, {"available": 0, "pending": 34, "held": 0}),
    ]
    assert [(line["id"], line["points_applied"], line["points_earned"]) for line in order["lines"]] == [
        ("a", 450, 26),
        ("b", 150, 8),
    ]
    assert order["hold"]["status"] == "captured"

    by_lines = api.post(order_url("100045", "/returns"), {"number": "R-1", "lines": [{"line_id": "a", "quantity": 1}]})
    assert by_lines.status_code == 201
    assert by_lines.json()["amount"] == "1500.00"
    assert (by_lines.json()["points_clawed_back"], by_lines.json()["points_refunded"]) == (13, 225)
    assert by_lines.json()["order"] == {"number": "100045", "status": "partially_returned"}
    assert held_pending_available(api, "C-1") == (625, 21, 0)

    by_amount = api.post(order_url("100045", "/returns"), {"number": "R-2", "amount": "500.00"})
    assert by_amount.status_code == 201
    assert (by_amount.json()["points_clawed_back"], by_amount.json()["points_refunded"]) == (3, 75)
    assert held_pending_available(api, "C-1") == (700, 18, 0)

    rest = api.post(order_url("100045", "/returns"), {"number": "R-3", "full": True})
    assert rest.status_code == 201
    assert (rest.json()["points_clawed_back"], rest.json()["points_refunded"]) == (18, 300)
    assert rest.json()["order"]["status"] == "returned"
    # Everything spent came back, everything earned went away.
    assert held_pending_available(api, "C-1") == (1000, 0, 0)

    order = api.get(order_url("100045")).json()
    assert kinds(order) == ["hold", "capture", "earn"] + ["clawback", "refund"] * 3
    assert [ret["number"] for ret in order["returns"]] == ["R-1", "R-2", "R-3"]
    assert [(line["returned_quantity"], line["returned_value"]) for line in order["lines"]] == [
        (2, "3000.00"),
        (1, "1000.00"),
    ]
    assert list(ledger_mismatches()) == []


def masked(data):
    """``data`` without what differs on every run: moments and numeric ids."""
    if isinstance(data, list):
        return [masked(item) for item in data]
    if isinstance(data, dict):
        return {
            key: "<moment>" if key.endswith("_at") and value is not None else masked(value)
            for key, value in data.items()
            if not (key == "id" and isinstance(value, int))
        }
    return data


def test_the_documented_examples_are_real_answers(api, program):
    program.excluded_categories = ["gift_cards"]
    program.save()
    give_points(MemberFactory(external_id="C-1001"), 1000)

    api.post(ORDERS, {"number": "100045", **CART_EXAMPLE, "expected_payable_total": "10280.00"})
    order = api.post(order_url("100045", "/complete")).json()
    returned = api.post(order_url("100045", "/returns"), {"number": "R-7", "lines": [{"line_id": "1", "quantity": 1}]})

    assert masked(order) == masked(ORDER_EXAMPLE)
    assert masked(returned.json()) == masked(RETURN_EXAMPLE)


class TestPlace:
    def test_the_order_as_stored(self, api, shopper, storefront):
        body = api.post(ORDERS, order_body(shopper)).json()

        assert body["member"] == "C-1"
        assert (body["subtotal"], body["shipping"], body["payable_total"]) == ("4000.00", "300.00", "3700.00")
        assert (body["points_spent"], body["points_value"], body["points_earned"]) == (600, "600.00", 34)
        assert body["hold"]["points"] == 600
        assert kinds(body) == ["hold"]
        hold = Entry.objects.get(kind=Entry.Kind.HOLD)
        assert (hold.storefront, hold.order.number) == (storefront, "100045")

    def test_a_guest_order_holds_nothing(self, api, program):
        response = api.post(ORDERS, {"number": "G-1", **cart(None, line("1000.00"))})

        assert response.status_code == 201
        body = response.json()
        assert (body["member"], body["hold"], body["points_earned"], body["entries"]) == (None, None, 0, [])

    def test_placing_the_same_order_again_answers_it(self, api, shopper):
        first = api.post(ORDERS, order_body(shopper))
        again = api.post(ORDERS, order_body(shopper))

        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        assert Hold.objects.count() == 1

    def test_the_same_number_with_another_cart(self, api, shopper):
        api.post(ORDERS, order_body(shopper))

        response = api.post(ORDERS, {**order_body(shopper), "points_to_spend": 100})

        assert response.status_code == 409
        assert error_of(response) == {
            "code": "order_exists",
            "message": "An order with this number was already placed with a different cart.",
            "details": {"order": "100045"},
        }
        assert Hold.objects.get().points == 600

    def test_a_changed_price_is_refused_with_the_new_calculation_and_nothing_is_stored(self, api, shopper):
        entries = Entry.objects.count()

        response = api.post(ORDERS, order_body(shopper, expected_payable_total="3900.00"))

        assert response.status_code == 409
        error = error_of(response)
        assert error["code"] == "price_changed"
        assert (error["details"]["expected"], error["details"]["payable_total"]) == ("3900.00", "3700.00")
        assert error["details"]["calculation"] == api.post(CALCULATE, order_body(shopper)).json()
        assert not Order.objects.exists()
        assert not Hold.objects.exists()
        assert Entry.objects.count() == entries
        assert held_pending_available(api, "C-1") == (1000, 0, 0)

    @pytest.mark.parametrize("expected", ["3700", "3700.00", 3700])
    def test_the_expected_total_in_any_notation(self, api, shopper, expected):
        assert api.post(ORDERS, order_body(shopper, expected_payable_total=expected)).status_code == 201

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"number": None}, "number"),
            ({"number": ""}, "number"),
            ({"number": "x" * 65}, "number"),
            ({"expected_payable_total": "about 3700"}, "expected_payable_total"),
            ({"expected_payable_total": "1e30"}, "expected_payable_total"),
        ],
    )
    def test_order_fields(self, api, shopper, changes, field):
        response = api.post(ORDERS, {**order_body(shopper), **changes})

        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == [field]
        assert not Order.objects.exists()

    def test_numbers_belong_to_their_storefront(self, api, shopper):
        other = client_for(api_key_create(storefront=StorefrontFactory(), name="App")[1])

        responses = [client.post(ORDERS, order_body(shopper, points_to_spend=0)) for client in (api, other)]

        assert [response.status_code for response in responses] == [201, 201]
        assert Order.objects.filter(number="100045").count() == 2


class TestRead:
    def test_unknown_order(self, api, program):
        response = api.get(order_url("nothing"))

        assert response.status_code == 404
        assert error_of(response)["code"] == "order_not_found"

    @pytest.mark.parametrize(("method", "action"), [("get", ""), ("post", "/complete"), ("post", "/cancel")])
    def test_another_storefronts_order_is_not_found(self, api, shopper, method, action):
        other = client_for(api_key_create(storefront=StorefrontFactory(), name="App")[1])
        api.post(ORDERS, order_body(shopper))

        response = getattr(other, method)(order_url("100045", action))

        assert response.status_code == 404
        assert error_of(response)["code"] == "order_not_found"
        assert Order.objects.get().status == Order.Status.PLACED

    @pytest.mark.parametrize("line_count", [1, 50])
    def test_a_fixed_number_of_queries(self, api, shopper, django_assert_num_queries, line_count):
        lines = [line("100.00", 2, id=i) for i in range(line_count)]
        api.post(ORDERS, {"number": "100045", **cart(shopper, *lines, points_to_spend="max")})
        api.post(order_url("100045", "/complete"))
        api.post(order_url("100045", "/returns"), {"number": "R-1", "lines": [{"line_id": "0", "quantity": 1}]})
        api.post(order_url("100045", "/returns"), {"number": "R-2", "amount": "50.00"})

        # The key, the order with its member and hold, its lines, returns and entries.
        with django_assert_num_queries(5):
            body = api.get(order_url("100045")).json()

        assert (len(body["lines"]), len(body["returns"])) == (line_count, 2)
        assert len(body["entries"]) == Entry.objects.filter(order__number="100045").count() > 3


class TestCompleteAndCancel:
    @pytest.fixture
    def placed(self, api, shopper):
        assert api.post(ORDERS, order_body(shopper)).status_code == 201
        return "100045"

    def test_completing_twice_captures_and_earns_once(self, api, placed):
        first = api.post(order_url(placed, "/complete"))
        again = api.post(order_url(placed, "/complete"))

        assert (first.status_code, again.status_code) == (200, 200)
        assert again.json() == first.json()
        assert kinds(again.json()) == ["hold", "capture", "earn"]

    def test_cancel_releases_the_points(self, api, placed):
        response = api.post(order_url(placed, "/cancel"))

        assert response.status_code == 200
        body = response.json()
        assert (body["status"], body["hold"]["status"]) == ("cancelled", "released")
        assert body["cancelled_at"] is not None
        assert kinds(body) == ["hold", "release"]
        assert held_pending_available(api, "C-1") == (1000, 0, 0)

    def test_cancelling_twice_releases_once(self, api, placed):
        api.post(order_url(placed, "/cancel"))

        response = api.post(order_url(placed, "/cancel"))

        assert response.status_code == 200
        assert kinds(response.json()) == ["hold", "release"]

    def test_a_completed_order_cannot_be_cancelled(self, api, placed):
        api.post(order_url(placed, "/complete"))

        response = api.post(order_url(placed, "/cancel"))

        assert response.status_code == 409
        error = error_of(response)
        assert error["code"] == "order_state_conflict"
        assert error["details"] == {"order": placed, "status": "completed"}
        assert held_pending_available(api, "C-1") == (400, 34, 0)

    def test_a_cancelled_order_cannot_be_completed(self, api, placed):
        api.post(order_url(placed, "/cancel"))

        response = api.post(order_url(placed, "/complete"))

        assert response.status_code == 409
        assert error_of(response)["details"] == {"order": placed, "status": "cancelled"}
        assert held_pending_available(api, "C-1") == (1000, 0, 0)

    def test_unknown_order(self, api, program):
        assert api.post(order_url("nothing", "/complete")).status_code == 404


class TestHoldTimeout:
    def test_a_hold_nobody_completed_is_released_and_the_order_cannot_complete(self, api, shopper, program):
        api.post(ORDERS, order_body(shopper))
        after_timeout = timezone.now() + datetime.timedelta(minutes=program.hold_timeout_minutes + 1)

        assert ledger_jobs.release_stale_holds(now=after_timeout) == 1
        response = api.post(order_url("100045", "/complete"))

        assert response.status_code == 409
        assert error_of(response)["code"] == "hold_not_active"
        assert held_pending_available(api, "C-1") == (1000, 0, 0)
        order = api.get(order_url("100045")).json()
        assert (order["status"], order["hold"]["status"]) == ("placed", "released")
        assert kinds(order) == ["hold", "release"]
        assert order["entries"][1]["reason"] == Entry.RELEASE_REASON_TIMEOUT

    def test_the_order_can_still_be_cancelled(self, api, shopper, program):
        api.post(ORDERS, order_body(shopper))
        ledger_jobs.release_stale_holds(now=timezone.now() + datetime.timedelta(minutes=program.hold_timeout_minutes))

        response = api.post(order_url("100045", "/cancel"))

        assert response.status_code == 200
        assert kinds(response.json()) == ["hold", "release"]
        assert held_pending_available(api, "C-1") == (1000, 0, 0)


def post(client, path, body=None, key=None):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post(path, body, format="json", **headers)


class TestIdempotentReplays:
    def test_a_replayed_place_returns_the_first_answer(self, api, shopper):
        first = post(api, ORDERS, order_body(shopper), key="place-1")
        replay = post(api, ORDERS, order_body(shopper), key="place-1")

        assert (first.status_code, replay.status_code) == (201, 201)
        assert replay.json() == first.json()
        assert replay["Idempotent-Replayed"] == "true"
        assert (Hold.objects.count(), Entry.objects.filter(kind=Entry.Kind.HOLD).count()) == (1, 1)

    def test_a_replayed_complete_returns_the_first_answer(self, api, shopper):
        post(api, ORDERS, order_body(shopper))
        first = post(api, order_url("100045", "/complete"), key="complete-1")
        replay = post(api, order_url("100045", "/complete"), key="complete-1")

        assert replay.json() == first.json()
        assert replay["Idempotent-Replayed"] == "true"
        assert Entry.objects.filter(kind__in=[Entry.Kind.CAPTURE, Entry.Kind.EARN], order__isnull=False).count() == 2

    def test_a_refusal_is_replayed_too(self, api, shopper):
        first = post(api, ORDERS, order_body(shopper, expected_payable_total="1.00"), key="place-1")
        replay = post(api, ORDERS, order_body(shopper, expected_payable_total="1.00"), key="place-1")

        assert first.status_code == replay.status_code == 409
        assert replay.json() == first.json()
        assert replay["Idempotent-Replayed"] == "true"
        assert not Order.objects.exists()

    def test_the_same_key_with_another_cart_is_refused(self, api, shopper):
        post(api, ORDERS, order_body(shopper), key="place-1")

        response = post(api, ORDERS, order_body(shopper, number="100046"), key="place-1")

        assert response.status_code == 422
        assert error_of(response)["code"] == "idempotency_key_reused"
        assert Order.objects.count() == 1

    def test_the_same_key_on_another_order_is_refused(self, api, shopper):
        post(api, ORDERS, order_body(shopper))
        post(api, ORDERS, order_body(shopper, number="100046", points_to_spend=0))
        post(api, order_url("100045", "/complete"), key="complete-1")

        response = post(api, order_url("100046", "/complete"), key="complete-1")

        assert error_of(response)["code"] == "idempotency_key_reused"
        assert Order.objects.get(number="100046").status == Order.Status.PLACED


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
class TestConcurrentReplays:
    @pytest.fixture
    def member(self, program):
        member = MemberFactory(external_id="C-1")
        give_points(member, 1000)
        return member

    @pytest.mark.parametrize(
        "key_of",
        [lambda index: "place-1", lambda index: f"place-{index}", lambda index: None],
        ids=["same-key", "own-keys", "no-key"],
    )
    def test_concurrent_places_create_one_order_and_one_hold(self, key, member, key_of):
        responses = run_at_once(lambda index: post(client_for(key), ORDERS, order_body(member), key=key_of(index)))

        # One request placed the order; the others answer it as placed before
        # (200), or replay the first answer (201, Idempotent-Replayed) under its key.
        first_answers = [
            response
            for response in responses
            if response.status_code == 201 and not response.has_header("Idempotent-Replayed")
        ]
        assert len(first_answers) == 1
        assert {response.status_code for response in responses} <= {200, 201}
        assert len({response.json()["number"] for response in responses}) == 1
        assert Order.objects.count() == 1
        assert Hold.objects.count() == 1
        assert Entry.objects.filter(kind=Entry.Kind.HOLD).count() == 1
        assert list(ledger_mismatches()) == []

    @pytest.mark.parametrize("key_of", [lambda index: "complete-1", lambda index: None], ids=["same-key", "no-key"])
    def test_concurrent_completes_capture_and_earn_once(self, key, member, key_of):
        post(client_for(key), ORDERS, order_body(member))

        responses = run_at_once(
            lambda index: post(client_for(key), order_url("100045", "/complete"), key=key_of(index))
        )

        assert {response.status_code for response in responses} == {200}
        assert {response.json()["status"] for response in responses} == {"completed"}
        assert Entry.objects.filter(kind=Entry.Kind.CAPTURE).count() == 1
        assert Entry.objects.filter(kind=Entry.Kind.EARN, order__isnull=False).count() == 1
        assert list(ledger_mismatches()) == []

    def test_concurrent_places_of_different_orders_never_overspend(self, key, member):
        """1000 points, eight orders that each want 300: three get them."""
        responses = run_at_once(
            lambda index: post(
                client_for(key), ORDERS, {"number": f"O-{index}", **cart(member, line("1000.00"), points_to_spend=300)}
            )
        )

        assert sorted(response.status_code for response in responses) == [201] * 3 + [409] * 5
        assert Hold.objects.count() == 3
        assert list(ledger_mismatches()) == []


class TestQueryCount:
    """Place and complete cost the same queries whatever the cart's size and
    the member's history."""

    PLACE = 17
    COMPLETE = 19
    MEMBER_READ = 3

    @pytest.fixture(params=[0, 100], ids=["new-member", "long-history"])
    def member(self, request, api, program):
        member = MemberFactory(external_id="C-1")
        give_points(member, 10_000)
        start = timezone.now() - datetime.timedelta(days=request.param)
        for day in range(request.param):
            ledger.points_earn(member=member, points=5, pending=False, now=start + datetime.timedelta(days=day))
        api.get("/api/v1/members/C-1")  # records the key's use
        return member

    def place(self, api, member, line_count, number="100045"):
        lines = [line(f"{100 + i}.00", 2, id=i) for i in range(line_count)]
        return post(api, ORDERS, {"number": number, **cart(member, *lines, points_to_spend="max")})

    @pytest.mark.parametrize("line_count", [1, 50])
    def test_place(self, api, member, django_assert_num_queries, line_count):
        with django_assert_num_queries(self.PLACE):
            response = self.place(api, member, line_count)

        assert response.status_code == 201

    @pytest.mark.parametrize("line_count", [1, 50])
    def test_complete(self, api, member, django_assert_num_queries, line_count):
        self.place(api, member, line_count)

        with django_assert_num_queries(self.COMPLETE):
            response = post(api, order_url("100045", "/complete"))

        assert response.json()["status"] == "completed"

    def test_member_read_after_orders(self, api, member, django_assert_num_queries):
        for number in range(3):
            self.place(api, member, 5, number=str(number))
            post(api, order_url(str(number), "/complete"))

        with django_assert_num_queries(self.MEMBER_READ):
            assert api.get("/api/v1/members/C-1").status_code == 200
