"""Returns over HTTP: by lines, by amount, in full; each processed once; and
every way a return can be refused."""

import pytest

from loyalty.models import Entry, Order, OrderReturn, Program
from loyalty.services import ledger

from ..factories import MemberFactory
from .helpers import error_of
from .test_checkout import cart, give_points, line
from .test_orders import ORDERS, order_url

pytestmark = pytest.mark.django_db

NUMBER = "100045"
RETURNS = order_url(NUMBER, "/returns")


@pytest.fixture
def member(program):
    member = MemberFactory(external_id="C-1")
    give_points(member, 1000)
    return member


def place(api, member, *lines, points_to_spend=300, complete=True):
    body = {"number": NUMBER, **cart(member, *lines, points_to_spend=points_to_spend)}
    assert api.post(ORDERS, body).status_code == 201
    if complete:
        assert api.post(order_url(NUMBER, "/complete")).status_code == 200


@pytest.fixture
def completed(api, member):
    """3 x 1000 RUB and 1 x 1000 RUB, 300 points spent (225 + 75), 37 earned (28 + 9)."""
    place(api, member, line("1000.00", 3, id="a"), line("1000.00", id="b"))


def figures(response):
    body = response.json()
    return body["amount"], body["points_clawed_back"], body["points_shortfall"], body["points_refunded"]


class TestReturns:
    def test_by_lines(self, api, completed):
        response = api.post(RETURNS, {"number": "R-1", "lines": [{"line_id": "a", "quantity": 2}]})

        assert response.status_code == 201
        assert response.json() == {
            "number": "R-1",
            "full": False,
            "lines": [{"line_id": "a", "quantity": 2}],
            "amount": "2000.00",
            "points_clawed_back": 18,
            "points_shortfall": 0,
            "points_refunded": 150,
            "created_at": response.json()["created_at"],
            "order": {"number": NUMBER, "status": "partially_returned"},
        }

    def test_by_amount(self, api, completed):
        response = api.post(RETURNS, {"number": "R-1", "amount": "400"})

        assert response.status_code == 201
        assert figures(response) == ("400.00", 2, 0, 29)
        assert response.json()["lines"] is None

    def test_in_full(self, api, member, completed):
        response = api.post(RETURNS, {"number": "R-1", "full": True})

        assert response.status_code == 201
        assert figures(response) == ("4000.00", 37, 0, 300)
        assert response.json()["order"]["status"] == "returned"
        assert ledger_balances(member) == (1000, 0)

    def test_partial_returns_that_add_up_to_the_order(self, api, member, completed):
        requests = [
            {"lines": [{"line_id": "a", "quantity": 1}]},
            {"amount": "333.33"},
            {"lines": [{"line_id": "b", "quantity": 1}, {"line_id": "a", "quantity": 1}]},
            {"amount": "0.01"},
            {"lines": [{"line_id": "a", "quantity": 1}]},
        ]

        answers = [api.post(RETURNS, {"number": f"R-{i}", **body}).json() for i, body in enumerate(requests)]

        assert sum(answer["points_clawed_back"] for answer in answers) == 37
        assert sum(answer["points_refunded"] for answer in answers) == 300
        assert answers[-1]["order"]["status"] == "returned"
        assert ledger_balances(member) == (1000, 0)

    def test_a_guest_order_moves_no_points(self, api, program):
        place(api, None, line("1000.00"), points_to_spend=0)

        response = api.post(RETURNS, {"number": "R-1", "full": True})

        assert response.status_code == 201
        assert figures(response) == ("1000.00", 0, 0, 0)


def ledger_balances(member):
    account = member.points_account
    account.refresh_from_db()
    return account.available, account.pending


class TestProcessedOnce:
    def test_the_same_return_again_answers_the_first(self, api, completed):
        body = {"number": "R-1", "lines": [{"line_id": "a", "quantity": 1}]}
        first = api.post(RETURNS, body)
        again = api.post(RETURNS, body)

        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        assert OrderReturn.objects.count() == 1
        assert Entry.objects.filter(kind=Entry.Kind.CLAWBACK).count() == 1

    def test_the_same_return_in_other_words_is_the_same(self, api, completed):
        api.post(RETURNS, {"number": "R-1", "amount": "10.5"})

        assert api.post(RETURNS, {"number": "R-1", "amount": "10.50"}).status_code == 200

    def test_the_same_number_with_another_body(self, api, completed):
        api.post(RETURNS, {"number": "R-1", "lines": [{"line_id": "a", "quantity": 1}]})

        response = api.post(RETURNS, {"number": "R-1", "lines": [{"line_id": "a", "quantity": 2}]})

        assert response.status_code == 409
        assert error_of(response)["code"] == "return_exists"
        assert OrderReturn.objects.get().amount == 1000

    def test_an_idempotent_replay(self, api, completed):
        body = {"number": "R-1", "full": True}
        first = api.post(RETURNS, body, HTTP_IDEMPOTENCY_KEY="return-1")
        replay = api.post(RETURNS, body, HTTP_IDEMPOTENCY_KEY="return-1")

        assert (first.status_code, replay.status_code) == (201, 201)
        assert replay["Idempotent-Replayed"] == "true"
        assert replay.json() == first.json()

    def test_the_order_lists_its_returns(self, api, completed):
        api.post(RETURNS, {"number": "R-1", "lines": [{"line_id": "b", "quantity": 1}]})
        api.post(RETURNS, {"number": "R-2", "amount": "100.00"})

        returns = api.get(order_url(NUMBER)).json()["returns"]

        assert [(ret["number"], ret["full"], ret["lines"], ret["amount"]) for ret in returns] == [
            ("R-1", False, [{"line_id": "b", "quantity": 1}], "1000.00"),
            ("R-2", False, None, "100.00"),
        ]


class TestRefusals:
    @pytest.mark.parametrize(
        ("body", "details"),
        [
            ({"lines": [{"line_id": "a", "quantity": 4}]}, {"line": "a", "requested": 4, "left": 3}),
            ({"lines": [{"line_id": "z", "quantity": 1}]}, {"line": "z"}),
            ({"amount": "4000.01"}, {"requested": "4000.01", "left": "4000.00"}),
        ],
    )
    def test_more_than_the_order(self, api, completed, body, details):
        response = api.post(RETURNS, {"number": "R-1", **body})

        assert response.status_code == 422
        error = error_of(response)
        assert (error["code"], error["details"]) == ("return_exceeds_order", details)
        assert not OrderReturn.objects.exists()

    def test_more_than_what_is_left(self, api, completed):
        api.post(RETURNS, {"number": "R-1", "lines": [{"line_id": "a", "quantity": 2}]})
        api.post(RETURNS, {"number": "R-2", "amount": "1500.00"})

        by_lines = api.post(RETURNS, {"number": "R-3", "lines": [{"line_id": "a", "quantity": 2}]})
        by_amount = api.post(RETURNS, {"number": "R-3", "amount": "500.01"})

        assert error_of(by_lines)["details"] == {"line": "a", "requested": 2, "left": 1}
        assert error_of(by_amount)["details"] == {"requested": "500.01", "left": "500.00"}
        assert api.post(RETURNS, {"number": "R-3", "amount": "500.00"}).status_code == 201

    def test_anything_after_a_full_return(self, api, completed):
        api.post(RETURNS, {"number": "R-1", "full": True})

        response = api.post(RETURNS, {"number": "R-2", "full": True})

        assert response.status_code == 422
        assert error_of(response)["code"] == "return_exceeds_order"

    def test_an_order_that_was_not_completed(self, api, member):
        place(api, member, line("1000.00", id="a"), complete=False)

        response = api.post(RETURNS, {"number": "R-1", "full": True})

        assert response.status_code == 409
        error = error_of(response)
        assert (error["code"], error["details"]) == ("order_not_completed", {"order": NUMBER, "status": "placed"})

    def test_a_cancelled_order(self, api, member):
        place(api, member, line("1000.00", id="a"), complete=False)
        api.post(order_url(NUMBER, "/cancel"))

        response = api.post(RETURNS, {"number": "R-1", "full": True})

        assert error_of(response)["details"]["status"] == "cancelled"

    def test_an_unknown_order(self, api, program):
        response = api.post(order_url("nothing", "/returns"), {"number": "R-1", "full": True})

        assert response.status_code == 404
        assert error_of(response)["code"] == "order_not_found"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"number": "R-1"}, "non_field_errors"),
            ({"number": "R-1", "full": False}, "non_field_errors"),
            ({"number": "R-1", "full": True, "amount": "10"}, "non_field_errors"),
            ({"number": "R-1", "lines": [{"line_id": "a", "quantity": 1}], "amount": "10"}, "non_field_errors"),
            ({"full": True}, "number"),
            ({"number": "R-1", "lines": []}, "lines"),
            ({"number": "R-1", "lines": [{"line_id": "a", "quantity": 0}]}, "lines"),
            ({"number": "R-1", "lines": [{"line_id": "a", "quantity": -1}]}, "lines"),
            ({"number": "R-1", "lines": [{"line_id": "a", "quantity": 1}, {"line_id": "a", "quantity": 1}]}, "lines"),
            ({"number": "R-1", "amount": "ten"}, "amount"),
            ({"number": "R-1", "amount": "-10"}, "amount"),
            ({"number": "R-1", "amount": "0"}, "amount"),
            ({"number": "R-1", "amount": "1.005"}, "amount"),
            ({"number": "R-1", "amount": "1e30"}, "amount"),
        ],
    )
    def test_malformed_returns(self, api, completed, body, field):
        response = api.post(RETURNS, body)

        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == [field]
        assert Order.objects.get().status == Order.Status.COMPLETED


class TestSpentPoints:
    """Points earned by an order and already spent when it is returned: the
    program's policy decides."""

    @pytest.fixture
    def spent(self, api, member, program):
        program.pending_days = 0
        program.save()
        place(api, member, line("1000.00", id="a"), points_to_spend=0)  # earns 10, available at once
        ledger.points_spend(member=member, points=1005)

    def test_take_what_is_there_and_record_the_shortfall(self, api, member, spent):
        response = api.post(RETURNS, {"number": "R-1", "full": True})

        assert figures(response) == ("1000.00", 5, 5, 0)
        assert ledger_balances(member) == (0, 0)

    def test_allow_a_negative_balance(self, api, member, program, spent):
        program.negative_balance_policy = Program.NegativeBalancePolicy.ALLOW_NEGATIVE
        program.save()

        response = api.post(RETURNS, {"number": "R-1", "full": True})

        assert figures(response) == ("1000.00", 10, 0, 0)
        assert ledger_balances(member) == (-5, 0)
        assert api.get("/api/v1/members/C-1").json()["balances"]["available"] == -5
