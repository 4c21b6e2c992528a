"""Qualifying values over each basis and window, in the program time zone."""

import datetime
from decimal import Decimal

import pytest

from loyalty.models import OrderLine
from loyalty.services import ledger
from rewards.models import TierProgram
from rewards.selectors import qualifying_value

from .conftest import moscow

pytestmark = pytest.mark.django_db


def value_at(member, tier_settings, program, end):
    return qualifying_value(member, tier_settings, program, end=end)


class TestBasis:
    def test_points_are_points_earned_on_orders_not_the_balance(self, member, tier_settings, program, buy, give_back):
        buy(member, "50000", moscow(2026, 2, 1))
        returned = buy(member, "20000", moscow(2026, 2, 2))
        give_back(returned, moscow(2026, 2, 3))
        ledger.points_earn(member=member, points=999, pending=False)  # a bonus, not a purchase
        ledger.points_spend(member=member, points=900)

        assert value_at(member, tier_settings, program, moscow(2026, 3, 1)) == 500

    def test_money_spent_is_net_of_returns(self, member, tier_settings, program, buy, give_back):
        tier_settings.basis = TierProgram.Basis.SPEND
        buy(member, "1500.50", moscow(2026, 2, 1), shipping="300")
        partly = buy(member, "1000", moscow(2026, 2, 2))
        OrderLine.objects.filter(order=partly).update(returned_value=Decimal("400"))

        assert value_at(member, tier_settings, program, moscow(2026, 3, 1)) == Decimal("2100.50")

    def test_orders_fully_returned_do_not_count(self, member, tier_settings, program, buy, give_back):
        tier_settings.basis = TierProgram.Basis.ORDERS
        buy(member, "100", moscow(2026, 2, 1))
        buy(member, "100", moscow(2026, 2, 2))
        give_back(buy(member, "100", moscow(2026, 2, 3)), moscow(2026, 2, 4))

        assert value_at(member, tier_settings, program, moscow(2026, 3, 1)) == 2

    def test_an_orders_basis_upgrades_by_order_count(self, member, tiers, tier_settings, buy):
        tier_settings.basis = TierProgram.Basis.ORDERS
        tier_settings.save()
        tiers["bronze"].threshold = 2
        tiers["bronze"].save()

        buy(member, "100", moscow(2026, 2, 1))
        assert member.tier_status.tier.code == "newcomer"
        buy(member, "100", moscow(2026, 2, 2))
        member.tier_status.refresh_from_db()
        assert member.tier_status.tier.code == "bronze"


class TestWindow:
    def test_lifetime_counts_everything(self, member, tier_settings, program, buy):
        buy(member, "10000", moscow(2019, 5, 1))
        buy(member, "10000", moscow(2026, 5, 1))

        assert value_at(member, tier_settings, program, moscow(2026, 6, 1)) == 200

    def test_a_calendar_year_starts_at_local_midnight(self, member, tier_settings, program, buy):
        tier_settings.window = TierProgram.Window.CALENDAR_YEAR
        buy(member, "10000", moscow(2025, 12, 31, hour=23))
        # 1 January 01:00 in Moscow is still 31 December in UTC: it counts for 2026.
        buy(member, "20000", moscow(2026, 1, 1, hour=1))

        assert value_at(member, tier_settings, program, moscow(2026, 3, 1)) == 200
        assert value_at(member, tier_settings, program, moscow(2025, 12, 31, hour=23)) == 100

    def test_a_rolling_window_counts_the_last_months(self, member, tier_settings, program, buy):
        tier_settings.window = TierProgram.Window.ROLLING_MONTHS
        tier_settings.window_months = 3
        buy(member, "10000", moscow(2026, 2, 28))
        buy(member, "20000", moscow(2026, 3, 2))

        assert value_at(member, tier_settings, program, moscow(2026, 6, 1)) == 200
        assert value_at(member, tier_settings, program, moscow(2026, 6, 1) - datetime.timedelta(days=40)) == 300
