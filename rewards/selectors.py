"""Reads of tiers: the settings, the windows, a member's qualifying value and
their progress.

A member's qualifying value counts orders by the moment they were completed,
net of what was returned since: a returned order never counts, whenever the
return happened. docs/tiers.md gives the rules.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Case, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from loyalty.caching import ProcessCache
from loyalty.models import Entry, Order, OrderLine
from loyalty.rules import end_of_local_day, local_date
from members.models import Member

from .models import Membership, MembershipPlan, MemberTier, Tier, TierChange, TierProgram

_VALUE = DecimalField(max_digits=16, decimal_places=2)
_LAST_MOMENT = datetime.timedelta(microseconds=1)


def tier_program_for_change():
    """The tier settings row read from the database now, created with
    defaults on first use: the one to change and save."""
    settings, _ = TierProgram.objects.get_or_create(pk=TierProgram.SINGLETON_ID)
    return settings


_tier_program_cache = ProcessCache(tier_program_for_change, models=[TierProgram])
_tiers_cache = ProcessCache(lambda: tuple(Tier.objects.order_by("position")), models=[Tier])
# Every plan, also those no longer sold: members who bought one keep its benefits.
_plans_cache = ProcessCache(
    lambda: {plan.pk: plan for plan in MembershipPlan.objects.select_related("grants_tier")},
    models=[MembershipPlan, Tier],
)


def tier_program_get():
    """The tier settings, cached in the process like the program's
    (loyalty/caching.py): read-only for callers."""
    return _tier_program_cache.get()


def tiers_list():
    """The tiers, lowest first, cached in the process like the program
    settings: every completed order evaluates the member's tier against them."""
    return list(_tiers_cache.get())


def tier_by_id(tier_id):
    """A tier from the process cache (None for None)."""
    return next((tier for tier in _tiers_cache.get() if tier.pk == tier_id), None)


def member_tier_get(member):
    return MemberTier.objects.select_related("tier").filter(member=member).first()


# What checkout reads of a member, as annotations of the member's own query
# (RewardsConfig.ready() has loyalty add them to the cart's member): ids and
# dates, resolved to tiers and plans from the process caches.
MEMBER_BENEFITS = {
    "benefit_tier_id": F("tier_status__tier_id"),
    "benefit_plan_id": F("membership__plan_id"),
    "benefit_membership_status": F("membership__status"),
    "benefit_membership_expires_at": F("membership__expires_at"),
}


def member_tier_and_plan(member, *, now):
    """The member's tier (None without one) and the plan of their membership
    if it is active at ``now`` (None otherwise): no query when ``member`` was
    read with the MEMBER_BENEFITS annotations, as checkout's members are, one
    otherwise."""
    if hasattr(member, "benefit_tier_id"):
        values = {name: getattr(member, name) for name in MEMBER_BENEFITS}
    else:
        values = Member.objects.filter(pk=member.pk).values(**MEMBER_BENEFITS).first() or dict.fromkeys(MEMBER_BENEFITS)
    active = Membership.active_at(values["benefit_membership_status"], values["benefit_membership_expires_at"], now)
    plan = _plans_cache.get().get(values["benefit_plan_id"]) if active else None
    return tier_by_id(values["benefit_tier_id"]), plan


def effective_tier(member, *, now):
    """The tier whose rewards the member may get: their own, or the one their
    active membership grants when that is higher. One query."""
    tier, plan = member_tier_and_plan(member, now=now)
    granted = plan.grants_tier if plan is not None else None
    if granted is not None and (tier is None or granted.position > tier.position):
        return granted
    return tier


def tier_history(member):
    return (
        TierChange.objects.filter(member=member)
        .select_related("from_tier", "to_tier", "staff_user")
        .order_by("-changed_at", "-id")
    )


# Windows and periods, in the program time zone


def window_start(end, settings, program):
    """The first instant of the window that ends at ``end`` (inclusive), or
    None for a lifetime window."""
    last_day = local_date(end, program)
    if settings.window == TierProgram.Window.CALENDAR_YEAR:
        return end_of_local_day(datetime.date(last_day.year - 1, 12, 31), program)
    if settings.window == TierProgram.Window.ROLLING_MONTHS:
        return end_of_local_day(last_day - relativedelta(months=settings.window_months), program)
    return None


def next_review_at(moment, settings, program):
    """When a tier held at ``moment`` is next checked against its threshold to
    keep (exclusive: the first instant of the next period), or None when the
    program never downgrades.

    A calendar-year or lifetime window is reviewed at the end of the local
    year; a rolling window every N months after the tier was reached or kept.
    """
    if settings.downgrade_policy == TierProgram.DowngradePolicy.NEVER:
        return None
    day = local_date(moment, program)
    if settings.window == TierProgram.Window.ROLLING_MONTHS:
        return end_of_local_day(day + relativedelta(months=settings.window_months, days=-1), program)
    return end_of_local_day(datetime.date(day.year, 12, 31), program)


# Qualifying values


def _in_window(prefix, start, end):
    condition = Q(**{f"{prefix}completed_at__lte": end})
    if start is not None:
        condition &= Q(**{f"{prefix}completed_at__gte": start})
    return condition


def _total(queryset, group_by, expression):
    per_member = queryset.order_by().values(group_by).annotate(total=expression).values("total")
    return Coalesce(Subquery(per_member, output_field=_VALUE), Value(Decimal(0)), output_field=_VALUE)


def qualifying_value_expression(settings, *, start, end):
    """The qualifying value of the outer member (``OuterRef("pk")``) over the
    orders completed from ``start`` to ``end``, as a correlated subquery, so a
    batch of members gets its values in one query.

    * points: points earned on those orders, less what their returns took back
      (the shortfall included: a point the member had already spent still
      stops counting), never the balance;
    * spend: their lines after discounts (money and points), less the value
      returned; shipping is not spending on goods;
    * orders: those not returned in full.
    """
    rows, member_field, total = _qualifying_rows(settings, start=start, end=end)
    return _total(rows.filter(**{member_field: OuterRef("pk")}), member_field, total)


def _qualifying_rows(settings, *, start, end):
    """What the basis counts: (rows, the field naming their member, the sum
    of their values). See ``qualifying_value_expression``."""
    if settings.basis == TierProgram.Basis.SPEND:
        lines = OrderLine.objects.filter(_in_window("order__", start, end))
        return lines, "order__member_id", Sum(F("amount") - F("returned_value"), output_field=_VALUE)
    if settings.basis == TierProgram.Basis.ORDERS:
        orders = Order.objects.filter(_in_window("", start, end)).exclude(status=Order.Status.RETURNED)
        return orders, "member_id", Sum(Value(Decimal(1)), output_field=_VALUE)
    entries = Entry.objects.filter(_in_window("order__", start, end), kind__in=(Entry.Kind.EARN, Entry.Kind.CLAWBACK))
    signed = Case(When(kind=Entry.Kind.EARN, then=F("points")), default=-(F("points") + F("shortfall")))
    return entries, "account_id", Sum(signed, output_field=_VALUE)


def qualifying_values(member_ids, settings, program, *, end):
    """{member id: qualifying value} over the window ending at ``end``, in one query."""
    expression = qualifying_value_expression(settings, start=window_start(end, settings, program), end=end)
    return dict(Member.objects.filter(pk__in=member_ids).annotate(value=expression).values_list("pk", "value"))


def qualifying_value(member, settings, program, *, end):
    """One member's qualifying value: an aggregate over their own rows, the
    query every completed order runs to see whether the member moves up."""
    rows, member_field, total = _qualifying_rows(settings, start=window_start(end, settings, program), end=end)
    value = rows.filter(**{member_field: member.pk}).aggregate(value=total)["value"]
    return value if value is not None else Decimal(0)


def period_value(member_ids, settings, program, *, review_at):
    """Values over the period that ends at ``review_at`` (exclusive)."""
    return qualifying_values(member_ids, settings, program, end=review_at - _LAST_MOMENT)


# Progress


@dataclass(frozen=True)
class TierProgress:
    """Where a member stands: ``needed_for_next`` is what is still missing to
    reach ``next_tier``; ``needed_to_keep`` what is missing to keep ``tier``
    by ``keep_by`` (None when nothing can take the tier away)."""

    basis: str
    value: Decimal
    tier: Tier | None
    since: datetime.datetime | None
    locked_until: datetime.datetime | None
    next_tier: Tier | None
    needed_for_next: Decimal | None
    keep_threshold: Decimal | None
    needed_to_keep: Decimal | None
    keep_by: datetime.datetime | None


def tier_progress(member, program, *, now):
    """The member's tier, the next one and what is missing, from the window
    ending ``now`` (four queries)."""
    settings = tier_program_get()
    status = member_tier_get(member)
    value = qualifying_value(member, settings, program, end=now)
    tier = status.tier if status else None
    position = tier.position if tier else -1
    next_tier = Tier.objects.filter(invitation_only=False, position__gt=position).order_by("position").first()
    keep_by = None
    if status is not None and not tier.invitation_only and not (status.locked_until and status.locked_until > now):
        keep_by = status.grace_until or status.review_at
    return TierProgress(
        basis=settings.basis,
        value=value,
        tier=tier,
        since=status.since if status else None,
        locked_until=status.locked_until if status else None,
        next_tier=next_tier,
        needed_for_next=max(next_tier.threshold - value, Decimal(0)) if next_tier else None,
        keep_threshold=tier.threshold_to_keep if keep_by else None,
        needed_to_keep=max(tier.threshold_to_keep - value, Decimal(0)) if keep_by else None,
        keep_by=keep_by,
    )
