"""The program's arithmetic and calendar, each rule written once.

Rounding of points, the money value of points, the minor unit of money and
the program's time zone live here; everything else imports them.
"""

import calendar
import datetime
import math
import zoneinfo
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction

from .models import Program

_ROUNDING_MODES = {
    Program.Rounding.DOWN: ROUND_FLOOR,
    Program.Rounding.HALF_UP: ROUND_HALF_UP,
    Program.Rounding.UP: ROUND_CEILING,
}
# Currencies whose minor unit is not 1/100 (ISO 4217).
_MINOR_UNIT_EXPONENTS = {"JPY": 0, "KRW": 0, "VND": 0, "KWD": 3, "BHD": 3, "OMR": 3, "JOD": 3, "TND": 3}


def round_points(value, program):
    """Whole points from a fractional amount, by the program's rounding rule.

    Points are whole numbers everywhere; this is the only place a fraction of
    a point becomes one.
    """
    return int(Decimal(value).to_integral_value(rounding=_ROUNDING_MODES[program.rounding]))


def _minor_unit(currency):
    return Decimal(1).scaleb(-_MINOR_UNIT_EXPONENTS.get(currency, 2))


def quantize_money(amount, currency):
    """An amount rounded half-up to the currency's minor unit (kopecks, cents)."""
    return Decimal(amount).quantize(_minor_unit(currency), rounding=ROUND_HALF_UP)


def money_for_points(points, program):
    """What the given points pay for, in the program currency."""
    return quantize_money(Decimal(points) * program.point_value, program.currency)


def points_covering(amount, program):
    """The most points whose exact value does not exceed ``amount`` rounded
    down to the minor unit, so that their value as ``money_for_points``
    rounds it never exceeds ``amount`` either: a cap of 30% of 382.19 RUB is
    114.657 RUB, and at 0.3333 RUB a point, 343 points (114.32 RUB) fit under
    it where 344 would pay 114.66."""
    whole_minor_units = Decimal(amount).quantize(_minor_unit(program.currency), rounding=ROUND_FLOOR)
    return int((whole_minor_units / program.point_value).to_integral_value(rounding=ROUND_FLOOR))


def base_points_for(amount, program):
    """Points the base earn rule gives for an eligible amount of money."""
    amount = Decimal(amount)
    if amount <= 0 or amount < program.min_earning_order_amount:
        return 0
    if program.earn_rule == Program.EarnRule.CASHBACK:
        cashback = amount * program.cashback_percent / 100
        return round_points(cashback / program.point_value, program)
    steps = amount / program.earn_step
    return round_points(steps * program.earn_points, program)


def program_zone(program):
    return zoneinfo.ZoneInfo(program.time_zone)


def local_date(moment, program):
    """The calendar date of a moment in the program time zone."""
    return moment.astimezone(program_zone(program)).date()


def end_of_local_day(day, program):
    """The first instant after ``day`` ends in the program time zone, in UTC.

    Deadlines are exclusive: a lot "expiring on 10 March" burns at local
    midnight between the 10th and the 11th, whatever the daylight saving
    offset of either day.
    """
    next_midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), program_zone(program))
    return next_midnight.astimezone(datetime.UTC)


def _add_months(day, months):
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expires_at_for(earned_at, program):
    """When points earned at ``earned_at`` expire under the expiry policy, or None."""
    policy = program.expiry_policy
    earned_on = local_date(earned_at, program)
    if policy == Program.ExpiryPolicy.NEVER:
        return None
    if policy == Program.ExpiryPolicy.DAYS_AFTER_EARNING:
        last_day = earned_on + datetime.timedelta(days=program.expiry_days)
    elif policy == Program.ExpiryPolicy.END_OF_MONTH:
        target = _add_months(earned_on, program.expiry_months)
        last_day = target.replace(day=calendar.monthrange(target.year, target.month)[1])
    else:
        last_day = datetime.date(_add_months(earned_on, program.expiry_months).year, 12, 31)
    return end_of_local_day(last_day, program)


def available_at_for(earned_at, program):
    """When points earned at ``earned_at`` leave the pending period.

    The return window is counted in whole days, so points earned on a given
    day all become available at the end of the day the window closes.
    """
    if program.pending_days == 0:
        return earned_at
    return end_of_local_day(local_date(earned_at, program) + datetime.timedelta(days=program.pending_days - 1), program)


def hold_expires_at(created_at, program):
    return created_at + datetime.timedelta(minutes=program.hold_timeout_minutes)


def inactivity_cutoff(now, program):
    """Accounts without a purchase since this moment lose their points, or None."""
    if not program.inactivity_expiry_days:
        return None
    return now - datetime.timedelta(days=program.inactivity_expiry_days)


def allocate_proportionally(total, weights, limits=None):
    """Split the whole number ``total`` into whole parts proportional to ``weights``.

    Largest remainder: each part gets the floor of its exact share and the
    units left over go to the largest fractions (the earlier part on a tie).
    The parts always add up to ``total``, so points or money split over an
    order's lines add up to the order's figure, and returning every line
    gives back exactly what the order took.

    ``limits`` caps each part (a line cannot take more points than its amount
    pays for): a part whose exact share reaches its limit gets the limit and
    the rest is shared among the others by the same rule. A part with a zero
    weight gets nothing. ValueError if the weights or limits cannot take
    ``total``.
    """
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise ValueError(f"Cannot allocate {total!r}: give a whole number of at least zero.")
    weights = [Fraction(weight) for weight in weights]
    if any(weight < 0 for weight in weights):
        raise ValueError("Weights must not be negative.")
    limits = [None] * len(weights) if limits is None else list(limits)
    if len(limits) != len(weights):
        raise ValueError("Give one limit per weight.")
    parts = [0] * len(weights)
    open_indexes = [i for i, weight in enumerate(weights) if weight > 0 and (limits[i] is None or limits[i] > 0)]
    remaining = total
    while remaining:
        weight_sum = sum(weights[i] for i in open_indexes)
        if not weight_sum:
            raise ValueError(f"Cannot allocate {total}: the weights and limits take less.")
        full = [i for i in open_indexes if limits[i] is not None and remaining * weights[i] >= limits[i] * weight_sum]
        if not full:
            shares = {i: remaining * weights[i] / weight_sum for i in open_indexes}
            for i in open_indexes:
                parts[i] = math.floor(shares[i])
            left_over = remaining - sum(parts[i] for i in open_indexes)
            for i in sorted(open_indexes, key=lambda i: (parts[i] - shares[i], i))[:left_over]:
                parts[i] += 1
            break
        for i in full:
            parts[i] = limits[i]
            remaining -= limits[i]
        open_indexes = [i for i in open_indexes if i not in full]
    return parts


def allocate_money(amount, weights, currency, limits=None):
    """Split an amount of money like ``allocate_proportionally``, in the
    currency's minor units, so the parts add up to the amount to the kopeck."""
    exponent = _MINOR_UNIT_EXPONENTS.get(currency, 2)

    def minor_units(value):
        return int(quantize_money(value, currency).scaleb(exponent))

    parts = allocate_proportionally(
        minor_units(amount), weights, None if limits is None else [minor_units(limit) for limit in limits]
    )
    return [Decimal(part).scaleb(-exponent) for part in parts]


def cumulative_share(points, part, whole):
    """The points that ``part`` of ``whole`` carries, rounded down.

    Returns are processed as cumulative shares: each return takes the share of
    everything returned so far minus what earlier returns took. The share of
    the whole is the whole, so partial returns that add up to the order leave
    exactly the state of one full return, and rounding never creates or loses
    a point.
    """
    if whole <= 0 or part <= 0:
        return 0
    if part >= whole:
        return points
    return math.floor(Fraction(points) * Fraction(part) / Fraction(whole))
