"""A shopper's first visit, in a real browser: sign up, confirm the email,
see the dashboard, redeem a reward, see the coupon, find the spend in the
history, switch to Russian. Then screenshots of the main pages on a phone
and a desktop screen."""

import re

import pytest
from django.core import mail

from loyalty.selectors import program_get
from loyalty.services import ledger
from members.models import ConsentPurpose, ConsentText, Member
from rewards.models import Reward

from .conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

PASSWORD = "Correct-Horse-42"
MAIN_PAGES = {
    "dashboard": "/account/",
    "history": "/account/history/",
    "orders": "/account/orders/",
    "rewards": "/account/rewards/",
    "coupons": "/account/coupons/",
    "gift": "/account/gift/",
    "profile": "/account/profile/",
    "my-data": "/account/my-data/",
    "rules": "/account/rules/",
}


@pytest.fixture
def shop(db):
    """What the merchant set up: the program, its consent text, one reward.
    (Transactional tests start from empty tables, data migrations included.)"""
    program = program_get()
    program.name = "Demo Store Club"
    program.save()
    ConsentText.objects.get_or_create(
        purpose=ConsentPurpose.PERSONAL_DATA,
        version="2025-01",
        defaults={"text_en": "I agree to the processing of my data.", "text_ru": "Я согласен на обработку данных."},
    )
    return Reward.objects.create(
        kind=Reward.Kind.FIXED_AMOUNT, name_en="300 RUB off", name_ru="Скидка 300 ₽", amount=300, cost_points=300
    )


def test_sign_up_redeem_and_switch_to_russian(browser, live_server, shop, screenshots):
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)

    # Sign up.
    page.goto(f"{live_server.url}/account/sign-up/")
    page.get_by_label("Email", exact=True).fill("olga@example.com")
    page.get_by_label("First name", exact=True).fill("Olga")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("I agree to the processing of my personal data").check()
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your email").wait_for()

    # Confirm the email with the link from the outbox.
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/account/verify/\S+", mail.outbox[0].body).group(0)
    page.goto(link)
    page.get_by_role("heading", name="Hello, Olga").wait_for()

    # Points arrive (a storefront's order, say); the dashboard shows them.
    member = Member.objects.get(email="olga@example.com")
    ledger.points_earn(member=member, points=500, pending=False, reason="Welcome bonus")
    page.reload()
    assert page.get_by_test_id("available").inner_text().startswith("500")
    assert page.locator(".qr-box svg").is_visible()

    # Redeem a reward, with the confirmation step.
    page.get_by_role("navigation").get_by_role("link", name="Rewards").click()
    page.get_by_role("link", name="Get it").click()
    page.get_by_role("button", name="Confirm: spend 300 points").click()
    page.get_by_text("Enter this code at checkout:").wait_for()
    code = page.locator("code.coupon-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{12}", code)
    assert page.get_by_role("button", name="Copy the code").is_visible(), "JavaScript adds the copy button"

    # My coupons, and the spend in the history.
    page.get_by_role("navigation").get_by_role("link", name="My coupons").click()
    assert code in page.content()
    page.get_by_role("navigation").get_by_role("link", name="History").click()
    assert page.get_by_text("Redeemed for the reward “300 RUB off”").is_visible()
    assert page.get_by_text("−300").is_visible()

    # Switch to Russian: the page answers in Russian, with Russian numbers.
    page.get_by_label("Language").select_option("ru")
    page.get_by_role("heading", name="История").wait_for()
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_text("Списано на вознаграждение «Скидка 300 ₽»").is_visible()
    page.get_by_role("navigation").get_by_role("link", name="Обзор").click()
    assert page.get_by_test_id("available").inner_text().startswith("200")

    # Screenshots of the main pages, phone and desktop, in Russian and English.
    storage = context.storage_state()
    context.close()
    for size_name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        shots = browser.new_context(viewport=viewport, storage_state=storage)
        shot_page = shots.new_page()
        for name, path in MAIN_PAGES.items():
            response = shot_page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            shot_page.screenshot(path=str(screenshots / f"{name}-{size_name}.png"), full_page=True)
        shots.close()
    anonymous = browser.new_context(viewport=PHONE)
    sign_in = anonymous.new_page()
    sign_in.goto(f"{live_server.url}/account/sign-in/")
    sign_in.screenshot(path=str(screenshots / "sign-in-phone.png"), full_page=True)
    anonymous.close()
    assert len(list(screenshots.glob("*-phone.png"))) >= len(MAIN_PAGES)


def test_works_without_javascript(browser, live_server, shop):
    """Everything is a link or a form: with JavaScript off, sign-in and the
    language switch still work (its button shows)."""
    member = Member.objects.create(email="nojs@example.com", first_name="Ivan")
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from members.models import Credentials

    Credentials.objects.create(member=member, password=make_password(PASSWORD), email_verified_at=timezone.now())
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Email or phone").fill("nojs@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").last.click()
    page.get_by_role("heading", name="Hello, Ivan").wait_for()
    page.get_by_label("Language").select_option("ru")
    page.get_by_role("button", name="Switch").click()
    page.get_by_role("heading", name="Здравствуйте, Ivan").wait_for()
    context.close()
