"""Prize draws: tickets bought with points or granted by staff, the draw run
by the job (once, however often it runs), a log that reproduces the winners,
prizes paid as coupons, and the API."""

import datetime
import secrets

import pytest
from django.contrib.auth import get_user_model

from loyalty.models import Account, Entry
from loyalty.verification import ledger_mismatches
from rewards.catalog.services import coupon_refund
from rewards.draws.rules import draw_winners, replay
from rewards.draws.services import draw_tickets_buy, draw_tickets_grant, draws_run
from rewards.exceptions import CouponNotRefundable, DrawNotOpen, TicketLimitReached, TicketsNotForSale
from rewards.models import Coupon, DrawEntry, PrizeDraw

from ..api.helpers import error_of
from ..concurrency import run_at_once
from ..factories import MemberFactory
from .catalog_helpers import give_points, make_reward
from .conftest import moscow

pytestmark = pytest.mark.django_db

OPENS, CLOSES, DRAWS = moscow(2026, 3, 1), moscow(2026, 3, 31), moscow(2026, 4, 1)
DURING = moscow(2026, 3, 10)


def make_draw(**fields):
    values = {
        "name_en": "Spring draw",
        "name_ru": "Весенний розыгрыш",
        "entry_cost_points": 50,
        "opens_at": OPENS,
        "closes_at": CLOSES,
        "draw_at": DRAWS,
        "winners_count": 2,
        "prize": make_reward(name_en="Headphones", name_ru="Наушники", is_active=False),
    }
    values.update(fields)
    return PrizeDraw.objects.create(**values)


@pytest.fixture
def draw(program):
    return make_draw()


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(username="staff", is_staff=True)


def available(member):
    return Account.objects.get(member=member).available


def with_tickets(draw, *counts):
    """A new member per count, each with that many tickets bought."""
    members = []
    for count in counts:
        member = MemberFactory()
        give_points(member, 1000)
        draw_tickets_buy(member=member, draw=draw, tickets=count, now=DURING)
        members.append(member)
    return members


class TestTickets:
    def test_tickets_are_paid_with_points(self, draw, member):
        give_points(member, 1000)

        entry = draw_tickets_buy(member=member, draw=draw, tickets=3, now=DURING)

        assert (entry.tickets, available(member)) == (3, 850)
        spend = entry.spend_entry
        assert (spend.kind, spend.points, spend.source, spend.reason) == (
            Entry.Kind.SPEND,
            150,
            draw,
            "Prize draw: Spring draw",
        )
        assert list(ledger_mismatches()) == []

    @pytest.mark.parametrize("moment", [OPENS - datetime.timedelta(seconds=1), CLOSES], ids=["before", "after"])
    def test_only_while_the_draw_is_open(self, draw, member, moment):
        give_points(member, 1000)

        with pytest.raises(DrawNotOpen):
            draw_tickets_buy(member=member, draw=draw, tickets=1, now=moment)

    def test_the_limit_per_member(self, member, program):
        draw = make_draw(max_tickets_per_member=5)
        give_points(member, 1000)
        draw_tickets_buy(member=member, draw=draw, tickets=4, now=DURING)

        with pytest.raises(TicketLimitReached):
            draw_tickets_buy(member=member, draw=draw, tickets=2, now=DURING)
        assert available(member) == 800

    def test_a_draw_for_granted_tickets_only(self, member, program, staff):
        draw = make_draw(entry_cost_points=None)
        give_points(member, 1000)

        with pytest.raises(TicketsNotForSale):
            draw_tickets_buy(member=member, draw=draw, tickets=1, now=DURING)
        entry = draw_tickets_grant(draw=draw, member=member, tickets=2, staff_user=staff, note="Contest winner")

        assert (entry.tickets, entry.staff_user, entry.note, entry.spend_entry) == (2, staff, "Contest winner", None)
        assert available(member) == 1000

    def test_staff_grant_tickets_in_the_admin(self, admin_client, draw, member):
        page = f"/admin/rewards/prizedraw/{draw.pk}/grant-tickets/"
        assert admin_client.get(f"/admin/rewards/prizedraw/{draw.pk}/change/").status_code == 200

        refused = admin_client.post(page, {"member": member.external_id, "tickets": 2, "note": " "})
        assert refused.status_code == 200 and not DrawEntry.objects.exists()

        granted = admin_client.post(page, {"member": member.external_id, "tickets": 2, "note": "Survey prize"})

        assert granted.status_code == 302
        entry = DrawEntry.objects.get()
        assert (entry.member, entry.tickets, entry.note) == (member, 2, "Survey prize")


class TestTheDraw:
    def test_winners_get_the_prize_without_spending_points(self, draw):
        members = with_tickets(draw, 1, 2, 3)

        assert draws_run(now=DRAWS - datetime.timedelta(seconds=1)) == 0
        assert draws_run(now=DRAWS) == 1

        draw.refresh_from_db()
        winners = draw.draw_log["winners"]
        assert len(winners) == len(set(winners)) == 2
        coupons = Coupon.objects.filter(prize_draw=draw)
        assert sorted(coupon.member_id for coupon in coupons) == sorted(winners)
        assert {(coupon.reward, coupon.status, coupon.spend_entry) for coupon in coupons} == {
            (draw.prize, Coupon.Status.ISSUED, None)
        }
        # Only the tickets were paid for.
        assert [available(member) for member in members] == [950, 900, 850]

    def test_a_drawn_draw_never_draws_again(self, draw):
        with_tickets(draw, 1, 1, 1, 1)
        draws_run(now=DRAWS)
        draw.refresh_from_db()
        log = draw.draw_log

        assert draws_run(now=DRAWS + datetime.timedelta(hours=1)) == 0

        draw.refresh_from_db()
        assert draw.draw_log == log
        assert Coupon.objects.filter(prize_draw=draw).count() == 2

    def test_the_log_reproduces_the_winners(self, draw):
        members = with_tickets(draw, 3, 1, 5, 2)
        draws_run(now=DRAWS)
        draw.refresh_from_db()
        log = draw.draw_log

        # The entries in the order of their ids, as stored...
        entries = list(DrawEntry.objects.filter(draw=draw).order_by("pk").values_list("pk", "member_id", "tickets"))
        assert [tuple(entry) for entry in log["entries"]] == entries
        # ...each number drawn from the tickets left, the first from all 11...
        assert log["draws"][0]["tickets_left"] == 11
        assert all(0 <= step["number"] < step["tickets_left"] for step in log["draws"])
        # ...give the winners again.
        assert replay(log) == log["winners"]
        assert set(log["winners"]) <= {member.pk for member in members}

    def test_the_numbers_come_from_secrets(self, draw, monkeypatch):
        first, second, third = with_tickets(draw, 2, 2, 2)
        numbers = iter([5, 0])
        monkeypatch.setattr(secrets, "randbelow", lambda bound: next(numbers))

        draws_run(now=DRAWS)

        draw.refresh_from_db()
        # Ticket 5 of [1st, 1st, 2nd, 2nd, 3rd, 3rd] is the third member's; then
        # ticket 0 of [1st, 1st, 2nd, 2nd].
        assert draw.draw_log["winners"] == [third.pk, first.pk]
        assert draw.draw_log["draws"] == [
            {"tickets_left": 6, "number": 5, "member": third.pk},
            {"tickets_left": 4, "number": 0, "member": first.pk},
        ]

    def test_fewer_members_than_prizes(self, program):
        draw = make_draw(winners_count=5)
        members = with_tickets(draw, 3, 1)

        draws_run(now=DRAWS)

        draw.refresh_from_db()
        assert sorted(draw.draw_log["winners"]) == sorted(member.pk for member in members)

    def test_a_draw_with_no_tickets(self, draw):
        assert draws_run(now=DRAWS) == 1

        draw.refresh_from_db()
        assert (draw.draw_log["winners"], draw.drawn_at) == ([], DRAWS)

    def test_no_tickets_after_the_draw(self, draw, staff):
        (member,) = with_tickets(draw, 1)
        draws_run(now=DRAWS)

        with pytest.raises(DrawNotOpen):
            draw_tickets_grant(draw=draw, member=member, tickets=1, staff_user=staff, note="Late")

    def test_a_prize_is_not_refunded(self, draw, staff):
        with_tickets(draw, 1)
        draws_run(now=DRAWS)

        with pytest.raises(CouponNotRefundable):
            coupon_refund(coupon=Coupon.objects.get(prize_draw=draw), staff_user=staff)


def test_the_rule_is_fair_over_many_draws():
    """Each ticket has the same chance: a member with three tickets of four
    wins a one-prize draw about three times in four."""
    entries = [(1, "a", 3), (2, "b", 1)]

    wins = sum(draw_winners(entries, 1)["winners"] == ["a"] for _ in range(4000))

    assert 2800 < wins < 3200


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_two_jobs_at_once_draw_once(program):
    draw = make_draw()
    with_tickets(draw, 1, 1, 1)

    drawn = run_at_once(lambda index: draws_run(now=DRAWS), count=4)

    assert sum(drawn) == 1
    assert Coupon.objects.filter(prize_draw=draw).count() == 2


class TestApi:
    def test_the_draws_to_show(self, api, draw, program):
        make_draw(name_en="Old", opens_at=OPENS, closes_at=CLOSES, draw_at=DRAWS, is_active=False)
        with_tickets(draw, 2)

        body = api.get("/api/v1/draws", HTTP_ACCEPT_LANGUAGE="ru").json()

        assert [item["name"] for item in body] == ["Весенний розыгрыш"]
        assert (body[0]["ticket_price"], body[0]["tickets_total"], body[0]["prize"]["name"]) == (50, 2, "Наушники")
        assert body[0]["status"] in {"upcoming", "open", "closed"}

    def test_buying_tickets_is_safe_to_retry(self, api, member, program):
        draw = make_draw(opens_at=moscow(2020, 1, 1), closes_at=moscow(2099, 1, 1), draw_at=moscow(2099, 1, 2))
        give_points(member, 1000)
        url = f"/api/v1/members/{member.external_id}/draws/{draw.pk}/tickets"

        first = api.post(url, {"tickets": 2}, HTTP_IDEMPOTENCY_KEY="t-1")
        replay_ = api.post(url, {"tickets": 2}, HTTP_IDEMPOTENCY_KEY="t-1")

        assert first.status_code == 201 and replay_.json() == first.json()
        assert (first.json()["tickets"], first.json()["points"]) == (2, 100)
        assert available(member) == 900
        listed = api.get(f"/api/v1/members/{member.external_id}/draws").json()
        assert [(item["id"], item["member_tickets"], item["prize_coupon"]) for item in listed] == [(draw.pk, 2, None)]

    @pytest.mark.parametrize(
        ("fields", "status", "code"),
        [
            ({}, 409, "draw_not_open"),
            ({"entry_cost_points": None}, 422, "tickets_not_for_sale"),
        ],
    )
    def test_refusals(self, api, member, program, fields, status, code):
        draw = make_draw(**fields)
        give_points(member, 1000)

        response = api.post(f"/api/v1/members/{member.external_id}/draws/{draw.pk}/tickets", {"tickets": 1})

        assert (response.status_code, error_of(response)["code"]) == (status, code)

    def test_errors_speak_the_shoppers_language(self, api, member, draw):
        give_points(member, 1000)

        response = api.post(
            f"/api/v1/members/{member.external_id}/draws/{draw.pk}/tickets", {"tickets": 1}, HTTP_ACCEPT_LANGUAGE="ru"
        )

        assert error_of(response) == {
            "code": "draw_not_open",
            "message": "В этом розыгрыше сейчас нельзя получить билеты.",
            "details": {"draw": draw.pk},
        }

    def test_the_results(self, api, draw):
        members = with_tickets(draw, 1, 1, 1)
        draws_run(now=DRAWS)
        draw.refresh_from_db()
        by_id = {member.pk: member for member in members}

        body = api.get(f"/api/v1/draws/{draw.pk}").json()

        assert body["status"] == "drawn"
        winners = [by_id[member_id].external_id for member_id in draw.draw_log["winners"]]
        assert [winner["member"] for winner in body["winners"]] == winners
        assert replay(body["log"]) == draw.draw_log["winners"]
        winner = by_id[draw.draw_log["winners"][0]]
        mine = api.get(f"/api/v1/members/{winner.external_id}/draws").json()
        assert mine[0]["prize_coupon"]["code"] == Coupon.objects.get(member=winner).code
        assert mine[0]["prize_coupon"]["prize_draw"] == draw.pk

    def test_an_unknown_draw(self, api, program):
        response = api.get("/api/v1/draws/999")

        assert (response.status_code, error_of(response)["code"]) == (404, "draw_not_found")
