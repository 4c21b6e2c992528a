"""How long a paid membership's period lasts (no queries)."""

import datetime

from dateutil.relativedelta import relativedelta

from loyalty.rules import end_of_local_day, local_date


def period_end(start, plan, program):
    """When a period of ``plan`` that starts at ``start`` ends, or None for a
    lifetime plan.

    The day it starts counts whole, and the period ends at the local midnight
    that begins the same day of the month one or twelve months later (the
    month's last day when it has no such day), in the program time zone: a
    monthly plan bought on 10 March lasts through 9 April, and its renewal
    through 9 May.
    """
    if plan.months is None:
        return None
    first_day_after = local_date(start, program) + relativedelta(months=plan.months)
    return end_of_local_day(first_day_after - datetime.timedelta(days=1), program)
