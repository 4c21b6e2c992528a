"""The points ledger: every entry kind, lots, holds, returns, idempotency."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from loyalty.exceptions import (
    ClawbackTooLarge,
    HoldNotActive,
    IdempotencyConflict,
    InsufficientPoints,
    InvalidPoints,
    MemberNotActive,
    RefundTooLarge,
)
from loyalty.models import Entry, Hold, Lot, Program
from loyalty.services import ledger, ledger_jobs
from members.models import Member
from members.services import member_set_status

from .helpers import assert_ledger_consistent, balances, days

pytestmark = pytest.mark.django_db


def credit(member, points, at, **kwargs):
    """Points available at once (a bonus), earned at ``at``."""
    return ledger.points_earn(member=member, points=points, pending=False, now=at, **kwargs)


class TestEarn:
    def test_earned_points_wait_for_the_return_window(self, program, member, make_order, now):
        order = make_order(member)
        entry = ledger.points_earn(member=member, points=120, order=order, now=now)

        assert entry.kind == Entry.Kind.EARN
        assert (entry.pending_delta, entry.available_delta) == (120, 0)
        assert balances(member) == {"available": 0, "pending": 120, "held": 0, "debt": 0}
        lot = entry.lot
        # Earned 10 March 15:00 Moscow; 14 days pending: available from 24 March 00:00 Moscow.
        assert lot.available_at == datetime.datetime(2026, 3, 23, 21, 0, tzinfo=datetime.UTC)
        assert lot.expires_at == datetime.datetime(2027, 3, 10, 21, 0, tzinfo=datetime.UTC)

    def test_activation_job_makes_points_available_once(self, program, member, make_order, now):
        entry = ledger.points_earn(member=member, points=120, order=make_order(member), now=now)

        assert ledger_jobs.activate_due_lots(now=entry.lot.available_at - datetime.timedelta(seconds=1)) == 0
        assert ledger_jobs.activate_due_lots(now=entry.lot.available_at) == 1
        assert ledger_jobs.activate_due_lots(now=entry.lot.available_at + days(1)) == 0

        assert balances(member) == {"available": 120, "pending": 0, "held": 0, "debt": 0}
        activation = Entry.objects.get(kind=Entry.Kind.ACTIVATE)
        assert (activation.available_delta, activation.pending_delta, activation.lot_id) == (120, -120, entry.lot_id)
        assert_ledger_consistent()

    def test_a_write_applies_due_activation_first(self, program, member, make_order, now):
        """Points whose window closed can be spent even before the job runs."""
        entry = ledger.points_earn(member=member, points=50, order=make_order(member), now=now)
        ledger.points_spend(member=member, points=50, now=entry.lot.available_at)
        assert balances(member)["available"] == 0
        assert_ledger_consistent()

    @pytest.mark.parametrize("points", [0, -5, 1.5, True, "10"])
    def test_points_must_be_whole_and_positive(self, program, member, now, points):
        with pytest.raises(InvalidPoints):
            ledger.points_earn(member=member, points=points, now=now)
        assert not Entry.objects.exists()


class TestSpend:
    def test_spending_takes_the_soonest_expiring_lots_first(self, program, member, now):
        program.expiry_policy = Program.ExpiryPolicy.DAYS_AFTER_EARNING
        program.save()
        late = credit(member, 100, now)  # expires in 365 days
        early = credit(member, 100, now - days(300))  # expires in 65 days
        program.expiry_policy = Program.ExpiryPolicy.NEVER
        program.save()
        never = credit(member, 100, now)

        ledger.points_spend(member=member, points=150, now=now)

        remaining = {lot.pk: lot.remaining for lot in Lot.objects.all()}
        assert remaining == {early.lot_id: 0, late.lot_id: 50, never.lot_id: 100}
        assert balances(member)["available"] == 150
        assert_ledger_consistent()

    def test_not_enough_points_changes_nothing(self, program, member, now):
        credit(member, 40, now)
        with pytest.raises(InsufficientPoints):
            ledger.points_spend(member=member, points=41, now=now)
        assert balances(member)["available"] == 40
        assert Entry.objects.filter(kind=Entry.Kind.SPEND).count() == 0

    def test_pending_points_cannot_be_spent(self, program, member, make_order, now):
        ledger.points_earn(member=member, points=100, order=make_order(member), now=now)
        with pytest.raises(InsufficientPoints):
            ledger.points_spend(member=member, points=1, now=now)

    def test_blocked_member_cannot_spend(self, program, member, now):
        credit(member, 40, now)
        member_set_status(member=member, status=Member.Status.BLOCKED)
        with pytest.raises(MemberNotActive):
            ledger.points_spend(member=member, points=10, now=now)

    def test_spend_counts_towards_lifetime_spent(self, program, member, now):
        credit(member, 40, now)
        ledger.points_spend(member=member, points=30, now=now)
        assert member.points_account.lifetime_spent == 30


class TestHolds:
    def test_reserve_then_capture(self, program, member, make_order, now):
        credit(member, 100, now)
        order = make_order(member)
        hold = ledger.hold_reserve(member=member, points=30, order=order, now=now)
        assert balances(member) == {"available": 70, "pending": 0, "held": 30, "debt": 0}

        capture = ledger.hold_capture(hold=hold, now=now)
        assert capture.kind == Entry.Kind.CAPTURE and capture.held_delta == -30
        assert balances(member) == {"available": 70, "pending": 0, "held": 0, "debt": 0}
        assert ledger.hold_capture(hold=hold, now=now).pk == capture.pk  # no second effect
        with pytest.raises(HoldNotActive):
            ledger.hold_release(hold=hold, now=now)
        assert member.points_account.lifetime_spent == 30
        assert_ledger_consistent()

    def test_release_returns_points_to_the_lots_they_came_from(self, program, member, now):
        early = credit(member, 50, now - days(300))
        late = credit(member, 50, now)
        hold = ledger.hold_reserve(member=member, points=70, now=now)
        assert Lot.objects.get(pk=early.lot_id).remaining == 0

        release = ledger.hold_release(hold=hold, now=now)
        assert release.kind == Entry.Kind.RELEASE
        assert ledger.hold_release(hold=hold, now=now).pk == release.pk
        assert Lot.objects.get(pk=early.lot_id).remaining == 50
        assert Lot.objects.get(pk=late.lot_id).remaining == 50
        assert balances(member) == {"available": 100, "pending": 0, "held": 0, "debt": 0}
        with pytest.raises(HoldNotActive):
            ledger.hold_capture(hold=hold, now=now)

    def test_holds_nobody_completes_are_released_after_the_timeout(self, program, member, now):
        credit(member, 100, now)
        hold = ledger.hold_reserve(member=member, points=60, now=now)
        timeout = datetime.timedelta(minutes=program.hold_timeout_minutes)

        assert ledger_jobs.release_stale_holds(now=now + timeout - datetime.timedelta(seconds=1)) == 0
        assert ledger_jobs.release_stale_holds(now=now + timeout) == 1
        assert ledger_jobs.release_stale_holds(now=now + timeout) == 0

        hold.refresh_from_db()
        assert hold.status == Hold.Status.RELEASED
        assert balances(member) == {"available": 100, "pending": 0, "held": 0, "debt": 0}
        release = Entry.objects.get(kind=Entry.Kind.RELEASE)
        assert release.reason == Entry.RELEASE_REASON_TIMEOUT
        assert_ledger_consistent()

    def test_capture_after_the_timeout_is_refused(self, program, member, now):
        credit(member, 100, now)
        hold = ledger.hold_reserve(member=member, points=60, now=now)
        with pytest.raises(HoldNotActive):
            ledger.hold_capture(hold=hold, now=now + days(30))
        ledger_jobs.release_stale_holds(now=now + days(30))
        assert balances(member)["available"] == 100

    def test_points_released_after_their_expiry_burn_at_once(self, program, member, now):
        entry = credit(member, 100, now - days(364))
        expires_at = entry.lot.expires_at
        hold = ledger.hold_reserve(member=member, points=100, now=expires_at - days(1))
        ledger.hold_release(hold=hold, now=expires_at + datetime.timedelta(hours=1))

        assert balances(member)["available"] == 0
        assert member.points_account.lifetime_expired == 100
        assert_ledger_consistent()


class TestExpiry:
    def test_expiry_burns_what_is_left_once(self, program, member, now):
        entry = credit(member, 100, now)
        ledger.points_spend(member=member, points=30, now=now)
        expires_at = entry.lot.expires_at

        assert ledger_jobs.expire_due_lots(now=expires_at - datetime.timedelta(microseconds=1)) == 0
        assert ledger_jobs.expire_due_lots(now=expires_at) == 1
        assert ledger_jobs.expire_due_lots(now=expires_at + days(1)) == 0

        expiry = Entry.objects.get(kind=Entry.Kind.EXPIRE)
        assert (expiry.points, expiry.available_delta) == (70, -70)
        account = member.points_account
        account.refresh_from_db()
        assert (account.available, account.lifetime_expired) == (0, 70)
        assert_ledger_consistent()

    @pytest.mark.parametrize(
        ("zone", "earned_at", "expiry_days", "deadline"),
        [
            # Moscow: UTC+3 all year. Earned 10 Mar 2026 15:00 local, last day 10 Mar 2027.
            ("Europe/Moscow", "2026-03-10T12:00Z", 365, "2027-03-10T21:00Z"),
            # Berlin, earned in summer (UTC+2), last day in winter (UTC+1).
            ("Europe/Berlin", "2026-07-01T10:00Z", 180, "2026-12-28T23:00Z"),
            # Berlin, earned in winter, last day in summer.
            ("Europe/Berlin", "2026-01-10T10:00Z", 180, "2026-07-09T22:00Z"),
            # Berlin, the last day is the day clocks go forward (28 Mar 2027, 23 hours long).
            ("Europe/Berlin", "2026-03-28T10:00Z", 365, "2027-03-28T22:00Z"),
            # 22:00 UTC on 10 Mar is 01:00 on 11 Mar in Moscow: the local day counts.
            ("Europe/Moscow", "2026-03-10T22:00Z", 365, "2027-03-11T21:00Z"),
        ],
    )
    def test_points_expire_at_the_end_of_their_day_in_the_program_time_zone(
        self, program, member, zone, earned_at, expiry_days, deadline
    ):
        program.time_zone = zone
        program.expiry_days = expiry_days
        program.save()
        earned_at = datetime.datetime.fromisoformat(earned_at)
        deadline = datetime.datetime.fromisoformat(deadline)
        entry = credit(member, 10, earned_at)
        assert entry.lot.expires_at == deadline

        ledger_jobs.expire_due_lots(now=deadline - datetime.timedelta(seconds=1))
        assert balances(member)["available"] == 10
        ledger_jobs.expire_due_lots(now=deadline)
        assert balances(member)["available"] == 0

    def test_end_of_month_policy(self, program, member):
        program.expiry_policy = Program.ExpiryPolicy.END_OF_MONTH
        program.expiry_months = 1
        program.save()
        entry = credit(member, 10, datetime.datetime(2026, 1, 31, 10, 0, tzinfo=datetime.UTC))
        assert entry.lot.expires_at == datetime.datetime(2026, 2, 28, 21, 0, tzinfo=datetime.UTC)

    def test_end_of_year_policy(self, program, member):
        program.expiry_policy = Program.ExpiryPolicy.END_OF_YEAR
        program.expiry_months = 12
        program.save()
        entry = credit(member, 10, datetime.datetime(2026, 5, 5, 10, 0, tzinfo=datetime.UTC))
        assert entry.lot.expires_at == datetime.datetime(2027, 12, 31, 21, 0, tzinfo=datetime.UTC)

    def test_pending_points_can_expire_too(self, program, member, make_order, now):
        program.expiry_policy = Program.ExpiryPolicy.END_OF_MONTH
        program.expiry_months = 0
        program.save()
        entry = ledger.points_earn(member=member, points=10, order=make_order(member), now=now)
        ledger_jobs.expire_due_lots(now=entry.lot.expires_at)
        assert balances(member) == {"available": 0, "pending": 0, "held": 0, "debt": 0}
        assert_ledger_consistent()

    def test_all_points_expire_after_days_without_a_purchase(self, program, member, make_order, now):
        program.expiry_policy = Program.ExpiryPolicy.NEVER
        program.inactivity_expiry_days = 180
        program.save()
        ledger.points_earn(member=member, points=100, order=make_order(member), now=now)
        ledger_jobs.activate_due_lots(now=now + days(20))

        assert ledger_jobs.expire_due_lots(now=now + days(179)) == 0
        assert ledger_jobs.expire_due_lots(now=now + days(181)) == 1
        expiry = Entry.objects.get(kind=Entry.Kind.EXPIRE)
        assert expiry.reason == Entry.EXPIRY_REASON_INACTIVITY
        assert balances(member)["available"] == 0
        assert_ledger_consistent()

    def test_a_purchase_keeps_points_alive_under_the_inactivity_rule(self, program, member, make_order, now):
        program.expiry_policy = Program.ExpiryPolicy.NEVER
        program.inactivity_expiry_days = 180
        program.save()
        ledger.points_earn(member=member, points=100, order=make_order(member), now=now)
        ledger.points_earn(member=member, points=10, order=make_order(member), now=now + days(170))
        assert ledger_jobs.expire_due_lots(now=now + days(181)) == 0


class TestReturns:
    def test_clawback_within_the_return_window_takes_pending_points(self, program, member, make_order, now):
        order = make_order(member)
        ledger.points_earn(member=member, points=100, order=order, now=now)
        entry = ledger.points_clawback(member=member, order=order, points=40, now=now + days(2))

        assert (entry.kind, entry.pending_delta, entry.shortfall) == (Entry.Kind.CLAWBACK, -40, 0)
        assert balances(member)["pending"] == 60
        assert member.points_account.lifetime_earned == 60
        with pytest.raises(ClawbackTooLarge):
            ledger.points_clawback(member=member, order=order, points=61, now=now + days(2))
        assert_ledger_consistent()

    def test_clawback_after_the_points_were_spent_takes_them_from_other_lots(self, program, member, make_order, now):
        returned_order = make_order(member)
        ledger.points_earn(member=member, points=100, order=returned_order, now=now)
        credit(member, 50, now)
        later = now + days(20)
        ledger_jobs.activate_due_lots(now=later)
        ledger.points_spend(member=member, points=120, now=later)  # 50 bonus + 70 of the order's lot

        entry = ledger.points_clawback(member=member, order=returned_order, points=100, now=later)

        # 30 were still in the order's lot; the other 70 were spent and nothing else is left.
        assert (entry.points, entry.shortfall) == (30, 70)
        assert balances(member) == {"available": 0, "pending": 0, "held": 0, "debt": 0}
        assert_ledger_consistent()

    def test_clawback_takes_spent_points_from_points_earned_elsewhere(self, program, member, make_order, now):
        returned_order = make_order(member)
        ledger.points_earn(member=member, points=100, order=returned_order, now=now)
        ledger_jobs.activate_due_lots(now=now + days(20))
        ledger.points_spend(member=member, points=100, now=now + days(20))
        other = credit(member, 80, now + days(21))

        entry = ledger.points_clawback(member=member, order=returned_order, points=100, now=now + days(22))
        assert (entry.points, entry.shortfall) == (80, 20)
        assert Lot.objects.get(pk=other.lot_id).remaining == 0

    def test_allow_negative_policy_leaves_a_debt_paid_by_later_points(self, program, member, make_order, now):
        program.negative_balance_policy = Program.NegativeBalancePolicy.ALLOW_NEGATIVE
        program.save()
        returned_order = make_order(member)
        ledger.points_earn(member=member, points=100, order=returned_order, now=now)
        ledger_jobs.activate_due_lots(now=now + days(20))
        ledger.points_spend(member=member, points=90, now=now + days(20))

        entry = ledger.points_clawback(member=member, order=returned_order, points=100, now=now + days(21))
        assert (entry.points, entry.shortfall) == (100, 0)
        assert balances(member) == {"available": -90, "pending": 0, "held": 0, "debt": 90}
        with pytest.raises(InsufficientPoints):
            ledger.points_spend(member=member, points=1, now=now + days(21))

        ledger.points_earn(member=member, points=120, order=make_order(member), now=now + days(22))
        ledger_jobs.activate_due_lots(now=now + days(40))
        assert balances(member) == {"available": 30, "pending": 0, "held": 0, "debt": 0}
        ledger.points_spend(member=member, points=30, now=now + days(40))
        assert_ledger_consistent()

    def test_refund_gives_spent_points_back(self, program, member, make_order, now):
        credit(member, 100, now)
        order = make_order(member)
        hold = ledger.hold_reserve(member=member, points=60, order=order, now=now)
        ledger.hold_capture(hold=hold, now=now)

        entry = ledger.points_refund(member=member, order=order, points=60, now=now + days(3))
        assert (entry.kind, entry.available_delta) == (Entry.Kind.REFUND, 60)
        assert balances(member)["available"] == 100
        assert member.points_account.lifetime_spent == 0
        with pytest.raises(RefundTooLarge):
            ledger.points_refund(member=member, order=order, points=1, now=now + days(3))
        assert_ledger_consistent()


class TestAdjustmentsAndTransfers:
    def test_manual_credit_and_debit_record_the_staff_user_and_reason(self, program, member, admin_user, now):
        credit_entry = ledger.points_adjust(
            member=member, points=200, staff_user=admin_user, reason="Goodwill for late delivery", now=now
        )
        debit_entry = ledger.points_adjust(
            member=member, points=-50, staff_user=admin_user, reason="Duplicate bonus", corrects=credit_entry, now=now
        )
        assert (credit_entry.kind, credit_entry.available_delta, credit_entry.staff_user) == (
            Entry.Kind.ADJUSTMENT,
            200,
            admin_user,
        )
        assert (debit_entry.available_delta, debit_entry.corrects) == (-50, credit_entry)
        assert balances(member)["available"] == 150
        assert_ledger_consistent()

    def test_manual_adjustment_needs_a_reason_and_cannot_overdraw(self, program, member, admin_user, now):
        with pytest.raises(InvalidPoints):
            ledger.points_adjust(member=member, points=10, staff_user=admin_user, reason="  ", now=now)
        with pytest.raises(InsufficientPoints):
            ledger.points_adjust(member=member, points=-10, staff_user=admin_user, reason="Fix", now=now)
        assert not Entry.objects.exists()

    def test_transfer_moves_points_with_their_expiry_dates(self, program, member, other_member, now):
        early = credit(member, 30, now - days(300))
        credit(member, 100, now)
        outgoing, incoming = ledger.points_transfer(sender=member, recipient=other_member, points=50, now=now)

        assert (outgoing.available_delta, incoming.available_delta) == (-50, 50)
        assert incoming.counterpart == outgoing
        assert balances(member)["available"] == 80
        assert balances(other_member)["available"] == 50
        expiry_dates = sorted((lot.expires_at, lot.remaining) for lot in Lot.objects.filter(account_id=other_member.pk))
        assert expiry_dates[0] == (early.lot.expires_at, 30)
        assert expiry_dates[1][1] == 20
        assert_ledger_consistent()

    def test_transfer_cannot_send_more_than_available_or_to_oneself(self, program, member, other_member, now):
        credit(member, 10, now)
        with pytest.raises(InsufficientPoints):
            ledger.points_transfer(sender=member, recipient=other_member, points=11, now=now)
        with pytest.raises(InvalidPoints):
            ledger.points_transfer(sender=member, recipient=member, points=5, now=now)


class TestIdempotency:
    def test_same_key_same_request_returns_the_first_entry(self, program, member, make_order, now):
        order = make_order(member)
        first = ledger.points_earn(member=member, points=70, order=order, now=now, idempotency_key="o-1:earn")
        again = ledger.points_earn(member=member, points=70, order=order, now=now, idempotency_key="o-1:earn")
        assert again.pk == first.pk
        assert balances(member)["pending"] == 70

    def test_same_key_other_request_is_refused(self, program, member, make_order, now):
        order = make_order(member)
        ledger.points_earn(member=member, points=70, order=order, now=now, idempotency_key="o-1:earn")
        with pytest.raises(IdempotencyConflict):
            ledger.points_earn(member=member, points=71, order=order, now=now, idempotency_key="o-1:earn")
        assert balances(member)["pending"] == 70

    def test_replayed_hold_returns_the_same_hold(self, program, member, now):
        credit(member, 100, now)
        first = ledger.hold_reserve(member=member, points=40, now=now, idempotency_key="h-1")
        again = ledger.hold_reserve(member=member, points=40, now=now, idempotency_key="h-1")
        assert again.pk == first.pk
        assert balances(member)["held"] == 40

    def test_database_rejects_a_reused_key(self, program, member, now):
        entry = credit(member, 10, now, idempotency_key="k")
        with pytest.raises(IntegrityError), transaction.atomic():
            Entry.objects.create(account=entry.account, kind=Entry.Kind.EARN, points=1, idempotency_key="k")


class TestDatabaseGuards:
    def test_entries_cannot_be_updated_or_deleted(self, program, member, now):
        entry = credit(member, 10, now)
        with pytest.raises(IntegrityError), transaction.atomic():
            Entry.objects.filter(pk=entry.pk).update(points=1000)
        with pytest.raises(IntegrityError), transaction.atomic():
            Entry.objects.filter(pk=entry.pk).delete()
        assert Entry.objects.get(pk=entry.pk).points == 10

    def test_a_lot_cannot_go_negative(self, program, member, now):
        entry = credit(member, 10, now)
        with pytest.raises(IntegrityError), transaction.atomic():
            Lot.objects.filter(pk=entry.lot_id).update(remaining=-1)

    def test_runs_on_postgresql(self):
        assert connection.vendor == "postgresql"


class TestNextDue:
    """The account row knows when something on it falls due next, so a write
    to an account with nothing due locks it in one statement, and a write
    after that moment applies what fell due first."""

    def next_due(self, member):
        member.points_account.refresh_from_db()
        return member.points_account.next_due_at

    def test_writes_note_the_first_moment_something_falls_due(self, program, member, make_order, now):
        earned = ledger.points_earn(member=member, points=100, order=make_order(member), now=now)
        assert self.next_due(member) == earned.lot.available_at  # pending for the return window

        credit(member, 50, now)
        hold = ledger.hold_reserve(member=member, points=20, now=now)
        assert self.next_due(member) == hold.expires_at  # a hold times out before the window closes

    def test_nothing_due_costs_one_statement_to_lock(self, program, member, now, django_assert_num_queries):
        credit(member, 100, now)

        with django_assert_num_queries(1):  # inside the test's transaction
            ledger.account_lock(member=member, now=now + days(1))

    def test_a_write_after_the_moment_applies_what_fell_due_and_knows_the_next(self, program, member, make_order, now):
        earned = ledger.points_earn(member=member, points=100, order=make_order(member), now=now)
        later = earned.lot.available_at + days(1)

        ledger.points_spend(member=member, points=40, now=later)

        assert balances(member) == {"available": 60, "pending": 0, "held": 0, "debt": 0}
        assert self.next_due(member) == earned.lot.expires_at

    def test_a_moment_left_early_by_a_captured_hold_is_set_exactly_on_the_next_write(self, program, member, now):
        entry = credit(member, 100, now)
        hold = ledger.hold_reserve(member=member, points=30, now=now)
        ledger.hold_capture(hold=hold, now=now)
        assert self.next_due(member) == hold.expires_at  # early, never late

        ledger.points_spend(member=member, points=10, now=hold.expires_at + days(1))

        assert self.next_due(member) == entry.lot.expires_at
        assert balances(member)["available"] == 60
        assert_ledger_consistent()

    def test_the_jobs_leave_the_exact_moment(self, program, member, make_order, now):
        earned = ledger.points_earn(member=member, points=100, order=make_order(member), now=now)

        ledger_jobs.activate_due_lots(now=earned.lot.available_at)

        assert self.next_due(member) == earned.lot.expires_at

    def test_an_inactive_account_burns_its_points_on_the_next_write(self, program, member, now):
        program.inactivity_expiry_days = 180
        program.save()
        credit(member, 100, now)
        ledger.points_earn(member=member, points=5, pending=False, now=now + days(200))

        assert balances(member)["available"] == 5
        assert member.points_account.lifetime_expired == 100
