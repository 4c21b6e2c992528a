"""The cabinet's pages as a signed-in shopper sees them: balances and their
value, expiring points, tier progress, the card, the history in words,
orders, rewards and coupons, gifts."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.models import Account, Entry, Program
from loyalty.services import ledger
from members.cabinet.numbers import member_id_from_number, member_number
from rewards.catalog.services import reward_redeem
from rewards.models import Coupon, MemberTier, Tier
from tests.cabinet_support import earn, sign_in

from .helpers import make_reward

pytestmark = pytest.mark.django_db


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


class TestDashboard:
    def test_balances_with_their_money_value(self, shopper_client, shopper, program, make_order):
        program.point_value = Decimal("0.5")
        program.save()
        earn(shopper, 1250)
        ledger.points_earn(member=shopper, points=80, order=make_order(shopper))  # pending
        ledger.hold_reserve(member=shopper, points=50)

        page = text(shopper_client.get("/account/"))

        assert "1,200" in page and "worth 600 ₽" in page  # available after the hold
        assert "worth 40 ₽" in page  # pending
        assert "worth 25 ₽" in page  # reserved

    def test_points_expiring_soon_are_a_warning_with_dates(self, shopper_client, shopper, program):
        now = timezone.now()
        ledger.points_earn(member=shopper, points=70, pending=False, now=now - datetime.timedelta(days=350))
        page = text(shopper_client.get("/account/"))
        assert "Points expiring soon" in page
        assert "panel warning" in page
        assert "70 points" in page

    def test_no_warning_when_nothing_expires_soon(self, shopper_client, shopper, program):
        earn(shopper, 70)
        assert "Points expiring soon" not in text(shopper_client.get("/account/"))

    def test_tier_progress(self, shopper_client, shopper, program, make_order):
        order = make_order(shopper)
        ledger.points_earn(member=shopper, points=400, order=order, pending=False)
        order.status = order.Status.COMPLETED
        order.completed_at = timezone.now() - datetime.timedelta(minutes=1)
        order.save()
        MemberTier.objects.create(member=shopper, tier=Tier.objects.get(code="newcomer"))
        page = text(shopper_client.get("/account/"))
        assert "Your tier" in page and "Newcomer" in page
        assert "<progress" in page
        assert "601 points more to reach Bronze" in page  # the demo tiers: Bronze from 1001 points

    def test_virtual_card_with_a_qr_code_drawn_on_the_server(self, shopper_client, shopper):
        page = shopper_client.get("/account/card/").content.decode()
        number = member_number(shopper)
        assert member_id_from_number(number) == shopper.pk
        assert "<svg" in page and 'role="img"' in page
        assert " ".join([number[:4], number[4:8], number[8:]]) in page

    def test_member_numbers_catch_typos(self, shopper):
        number = member_number(shopper)
        typo = number[:-2] + number[-1] + number[-2]
        assert member_id_from_number(typo) is None or typo == number
        assert member_id_from_number(number[:-1] + str((int(number[-1]) + 1) % 10)) is None


class TestHistory:
    def test_every_entry_explained_in_words(
        self, shopper_client, shopper, other_shopper, program, make_order, admin_user
    ):
        order = make_order(shopper, number="1234")
        ledger.points_earn(member=shopper, points=100, order=order, pending=False)
        ledger.points_clawback(member=shopper, order=order, points=30)
        spend_order = make_order(shopper, number="5678")
        hold = ledger.hold_reserve(member=shopper, points=20, order=spend_order)
        ledger.hold_capture(hold=hold)
        ledger.points_refund(member=shopper, order=spend_order, points=20)
        ledger.points_adjust(member=shopper, points=15, staff_user=admin_user, reason="Courier was late")
        ledger.points_transfer(sender=shopper, recipient=other_shopper, points=5)

        page = text(shopper_client.get("/account/history/"))

        for sentence in (
            "Earned for order 1234",
            "Taken back: order 1234 was returned",
            "Reserved for order 5678",
            "Spent on order 5678",
            "Returned with order 5678",
            "Adjusted by support: Courier was late",
            "Gift to Boris I.",
        ):
            assert sentence in page, sentence
        assert "Gift from Anna P." in text(sign_in(type(shopper_client)(), other_shopper).get("/account/history/"))

    def test_expired_points(self, shopper_client, shopper, program):
        ledger.points_earn(member=shopper, points=10, pending=False, now=timezone.now() - datetime.timedelta(days=400))
        page = text(shopper_client.get("/account/history/"))
        assert "Expired" in page

    def test_filters_and_pages(self, shopper_client, shopper, program, admin_user):
        now = timezone.now()
        for day in range(25):
            earn(shopper, 1, now=now - datetime.timedelta(days=day), reason=f"Bonus number {day}")
        ledger.points_adjust(member=shopper, points=-1, staff_user=admin_user, reason="A correction")

        first = text(shopper_client.get("/account/history/"))
        assert "Page 1 of 2" in first and "A correction" in first
        assert "Bonus number 24" in text(shopper_client.get("/account/history/?page=2"))

        only = text(shopper_client.get("/account/history/?kind=adjustment"))
        assert "A correction" in only and "Bonus number" not in only

        day = (now - datetime.timedelta(days=3)).astimezone(datetime.timezone(datetime.timedelta(hours=3))).date()
        dated = text(shopper_client.get(f"/account/history/?date_from={day}&date_to={day}"))
        assert "Bonus number 3" in dated and "Bonus number 2 " not in dated and "Bonus number 4" not in dated

    def test_orders_with_points_earned_and_spent(self, shopper_client, shopper, program, make_order):
        earn(shopper, 100)
        order = make_order(shopper, number="W-1")
        hold = ledger.hold_reserve(member=shopper, points=40, order=order)
        ledger.hold_capture(hold=hold)
        ledger.points_earn(member=shopper, points=12, order=order)
        page = text(shopper_client.get("/account/orders/"))
        assert "W-1" in page
        assert re.search(r">12<.*>40<", page)
        detail = text(shopper_client.get(f"/account/orders/{order.pk}/"))
        assert "Earned for order W-1" in detail and "Spent on order W-1" in detail


class TestRewards:
    def test_catalog_marks_what_the_member_can_afford(self, shopper_client, shopper, program):
        earn(shopper, 600)
        make_reward(name_en="Cheap", cost_points=500)
        make_reward(name_en="Dear", cost_points=1000)
        page = text(shopper_client.get("/account/rewards/"))
        assert "You can get it" in page
        assert "400 points more needed" in page

    def test_redeem_after_confirmation_then_see_the_coupon_and_the_spend(self, shopper_client, shopper, program):
        earn(shopper, 600)
        reward = make_reward(name_en="500 RUB off", cost_points=500)
        confirm = shopper_client.get(f"/account/rewards/{reward.pk}/redeem/")
        assert "Confirm: spend 500 points" in text(confirm)
        request_id = re.search(r'name="request_id" value="([^"]+)"', confirm.content.decode()).group(1)

        response = shopper_client.post(f"/account/rewards/{reward.pk}/redeem/", {"request_id": request_id})
        coupon = Coupon.objects.get(member=shopper)
        assert response["Location"] == f"/account/coupons/{coupon.pk}/"
        # A double click buys it once.
        shopper_client.post(f"/account/rewards/{reward.pk}/redeem/", {"request_id": request_id})
        assert Coupon.objects.filter(member=shopper).count() == 1

        page = text(shopper_client.get(response["Location"]))
        assert coupon.code in page and "Copy the code" in page and "Valid until" in page
        assert coupon.code in text(shopper_client.get("/account/coupons/"))
        history = text(shopper_client.get("/account/history/"))
        assert "Redeemed for the reward “500 RUB off”" in history and "−500" in history

    def test_not_enough_points(self, shopper_client, shopper, program):
        reward = make_reward(cost_points=500)
        page = shopper_client.get(f"/account/rewards/{reward.pk}/redeem/")
        assert "You need 500 points more" in text(page)
        response = shopper_client.post(
            f"/account/rewards/{reward.pk}/redeem/", {"request_id": "3f1c5e43-1d1e-4c55-9a3d-111111111111"}
        )
        assert response.status_code == 409
        assert not Coupon.objects.exists()


class TestGifts:
    def test_gift_by_member_number_with_a_confirmation_step(self, shopper_client, shopper, other_shopper, program):
        earn(shopper, 300)
        step1 = shopper_client.post("/account/gift/", {"recipient": member_number(other_shopper), "points": "120"})
        page = text(step1)
        assert "Give <strong>120 points</strong> to <strong>Boris I.</strong>?" in page
        request_id = re.search(r'name="request_id" value="([^"]+)"', step1.content.decode()).group(1)
        data = {"recipient": member_number(other_shopper), "points": "120", "request_id": request_id}
        assert shopper_client.post("/account/gift/confirm/", data).status_code == 302
        shopper_client.post("/account/gift/confirm/", data)  # resubmitted: sent once
        assert Entry.objects.filter(kind=Entry.Kind.TRANSFER).count() == 2
        assert Account.objects.get(pk=shopper.pk).available == 180
        assert Account.objects.get(pk=other_shopper.pk).available == 120

    def test_gift_by_email(self, shopper_client, shopper, other_shopper, program):
        earn(shopper, 300)
        step1 = shopper_client.post("/account/gift/", {"recipient": other_shopper.email.upper(), "points": "10"})
        assert "Boris I." in text(step1)

    def test_unknown_recipient_or_oneself(self, shopper_client, shopper, program):
        earn(shopper, 300)
        for recipient in ("nobody@example.com", "1234567890", member_number(shopper)):
            page = text(shopper_client.post("/account/gift/", {"recipient": recipient, "points": "10"}))
            assert "No other member has this email or member number." in page

    def test_limits_from_the_program_settings(self, shopper_client, shopper, other_shopper, program):
        earn(shopper, 1000)
        program.gift_min_points, program.gift_max_points, program.gift_monthly_limit = 10, 200, 250
        program.save()
        page = text(shopper_client.get("/account/gift/"))
        assert "The smallest gift is 10 points." in page and "The largest gift is 200 points." in page

        def send(points):
            return shopper_client.post(
                "/account/gift/confirm/",
                {
                    "recipient": other_shopper.email,
                    "points": str(points),
                    "request_id": f"00000000-0000-0000-0000-{points:012d}",
                },
            )

        assert "The smallest gift is 10 points." in text(send(5))
        assert "The largest gift is 200 points." in text(send(201))
        assert send(200).status_code == 302
        refused = send(60)
        assert refused.status_code == 409 and "50 more points this month" in text(refused)
        program.gifts_enabled = False
        program.save()
        assert "switched off" in text(shopper_client.get("/account/gift/"))


class TestRulesPage:
    def test_generated_from_the_live_settings(self, client, program):
        program.earn_points, program.earn_step, program.redemption_cap_percent = 5, Decimal("100"), Decimal("25")
        program.pending_days, program.expiry_policy = 7, Program.ExpiryPolicy.NEVER
        program.save()
        make_reward(name_en="Free coffee", cost_points=300)
        page = text(client.get("/account/rules/"))
        assert "You earn 5 points for every 100 ₽ you pay." in page
        assert "An order of 1,000 ₽ earns 50 points." in page
        assert "Points can pay for up to 25% of an order." in page
        assert "wait 7 days" in page
        assert "Points never expire." in page
        assert "Bronze" in page and "Free coffee: 300 points" in page

        program.expiry_policy, program.expiry_days = Program.ExpiryPolicy.DAYS_AFTER_EARNING, 180
        program.save()
        assert "Points expire 180 days after the day they were earned." in text(client.get("/account/rules/"))


class TestLanguages:
    def test_russian_words_numbers_money_and_dates(self, shopper_client, shopper, program, make_order):
        earn(shopper, 1250, now=datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC))
        ledger.points_earn(member=shopper, points=1, order=make_order(shopper, number="77"), pending=False)
        shopper_client.cookies["django_language"] = "ru"

        raw = shopper_client.get("/account/").content.decode()
        assert 'lang="ru"' in raw
        assert "Ваши баллы" in raw
        assert "1\xa0251" in raw and "на 1\xa0251\xa0₽" in raw  # no-break spaces: never split across lines

        history = text(shopper_client.get("/account/history/"))
        assert "Начислено за заказ 77" in history
        assert "01.03.2026" in history

    def test_browser_language_is_followed(self, client, program):
        page = client.get("/account/sign-in/", HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9")
        assert "Войти" in page.content.decode()

    def test_language_switch_works_without_javascript(self, client, program):
        response = client.post("/i18n/setlang/", {"language": "ru", "next": "/account/rules/"})
        assert response.status_code == 302 and response["Location"] == "/account/rules/"
        assert "Правила программы" in client.get("/account/rules/").content.decode()

    def test_russian_plurals_of_points(self):
        from django.utils import translation

        from members.templatetags.cabinet import points

        with translation.override("ru"):
            assert [points(n) for n in (1, 3, 5, 21, 1001, 1250)] == [
                "1 балл",
                "3 балла",
                "5 баллов",
                "21 балл",
                "1\xa0001 балл",
                "1\xa0250 баллов",
            ]


class TestQueries:
    """Pages read a fixed number of queries, however long the history."""

    @pytest.mark.parametrize("path", ["/account/", "/account/history/", "/account/orders/", "/account/rewards/"])
    def test_fixed_query_count(self, shopper_client, shopper, other_shopper, program, make_order, path):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def fill(count):
            for index in range(count):
                order = make_order(shopper)
                ledger.points_earn(member=shopper, points=10 + index, order=order, pending=False)
                ledger.points_transfer(sender=shopper, recipient=other_shopper, points=1)
                reward_redeem(member=shopper, reward=make_reward(name_en=f"R{index}", cost_points=1))

        fill(2)
        shopper_client.get(path)  # a running process has the program and tier settings cached
        with CaptureQueriesContext(connection) as few:
            assert shopper_client.get(path).status_code == 200
        fill(6)
        with CaptureQueriesContext(connection) as many:
            assert shopper_client.get(path).status_code == 200
        assert len(many) == len(few), [query["sql"] for query in many.captured_queries]
        assert len(few) <= 16
