"""Set-based ledger maintenance: activation of pending lots, expiry, and the
release of holds whose time ran out.

Each job works in batches of accounts. A batch locks its account rows (in
primary-key order, like every other ledger write, so jobs and requests never
deadlock), then changes all due rows of those accounts with a handful of
statements: journal entries are inserted with INSERT ... SELECT, balances are
updated from correlated sums, and the due rows are marked done. Running a job
twice finds nothing due the second time.

The services call ``apply_due_for`` on the account they have locked before
any write, so balances are exact at every write even between job runs. To
know whether anything is due without a query, each account keeps
``next_due_at``: the earliest moment one of its pending lots becomes
available, one of its lots expires or one of its holds times out. Writes
lower it when they add such a moment; ``refresh_next_due`` sets it exactly
after due rows were applied. It may be earlier than needed (a hold captured
before its time ran out leaves it), never later.
"""

import datetime
import logging

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    DateTimeField,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least, NullIf
from django.utils import timezone

from ..models import Account, Entry, Hold, HoldAllocation, Lot
from ..rules import inactivity_cutoff
from ..selectors import program_get
from .lots import settle_debt

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000

_ENTRY_COLUMNS = (
    "account_id",
    "kind",
    "points",
    "available_delta",
    "pending_delta",
    "held_delta",
    "shortfall",
    "lot_id",
    "hold_id",
    "order_id",
    "reason",
    "request_fingerprint",
    "occurred_at",
    "recorded_at",
)


def _insert_entries(rows):
    """INSERT INTO entries SELECT <rows>, where ``rows`` is a values() queryset
    naming the columns of _ENTRY_COLUMNS in order."""
    select_sql, params = rows.query.sql_with_params()
    columns = ", ".join(connection.ops.quote_name(column) for column in _ENTRY_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {Entry._meta.db_table} ({columns}) {select_sql}", params)
        return cursor.rowcount


def _entry_rows(queryset, now, **columns):
    """Shape ``queryset`` as entry rows: ``columns`` maps entry columns to expressions."""
    constants = {
        "shortfall": Value(0),
        "lot_id": Value(None, output_field=BigIntegerField()),
        "hold_id": Value(None, output_field=BigIntegerField()),
        "reason": Value(""),
        "request_fingerprint": Value(""),
        "occurred_at": Value(now, output_field=DateTimeField()),
        "recorded_at": Value(now, output_field=DateTimeField()),
    }
    expressions = {**constants, **columns}
    aliases = {f"c_{column}": expressions[column] for column in _ENTRY_COLUMNS}
    return queryset.order_by().annotate(**aliases).values(*aliases)


def _sum_per_account(queryset, field):
    """A correlated subquery: the sum of ``field`` over ``queryset`` rows of the outer account."""
    per_account = queryset.filter(account_id=OuterRef("pk")).order_by().values("account_id").annotate(total=Sum(field))
    return Coalesce(Subquery(per_account.values("total")), 0)


# Activation of pending lots


def _activation_due(now):
    return Q(is_pending=True, available_at__lte=now)


def _activate(account_ids, now):
    due = Lot.objects.filter(_activation_due(now), account_id__in=account_ids)
    with_points = due.filter(remaining__gt=0)
    _insert_entries(
        _entry_rows(
            with_points,
            now,
            account_id=F("account_id"),
            kind=Value(Entry.Kind.ACTIVATE),
            points=F("remaining"),
            available_delta=F("remaining"),
            pending_delta=-F("remaining"),
            held_delta=Value(0),
            lot_id=F("id"),
            order_id=F("order_id"),
        )
    )
    Account.objects.filter(pk__in=account_ids).update(
        available=F("available") + _sum_per_account(with_points, "remaining"),
        pending=F("pending") - _sum_per_account(with_points, "remaining"),
    )
    activated = due.update(is_pending=False)
    _settle_debts(account_ids)
    return activated


# Expiry


def _expiry_due(now, program):
    """Lots to burn: past their expiry, or on an account inactive for too long."""
    due = Q(remaining__gt=0, expires_at__lte=now)
    cutoff = inactivity_cutoff(now, program)
    if cutoff is not None:
        inactive = Q(account__last_purchase_at__lt=cutoff) | Q(
            account__last_purchase_at__isnull=True, account__created_at__lt=cutoff
        )
        due |= Q(remaining__gt=0) & inactive
    return due


def _expire(account_ids, now, program):
    due = Lot.objects.filter(_expiry_due(now, program), account_id__in=account_ids)
    inactivity = Case(When(expires_at__lte=now, then=Value("")), default=Value(Entry.EXPIRY_REASON_INACTIVITY))
    pending_part = Case(When(is_pending=True, then=F("remaining")), default=Value(0))
    available_part = Case(When(is_pending=False, then=F("remaining")), default=Value(0))
    _insert_entries(
        _entry_rows(
            due,
            now,
            account_id=F("account_id"),
            kind=Value(Entry.Kind.EXPIRE),
            points=F("remaining"),
            available_delta=-available_part,
            pending_delta=-pending_part,
            held_delta=Value(0),
            lot_id=F("id"),
            order_id=F("order_id"),
            reason=inactivity,
        )
    )
    Account.objects.filter(pk__in=account_ids).update(
        available=F("available") - _sum_per_account(due.filter(is_pending=False), "remaining"),
        pending=F("pending") - _sum_per_account(due.filter(is_pending=True), "remaining"),
        lifetime_expired=F("lifetime_expired") + _sum_per_account(due, "remaining"),
    )
    return due.update(expired=F("expired") + F("remaining"), remaining=0)


# Release of stale holds


def _stale_holds(now):
    return Q(status=Hold.Status.ACTIVE, expires_at__lte=now)


def _release_stale(account_ids, now):
    stale = Hold.objects.filter(_stale_holds(now), account_id__in=account_ids)
    allocations = HoldAllocation.objects.filter(hold__in=stale)
    returned_to_lot = (
        allocations.filter(lot_id=OuterRef("pk")).order_by().values("lot_id").annotate(total=Sum("points"))
    )
    Lot.objects.filter(Exists(allocations.filter(lot_id=OuterRef("pk")))).update(
        remaining=F("remaining") + Subquery(returned_to_lot.values("total"))
    )
    _insert_entries(
        _entry_rows(
            stale,
            now,
            account_id=F("account_id"),
            kind=Value(Entry.Kind.RELEASE),
            points=F("points"),
            available_delta=F("points"),
            pending_delta=Value(0),
            held_delta=-F("points"),
            hold_id=F("id"),
            order_id=F("order_id"),
            reason=Value(Entry.RELEASE_REASON_TIMEOUT),
        )
    )
    Account.objects.filter(pk__in=account_ids).update(
        available=F("available") + _sum_per_account(stale, "points"),
        held=F("held") - _sum_per_account(stale, "points"),
    )
    released = stale.update(status=Hold.Status.RELEASED, resolved_at=now)
    _settle_debts(account_ids)
    return released


def _settle_debts(account_ids):
    """Points that arrive on an account in debt pay the debt first. Accounts
    in debt are rare (a return after the points were spent, under the
    allow-negative policy), so this visits only them."""
    for account in Account.objects.filter(pk__in=account_ids, debt__gt=0):
        settle_debt(account)


# When something falls due next

_NEVER = datetime.datetime.max.replace(tzinfo=datetime.UTC)


def _earliest(queryset, field):
    per_account = queryset.filter(account_id=OuterRef("pk")).order_by().values("account_id").annotate(at=Min(field))
    return Coalesce(Subquery(per_account.values("at")), Value(_NEVER), output_field=DateTimeField())


def refresh_next_due(account_ids):
    """Set ``next_due_at`` of the accounts exactly, in one statement: the
    earliest moment a pending lot becomes available, an open lot expires or
    an active hold times out (NULL when there is none)."""
    earliest = Least(
        _earliest(Lot.objects.filter(is_pending=True), "available_at"),
        _earliest(Lot.objects.filter(remaining__gt=0, expires_at__isnull=False), "expires_at"),
        _earliest(Hold.objects.filter(status=Hold.Status.ACTIVE), "expires_at"),
    )
    Account.objects.filter(pk__in=account_ids).update(next_due_at=NullIf(earliest, Value(_NEVER)))


def is_due(account, now, program):
    """Whether something on the account has fallen due at ``now``, from the
    account row alone: its ``next_due_at``, or, under an inactivity policy,
    no purchase for too long while it still has points."""
    if account.next_due_at is not None and account.next_due_at <= now:
        return True
    cutoff = inactivity_cutoff(now, program)
    if cutoff is None:
        return False
    last_activity = account.last_purchase_at or account.created_at
    return last_activity < cutoff and account.available + account.debt + account.pending > 0


def note_due(account, *moments):
    """Lower the account's ``next_due_at`` (in memory) to the earliest of
    ``moments`` that is set: a write that adds a lot or a hold notes when it
    falls due."""
    moments = [moment for moment in (account.next_due_at, *moments) if moment is not None]
    account.next_due_at = min(moments) if moments else None


# Entry points


def apply_due_for(account_ids, now, program):
    """Bring accounts the caller has locked up to date: release stale holds,
    activate due lots, burn expired ones (in this order, so points released
    into a lot that has meanwhile expired burn at once), and set when
    something falls due next."""
    _release_stale(account_ids, now)
    _activate(account_ids, now)
    _expire(account_ids, now, program)
    refresh_next_due(account_ids)


def _run(name, candidates, step, now, batch_size):
    """Apply ``step`` to batches of locked accounts that have due rows."""
    touched_rows = touched_accounts = 0
    last_id = 0
    while True:
        with transaction.atomic():
            account_ids = list(
                Account.objects.select_for_update()
                .filter(pk__in=candidates.values("account_id"), pk__gt=last_id)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not account_ids:
                break
            touched_rows += step(account_ids, now)
            refresh_next_due(account_ids)
        touched_accounts += len(account_ids)
        last_id = account_ids[-1]
    logger.info("%s: %d rows on %d accounts", name, touched_rows, touched_accounts)
    return touched_rows


def activate_due_lots(now=None, batch_size=BATCH_SIZE):
    """Make pending lots whose return window has closed available. Returns the number of lots."""
    now = now or timezone.now()
    return _run("activate_due_lots", Lot.objects.filter(_activation_due(now)), _activate, now, batch_size)


def expire_due_lots(now=None, batch_size=BATCH_SIZE):
    """Burn what is left of lots past their expiry (and, under an inactivity
    policy, of accounts without a recent purchase). Returns the number of lots."""
    now = now or timezone.now()
    program = program_get()
    return _run(
        "expire_due_lots",
        Lot.objects.filter(_expiry_due(now, program)),
        lambda account_ids, moment: _expire(account_ids, moment, program),
        now,
        batch_size,
    )


def release_stale_holds(now=None, batch_size=BATCH_SIZE):
    """Release holds nobody captured or released in time. Returns the number of holds."""
    now = now or timezone.now()
    released = _run("release_stale_holds", Hold.objects.filter(_stale_holds(now)), _release_stale, now, batch_size)
    if released:
        # Points released into lots that expired meanwhile burn now, not at the next expiry run.
        expire_due_lots(now, batch_size)
    return released
