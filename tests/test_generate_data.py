"""generate_data: a large data set whose ledger verify_ledger finds clean."""

import datetime
import io
import random
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from loyalty.checkout import Cart, CartLine, checkout_calculate
from loyalty.management.commands.generate_data import CATEGORIES, external_id_for, price_cart
from loyalty.models import Account, ApiKey, Entry, Hold, Lot, Order, OrderReturn, Program, Storefront
from loyalty.services import ledger, ledger_jobs
from loyalty.verification import ledger_mismatches
from members.models import ConsentRecord, Member

from .api.helpers import client_for

NOW = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)


def generate(tmp_path, **options):
    output = io.StringIO()
    call_command(
        "generate_data",
        key_file=str(tmp_path / "key.txt"),
        now=NOW.isoformat(),
        seed=7,
        no_progress=True,
        stdout=output,
        **{"members": 50, "jobs": 1, **options},
    )
    return output.getvalue()


def snapshot():
    """What the data set adds up to, to compare two generations."""
    return (
        Member.objects.count(),
        Order.objects.count(),
        Entry.objects.count(),
        Account.objects.aggregate(
            available=Sum("available"), pending=Sum("pending"), held=Sum("held"), spent=Sum("lifetime_spent")
        ),
    )


@pytest.fixture
def generated(db, program, tmp_path):
    return generate(tmp_path)


def test_members_accounts_and_entries_in_the_expected_amounts(generated, tmp_path):
    assert Member.objects.count() == 50
    assert Account.objects.count() == 50
    assert ConsentRecord.objects.count() == 50
    assert set(Member.objects.values_list("external_id", flat=True)) == {external_id_for(i) for i in range(1, 51)}
    assert external_id_for(1) == "m0000001"
    # Each member has the welcome bonus; about 3 orders of 2 to 4 entries each on average.
    entries = Entry.objects.count()
    assert 50 * 4 <= entries <= 50 * 20
    assert Entry.objects.filter(kind=Entry.Kind.EARN, order=None).count() == 50
    kinds = set(Entry.objects.values_list("kind", flat=True))
    assert {Entry.Kind.EARN, Entry.Kind.ACTIVATE, Entry.Kind.HOLD, Entry.Kind.CAPTURE} <= kinds
    assert Lot.objects.count() >= 50
    assert Order.objects.filter(storefront__code="bench").count() == Order.objects.count() > 50
    assert f"Generated 50 members, {Order.objects.count()} orders and {entries} ledger entries" in generated
    # Enough points to spend in the benchmark.
    assert Account.objects.filter(available__gt=0).count() > 40


def test_the_ledger_is_consistent(generated):
    assert list(ledger_mismatches()) == []


def test_histories_have_every_kind_of_entry(db, program, tmp_path):
    generate(tmp_path, members=400)
    assert list(ledger_mismatches()) == []
    kinds = set(Entry.objects.values_list("kind", flat=True))
    assert {
        Entry.Kind.EARN,
        Entry.Kind.ACTIVATE,
        Entry.Kind.HOLD,
        Entry.Kind.CAPTURE,
        Entry.Kind.RELEASE,
        Entry.Kind.EXPIRE,
        Entry.Kind.CLAWBACK,
        Entry.Kind.REFUND,
    } <= kinds
    assert Hold.objects.filter(status=Hold.Status.ACTIVE).exists()
    assert Order.objects.filter(status=Order.Status.CANCELLED).exists()
    returns = OrderReturn.objects.select_related("order")
    assert returns.exists()
    assert all(ret.order.status == Order.Status.RETURNED for ret in returns)


def test_nothing_is_left_due(generated):
    """The history already applied what fell due before its end, as the nightly jobs would."""
    assert ledger_jobs.release_stale_holds(now=NOW) == 0
    assert ledger_jobs.activate_due_lots(now=NOW) == 0
    assert ledger_jobs.expire_due_lots(now=NOW) == 0


def test_the_key_file_holds_a_working_key_of_the_bench_storefront(generated, tmp_path):
    key = (tmp_path / "key.txt").read_text().strip()
    assert ApiKey.objects.get(storefront__code="bench").prefix in key
    response = client_for(key).get("/api/v1/members/m0000001")
    assert response.status_code == 200
    account = Account.objects.get(member__external_id="m0000001")
    assert response.json()["balances"]["available"] == account.available


def test_the_services_take_generated_entries_for_their_own(generated):
    """A retry of an order's earn with the services' idempotency key replays
    the generated entry: same key, same fingerprint."""
    order = Order.objects.filter(status=Order.Status.COMPLETED, points_earned__gt=0).select_related("member").first()
    earned = Entry.objects.get(order=order, kind=Entry.Kind.EARN)
    count = Entry.objects.count()
    replayed = ledger.points_earn(
        member=order.member,
        points=order.points_earned,
        order=order,
        storefront=order.storefront,
        now=NOW,
        idempotency_key=f"order:{order.pk}:earn",
    )
    assert replayed == earned
    assert Entry.objects.count() == count


def test_generated_orders_go_on_through_the_api(generated, tmp_path):
    """Returns and completion of generated orders through the API, as a storefront would."""
    api = client_for((tmp_path / "key.txt").read_text().strip())
    completed = Order.objects.filter(status=Order.Status.COMPLETED, points_spent__gt=0, points_earned__gt=0).first()
    response = api.post(f"/api/v1/orders/{completed.number}/returns", {"number": "R-1", "full": True}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["points_refunded"] == completed.points_spent
    assert response.json()["points_clawed_back"] + response.json()["points_shortfall"] == completed.points_earned
    response = api.post(f"/api/v1/orders/{completed.number}/complete")
    assert response.status_code == 200
    assert response.json()["status"] == Order.Status.RETURNED  # completing again changes nothing
    open_order = Order.objects.filter(status=Order.Status.PLACED).first()
    if open_order is not None:
        assert api.post(f"/api/v1/orders/{open_order.number}/complete").status_code == 200
    assert list(ledger_mismatches()) == []


def test_a_second_run_refuses_and_adds_nothing(generated, tmp_path):
    before = snapshot()
    with pytest.raises(CommandError, match="--reset"):
        generate(tmp_path)
    assert snapshot() == before
    assert Storefront.objects.filter(code="bench").count() == 1


def test_reset_generates_the_same_data_again(generated, tmp_path):
    before = snapshot()
    output = generate(tmp_path, reset=True)
    assert "Deleted every member" in output
    assert snapshot() == before
    assert list(ledger_mismatches()) == []


def test_batches_and_row_triggers_change_nothing(generated, tmp_path):
    before = snapshot()
    generate(tmp_path, reset=True, batch_size=7, row_triggers=True)
    assert snapshot() == before
    assert list(ledger_mismatches()) == []


@pytest.mark.django_db(transaction=True)
def test_parallel_jobs_commit_a_consistent_ledger(tmp_path):
    """Several processes, each with its own connection and transactions, and the
    foreign keys checked by PostgreSQL at each commit."""
    generate(tmp_path, members=120, jobs=2, batch_size=25, row_triggers=True)
    assert Member.objects.count() == Account.objects.count() == 120
    assert list(ledger_mismatches()) == []
    generate(tmp_path, members=120, jobs=3, batch_size=25, reset=True)
    assert Member.objects.count() == 120
    assert list(ledger_mismatches()) == []


def test_orders_are_priced_like_the_checkout(db, program, member):
    """The generator's pricing is the checkout's base steps, without the ORM:
    random carts under several program settings give the same figures."""
    rng = random.Random(3)
    settings = [
        {},
        {"excluded_categories": ["gift-cards", "grocery"], "min_redemption_points": 50},
        {"earn_rule": Program.EarnRule.CASHBACK, "cashback_percent": Decimal("5"), "shipping_earns": True},
        {"rounding": Program.Rounding.HALF_UP, "point_value": Decimal("0.5"), "redemption_cap_percent": Decimal("99")},
        {"earn_step": Decimal("33"), "earn_points": 2, "redemption_cap_percent": Decimal("100")},
    ]
    for values in settings:
        for field, value in values.items():
            setattr(program, field, value)
        for _ in range(150):
            lines = []
            for number in range(1, rng.randint(1, 5) + 1):
                category, (low, high) = rng.choice(CATEGORIES)
                price = Decimal(rng.randrange(low, high + 1)) / rng.choice((1, 1, 10, 100))
                lines.append((str(number), f"SKU-{number}", category, rng.randint(1, 3), price))
            shipping = rng.choice((Decimal(0), Decimal("299")))
            available = rng.choice((0, 5, 60, 500, 5000, 100000))
            share = rng.choice((None, 0.01, 0.5, 1.0))
            priced = price_cart(program, lines, shipping, available, share)

            cart = Cart(
                member=member,
                currency=program.currency,
                lines=tuple(CartLine(*line) for line in lines),
                shipping=shipping,
                points_to_spend=priced.points,
            )
            expected = checkout_calculate(
                cart=cart, program=program, account=Account(member=member, available=available)
            )
            assert priced.points_max == expected.points_max
            assert priced.points == expected.points_to_spend
            assert priced.points_value == expected.points_value
            assert priced.payable_total == expected.payable_total
            assert priced.earned == expected.points_earned
            assert [(amount, applied, earned) for _line, amount, applied, earned in priced.lines] == [
                (line.amount, line.points_applied, line.points_earned) for line in expected.lines
            ]
