"""Writes of tiers: evaluating members, assigning tiers by hand, the
nightly re-evaluation (every move writes a TierChange), and the tiers'
birthday bonuses.

One decision function, ``_decide``, holds the movement rules for the order
signals and for the nightly job alike; docs/tiers.md states them.
"""

import calendar
import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from loyalty.exceptions import IdempotencyConflict
from loyalty.models import Entry, Order, OrderReturn
from loyalty.rules import end_of_local_day, local_date
from loyalty.selectors import program_get
from loyalty.services import ledger
from loyalty.transactions import unit_of_work
from members.models import Member

from .models import MemberTier, Tier, TierChange, TierProgram
from .selectors import (
    next_review_at,
    period_value,
    qualifying_value,
    qualifying_values,
    tier_by_id,
    tier_program_for_change,
    tier_program_get,
    tiers_list,
)

BATCH_SIZE = 1000


@dataclass
class _Context:
    settings: TierProgram
    program: object
    tiers: list
    now: datetime.datetime

    def qualified_tier(self, value, *, below=None):
        """The highest tier ``value`` reaches by its threshold (never an
        invitation-only one), below the position ``below`` if given."""
        reached = [
            tier
            for tier in self.tiers
            if not tier.invitation_only and tier.threshold <= value and (below is None or tier.position < below)
        ]
        return reached[-1] if reached else None

    def review_from(self, moment):
        return next_review_at(moment, self.settings, self.program)


def _context(now, settings=None):
    return _Context(settings=settings or tier_program_get(), program=program_get(), tiers=tiers_list(), now=now)


@dataclass(frozen=True)
class _Move:
    tier: Tier
    reason: str


def _decide(status, context, *, value, period):
    """What happens to ``status`` (the member's MemberTier, or None) now.

    ``value`` is the qualifying value over the window ending now; ``period``
    the value over the period that ended at ``status.review_at``, when that
    review is due. Returns a _Move, or None; updates the review and grace
    dates of ``status`` in place either way.
    """
    now, settings = context.now, context.settings
    qualified = context.qualified_tier(value)
    if status is None:
        return _Move(qualified, TierChange.Reason.QUALIFIED) if qualified else None
    current = status.tier
    if (status.locked_until and status.locked_until > now) or current.invitation_only:
        return None
    if qualified and qualified.position > current.position:
        return _Move(qualified, TierChange.Reason.UPGRADE)
    keeps = value >= current.threshold_to_keep
    if status.grace_until is not None:
        if keeps:
            status.grace_until, status.review_at = None, context.review_from(now)
        elif status.grace_until <= now:
            return _Move(_lower_tier(context, current, value), TierChange.Reason.GRACE_ENDED)
        return None
    if status.review_at is None or status.review_at > now:
        return None
    if period >= current.threshold_to_keep or settings.downgrade_policy == TierProgram.DowngradePolicy.NEVER:
        status.review_at = context.review_from(now)
        return None
    if settings.downgrade_policy == TierProgram.DowngradePolicy.GRACE:
        status.grace_until = status.review_at + datetime.timedelta(days=settings.grace_days)
        status.review_at = None
        return _decide(status, context, value=value, period=period) if status.grace_until <= now else None
    return _Move(_lower_tier(context, current, max(value, period)), TierChange.Reason.PERIOD_END)


def _lower_tier(context, current, value):
    """Where a member who did not keep ``current`` lands: the highest lower tier
    ``value`` reaches, or the lowest tier of all."""
    return context.qualified_tier(value, below=current.position) or next(
        tier for tier in context.tiers if not tier.invitation_only
    )


def _move(member_id, status, move, context, *, note="", staff_user=None, locked_until=None):
    """Put the member in ``move.tier``: the new or changed MemberTier (not
    saved) and the TierChange that records it (not saved), so a single
    evaluation and a batch write them alike."""
    from_tier = status.tier if status else None
    status = status or MemberTier(member_id=member_id)
    status.tier = move.tier
    status.since = context.now
    status.review_at = context.review_from(context.now)
    status.grace_until = None
    status.assigned_by_staff = staff_user is not None
    status.locked_until = locked_until
    change = TierChange(
        member_id=member_id,
        from_tier=from_tier,
        to_tier=move.tier,
        reason=move.reason,
        note=note,
        staff_user=staff_user,
        changed_at=context.now,
    )
    return status, change


def _apply(member_id, status, move, context, **details):
    created = status is None
    status, change = _move(member_id, status, move, context, **details)
    status.save(force_insert=created)
    change.save()
    return change


def _locked_status(member):
    """The member's tier row, locked; its tier from the process cache."""
    status = MemberTier.objects.select_for_update().filter(member=member).first()
    if status is not None:
        status.tier = tier_by_id(status.tier_id)
    return status


@unit_of_work()
def tier_evaluate(*, member, now=None):
    """Move the member to the tier their figures give now: an upgrade at once,
    a downgrade as the downgrade policy says. Returns the TierChange or None."""
    return _evaluate(member, _locked_status(member), _context(now or timezone.now()))


def _evaluate(member, status, context):
    value = qualifying_value(member, context.settings, context.program, end=context.now)
    period = value
    if status is not None and status.review_at is not None and status.review_at <= context.now:
        period = period_value([member.pk], context.settings, context.program, review_at=status.review_at)[member.pk]
    dates = None if status is None else (status.review_at, status.grace_until)
    move = _decide(status, context, value=value, period=period)
    if move is None:
        if status is not None and (status.review_at, status.grace_until) != dates:
            status.save(update_fields=["review_at", "grace_until"])
        return None
    return _apply(member.pk, status, move, context)


@unit_of_work()
def tier_evaluate_after_return(*, member, order, now=None):
    """Re-evaluate after a return of ``order``. If the order helped the member
    reach their tier and, without what came back, the tier's threshold was
    not met, the tier goes at once whatever the downgrade policy: a tier must
    not be bought with goods that are then returned."""
    context = _context(now or timezone.now())
    status = _locked_status(member)
    if (
        status is not None
        and not status.assigned_by_staff
        and not status.tier.invitation_only
        and order.completed_at is not None
        and order.completed_at <= status.since
    ):
        at_since = qualifying_value(member, context.settings, context.program, end=status.since)
        if at_since < status.tier.threshold:
            value = qualifying_value(member, context.settings, context.program, end=context.now)
            lower = _lower_tier(context, status.tier, value)
            if lower.position < status.tier.position:
                return _apply(member.pk, status, _Move(lower, TierChange.Reason.RETURN), context, note=order.number)
    return _evaluate(member, status, context)


@unit_of_work()
def tier_assign(*, member, tier, staff_user, note, locked_until=None, now=None):
    """Put the member in ``tier`` by hand, with the reason staff gave. Until
    ``locked_until`` no automatic evaluation moves them; invitation-only tiers
    are reached only this way."""
    context = _context(now or timezone.now())
    if not note.strip():
        raise ValidationError({"note": _("Give the reason for the change.")})
    if locked_until is not None and locked_until <= context.now:
        raise ValidationError({"locked_until": _("The lock must end in the future.")})
    status = _locked_status(member)
    return _apply(
        member.pk,
        status,
        _Move(tier, TierChange.Reason.MANUAL),
        context,
        note=note,
        staff_user=staff_user,
        locked_until=locked_until,
    )


# The nightly re-evaluation


def _candidates(settings, now):
    """Members whose tier could move: those with orders completed or returned
    since the last run, those whose review, grace period or lock is due, and
    those who have no tier yet, in the order of their ids. The first run
    looks at everyone.

    The query runs again for every batch (from the last id on): its
    subqueries read the orders and returns since the last run through their
    time indexes, a day's worth, however long the history."""
    since = settings.last_evaluated_at
    if since is None:
        return Member.objects.order_by("pk").values_list("pk", flat=True)
    changed = (
        Q(tier_status__isnull=True)
        | Q(tier_status__review_at__lte=now)
        | Q(tier_status__grace_until__lte=now)
        | Q(tier_status__locked_until__lte=now)
    )
    ordered = Order.objects.filter(member_id__isnull=False, completed_at__gte=since)
    returned = OrderReturn.objects.filter(created_at__gte=since)
    changed |= Q(pk__in=ordered.values("member_id")) | Q(pk__in=returned.values("order__member_id"))
    return Member.objects.filter(changed).order_by("pk").values_list("pk", flat=True)


def _evaluate_batch(member_ids, context):
    """Evaluate a batch in a fixed number of queries: the locked statuses, the
    values over the window ending now, the values of each due period (one
    query per distinct review date, in practice one), and the writes."""
    statuses = {
        status.member_id: status
        for status in MemberTier.objects.select_for_update().select_related("tier").filter(member_id__in=member_ids)
    }
    dates = {
        member_id: (status.review_at, status.grace_until, status.locked_until) for member_id, status in statuses.items()
    }
    values = qualifying_values(member_ids, context.settings, context.program, end=context.now)
    due = {}
    for status in statuses.values():
        if status.locked_until is not None and status.locked_until <= context.now:
            status.locked_until = None
        if status.review_at is not None and status.review_at <= context.now:
            due.setdefault(status.review_at, []).append(status.member_id)
    periods = {}
    for review_at, ids in due.items():
        periods.update(period_value(ids, context.settings, context.program, review_at=review_at))
    created, changed, changes = [], [], []
    for member_id in member_ids:
        status = statuses.get(member_id)
        value = values[member_id]
        move = _decide(status, context, value=value, period=periods.get(member_id, value))
        if move is not None:
            status, change = _move(member_id, status, move, context)
            changes.append(change)
        if status is None:
            continue
        if member_id not in statuses:
            created.append(status)
        elif move is not None or (status.review_at, status.grace_until, status.locked_until) != dates[member_id]:
            changed.append(status)
    MemberTier.objects.bulk_create(created)
    MemberTier.objects.bulk_update(
        changed, ["tier", "since", "review_at", "grace_until", "locked_until", "assigned_by_staff"]
    )
    TierChange.objects.bulk_create(changes)
    return len(changes)


def tiers_reevaluate(now=None):
    """The nightly job: re-evaluate the members whose tier could have moved,
    in batches, and remember when it ran. Running it twice moves nobody the
    second time. Returns the number of tier changes."""
    now = now or timezone.now()
    # The settings as stored now, not as cached: the last run's time decides the candidates.
    context = _context(now, tier_program_for_change())
    if not context.tiers:
        return 0
    candidates = _candidates(context.settings, now)
    moved, last_id = 0, 0
    while batch := list(candidates.filter(pk__gt=last_id)[:BATCH_SIZE]):
        with transaction.atomic():
            moved += _evaluate_batch(batch, context)
        last_id = batch[-1]
    TierProgram.objects.filter(pk=context.settings.pk).update(last_evaluated_at=now)
    return moved


# Birthday bonuses

# A day the job did not run (beat down, say) is caught up by the next runs.
BIRTHDAY_CATCH_UP_DAYS = 3


def _birthdays_on(day):
    """Members born on ``day``'s month and day. On 28 February of a year that
    has no 29 February, those born on the 29th celebrate too (on the last day
    of their birth month, not on 1 March)."""
    condition = Q(birth_date__month=day.month, birth_date__day=day.day)
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        condition |= Q(birth_date__month=2, birth_date__day=29)
    return condition


def birthday_bonuses_award(now=None):
    """The daily job: credit each active member whose birthday it is, in the
    program time zone, their tier's ``birthday_bonus_points``, available at
    once. Returns how many were credited.

    Whose birthday it is, and who was not credited for that birthday yet, is
    one query per day looked at (today, and the days a missed run left
    behind); the credits go through ``ledger.points_earn`` with the key
    ``birthday:<member>:<year>``, so a member gets one bonus a year however
    often the job runs, also when two runs overlap.
    """
    now = now or timezone.now()
    program = program_get()
    today = local_date(now, program)
    awarded = 0
    for days_ago in range(BIRTHDAY_CATCH_UP_DAYS):
        day = today - datetime.timedelta(days=days_ago)
        key = Concat(Value("birthday:"), Cast("pk", CharField()), Value(f":{day.year}"), output_field=CharField())
        members = (
            Member.objects.filter(
                _birthdays_on(day),
                status=Member.Status.ACTIVE,
                enrolled_at__lt=end_of_local_day(day, program),
                tier_status__tier__birthday_bonus_points__gt=0,
            )
            .annotate(bonus_key=key)
            .exclude(Exists(Entry.objects.filter(idempotency_key=OuterRef("bonus_key"))))
            .select_related("tier_status__tier")
            .order_by("pk")
        )
        # A day's birthdays are a small share of the members (about 1 in 365).
        for member in members:
            tier = member.tier_status.tier
            try:
                ledger.points_earn(
                    member=member,
                    points=tier.birthday_bonus_points,
                    source=tier,
                    reason="Birthday bonus",
                    pending=False,
                    now=now,
                    idempotency_key=member.bonus_key,
                )
            except IdempotencyConflict:
                continue  # an overlapping run credited it first, under another tier
            awarded += 1
    return awarded
