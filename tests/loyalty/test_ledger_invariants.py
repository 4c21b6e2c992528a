"""Long random sequences of ledger operations keep every invariant.

Hypothesis drives two members through earns, spends, holds, captures,
releases, returns, adjustments, transfers, the passing of time and the
periodic jobs, in any order; after every sequence the verify check must find
nothing, and no account may ever show less than its debt allows.
"""

import contextlib
import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyalty.exceptions import DomainError
from loyalty.models import Account, Hold, Program
from loyalty.services import ledger, ledger_jobs

from ..factories import MemberFactory, OrderFactory
from .helpers import assert_ledger_consistent

pytestmark = pytest.mark.django_db

points = st.integers(min_value=1, max_value=500)
who = st.sampled_from([0, 1])
operations = st.one_of(
    st.tuples(st.just("earn"), who, points, st.booleans()),
    st.tuples(st.just("spend"), who, points),
    st.tuples(st.just("hold"), who, points),
    st.tuples(st.just("capture"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("release"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("return"), st.integers(min_value=0, max_value=20), st.integers(min_value=1, max_value=100)),
    st.tuples(st.just("adjust"), who, st.integers(min_value=-300, max_value=300).filter(bool)),
    st.tuples(st.just("transfer"), who, points),
    st.tuples(st.just("wait"), st.integers(min_value=1, max_value=24 * 200)),
    st.tuples(st.just("jobs")),
)


class Scenario:
    def __init__(self, admin_user, now):
        self.members = [MemberFactory(), MemberFactory()]
        self.staff = admin_user
        self.now = now
        self.orders = []
        self.holds = []

    def run(self, operation):
        name, *args = operation
        # A refused operation must leave everything as it was; the final check proves it.
        with contextlib.suppress(DomainError):
            getattr(self, name)(*args)

    def earn(self, index, amount, with_order):
        member = self.members[index]
        order = OrderFactory(member=member) if with_order else None
        ledger.points_earn(member=member, points=amount, order=order, pending=with_order, now=self.now)
        if order:
            self.orders.append(order)

    def spend(self, index, amount):
        ledger.points_spend(member=self.members[index], points=amount, now=self.now)

    def hold(self, index, amount):
        member = self.members[index]
        order = OrderFactory(member=member)
        self.orders.append(order)
        self.holds.append(ledger.hold_reserve(member=member, points=amount, order=order, now=self.now))

    def capture(self, position):
        if self.holds:
            ledger.hold_capture(hold=self.holds[position % len(self.holds)], now=self.now)

    def release(self, position):
        if self.holds:
            ledger.hold_release(hold=self.holds[position % len(self.holds)], now=self.now)

    def _return(self, position, percent):
        if not self.orders:
            return
        order = self.orders[position % len(self.orders)]
        account = Account.objects.filter(pk=order.member_id).first()
        if account is None:
            return
        totals = ledger._order_totals(account, order)
        clawable = totals["earned"] - totals["clawed"] - totals["short"]
        refundable = totals["spent"] - totals["refunded"]
        if clawable:
            ledger.points_clawback(
                member=order.member, order=order, points=max(1, clawable * percent // 100), now=self.now
            )
        if refundable:
            ledger.points_refund(
                member=order.member, order=order, points=max(1, refundable * percent // 100), now=self.now
            )

    def adjust(self, index, amount):
        ledger.points_adjust(
            member=self.members[index], points=amount, staff_user=self.staff, reason="test", now=self.now
        )

    def transfer(self, index, amount):
        ledger.points_transfer(
            sender=self.members[index], recipient=self.members[1 - index], points=amount, now=self.now
        )

    def wait(self, hours):
        self.now += datetime.timedelta(hours=hours)

    def jobs(self):
        ledger_jobs.release_stale_holds(now=self.now)
        ledger_jobs.activate_due_lots(now=self.now)
        ledger_jobs.expire_due_lots(now=self.now)


# "return" is a Python keyword, so the operation's method is attached by name.
setattr(Scenario, "return", Scenario._return)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sequence=st.lists(operations, min_size=5, max_size=30),
    policy=st.sampled_from(Program.NegativeBalancePolicy.values),
)
def test_random_sequences_keep_the_ledger_consistent(program, admin_user, now, sequence, policy):
    program.negative_balance_policy = policy
    program.hold_timeout_minutes = 60 * 24
    program.save()
    scenario = Scenario(admin_user, now)
    for operation in sequence:
        scenario.run(operation)
        for account in Account.objects.filter(pk__in=[member.pk for member in scenario.members]):
            assert account.available >= -account.debt
            assert account.pending >= 0 and account.held >= 0
            if policy == Program.NegativeBalancePolicy.TAKE_AVAILABLE:
                assert account.available >= 0
    assert_ledger_consistent()
    # Every hold ends captured or released once its time has passed.
    ledger_jobs.release_stale_holds(now=scenario.now + datetime.timedelta(days=2))
    assert not Hold.objects.filter(status=Hold.Status.ACTIVE, account__member__in=scenario.members).exists()
    assert_ledger_consistent()
