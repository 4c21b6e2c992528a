"""The only way to write to the points ledger.

Every function here runs in one transaction that starts by locking the
member's account row (``SELECT ... FOR UPDATE``), so concurrent writes to an
account are serialised and no interleaving can spend a point twice. After the
lock, anything that has fallen due on the account (a hold that timed out, a
lot that became available or expired) is applied first, so every decision is
made on exact balances.

Functions that a storefront may retry take an ``idempotency_key``: the same
key with the same arguments returns the first result and changes nothing; the
same key with other arguments raises ``IdempotencyConflict``.

Each function is a ``unit_of_work`` (loyalty/transactions.py): called by
another service, it joins that service's transaction without a savepoint, and
a failure fails the whole operation.

The order lifecycle has functions of its own (``order_points_settle``,
``order_points_return``): they make several movements of one order under one
lock and one balance update, where the single movements would lock and
update once each.
"""

import hashlib
import json
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Member

from ..exceptions import (
    ClawbackTooLarge,
    HoldNotActive,
    IdempotencyConflict,
    InsufficientPoints,
    InvalidPoints,
    MemberNotActive,
    RefundTooLarge,
)
from ..models import Account, Entry, Hold, HoldAllocation, Lot, Program
from ..rules import available_at_for, expires_at_for, hold_expires_at
from ..selectors import program_get
from ..transactions import unit_of_work
from .ledger_jobs import apply_due_for, is_due, note_due
from .lots import settle_debt, take_from_lots

_IDEMPOTENCY_CONSTRAINT = "entry_idempotency_key_unique"


# Building blocks


def _check_points(points):
    if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
        raise InvalidPoints(points=points)


def _fingerprint(**arguments):
    canonical = json.dumps(arguments, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _source_key(source):
    """What a fingerprint records of an entry's source (a reward, a campaign)."""
    return f"{type(source).__name__}:{getattr(source, 'pk', None)}"


def _earn_fingerprint(member_id, points, order_id, pending, source):
    return _fingerprint(
        op="earn", member=member_id, points=points, order=order_id, pending=pending, source=_source_key(source)
    )


def _replay(idempotency_key, fingerprint):
    """The entry an earlier call with this key wrote, or None if there was none."""
    if idempotency_key is None:
        return None
    entry = Entry.objects.filter(idempotency_key=idempotency_key).first()
    if entry is not None and entry.request_fingerprint != fingerprint:
        raise IdempotencyConflict(idempotency_key=idempotency_key)
    return entry


def _lock(member_id, now, program):
    """The member's account, locked for this transaction, with everything due
    applied. The account row says whether anything is due (``is_due``), so
    an account with nothing due costs this one statement."""
    locked = Account.objects.select_for_update(of=("self",))
    account = locked.filter(pk=member_id).first()
    if account is None:
        Account.objects.bulk_create([Account(member_id=member_id, created_at=now)], ignore_conflicts=True)
        account = locked.get(pk=member_id)
    if is_due(account, now, program):
        apply_due_for([account.pk], now, program)
        account = locked.get(pk=member_id)
    return account


def _open(member_id, now, idempotency_key, fingerprint):
    """How every single movement starts: the program, the member's account
    locked with everything due applied, and the entry an earlier call with
    the key wrote (None if there was none; checked after the lock, so
    concurrent retries serialise on it)."""
    program = program_get()
    account = _lock(member_id, now, program)
    return program, account, _replay(idempotency_key, fingerprint)


def account_lock(*, member, now=None):
    """Lock the member's account for the caller's transaction, with everything
    due applied, and return it.

    For services that decide on balances before they write: placing an order
    prices the cart on the very balance its hold then reserves from, so two
    orders of one member cannot both be priced on points only one can have.
    """
    now = now or timezone.now()
    return _lock(member.pk, now, program_get())


def _lock_pair(first, second, now, program):
    """Lock two accounts in primary-key order, the order every writer uses."""
    if first.pk < second.pk:
        return _lock(first.pk, now, program), _lock(second.pk, now, program)
    second_account = _lock(second.pk, now, program)
    return _lock(first.pk, now, program), second_account


def _require_active(member):
    if member.status != Member.Status.ACTIVE:
        raise MemberNotActive(member=member.pk)


def _require_available(account, points):
    if account.available < points:
        raise InsufficientPoints(available=account.available, requested=points)


def _record(account, kind, points, *, now, available=0, pending=0, held=0, **fields):
    """Append one entry. A concurrent writer that used the same idempotency
    key on another account loses here, on the unique constraint."""
    source = fields.pop("source", None)
    if source is not None:
        fields["source_type"] = ContentType.objects.get_for_model(source)
        fields["source_id"] = source.pk
    entry = Entry(
        account=account,
        kind=kind,
        points=points,
        available_delta=available,
        pending_delta=pending,
        held_delta=held,
        occurred_at=now,
        **fields,
    )
    try:
        entry.save(force_insert=True)
    except IntegrityError as error:
        # No savepoint to recover to: the unit of work fails as a whole.
        if _IDEMPOTENCY_CONSTRAINT in str(error):
            raise IdempotencyConflict(idempotency_key=fields.get("idempotency_key")) from error
        raise
    return entry


def _new_lot(account, points, *, now, program, order=None, pending=False, expires_at=None):
    available_at = available_at_for(now, program) if pending else now
    lot = Lot.objects.create(
        account=account,
        order=order,
        amount=points,
        remaining=points,
        is_pending=pending and available_at > now,
        available_at=available_at,
        expires_at=expires_at if expires_at is not None else expires_at_for(now, program),
        created_at=now,
    )
    note_due(account, lot.available_at if lot.is_pending else None, lot.expires_at)
    return lot


_BALANCES = [
    "available",
    "pending",
    "held",
    "debt",
    "lifetime_earned",
    "lifetime_spent",
    "last_purchase_at",
    "next_due_at",
]


def _save_balances(account):
    """Write the balances a function changed in memory: one UPDATE, however
    many movements it made."""
    account.save(update_fields=_BALANCES)
    if account.debt:
        settle_debt(account)


# Credits


def _earn(account, program, points, *, now, order, storefront, source, reason, pending, idempotency_key, fingerprint):
    lot = _new_lot(account, points, now=now, program=program, order=order, pending=pending)
    entry = _record(
        account,
        Entry.Kind.EARN,
        points,
        now=now,
        pending=points if lot.is_pending else 0,
        available=0 if lot.is_pending else points,
        lot=lot,
        order=order,
        storefront=storefront,
        source=source,
        reason=reason,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
    )
    if lot.is_pending:
        account.pending += points
    else:
        account.available += points
    account.lifetime_earned += points
    if order is not None:
        account.last_purchase_at = now
    return entry


@unit_of_work()
def points_earn(
    *,
    member,
    points,
    order=None,
    storefront=None,
    source=None,
    reason="",
    pending=True,
    now=None,
    idempotency_key=None,
):
    """Credit earned points as a new lot, pending until the return window
    closes (unless ``pending`` is False, for bonuses that need no window)."""
    _check_points(points)
    now = now or timezone.now()
    fingerprint = _earn_fingerprint(member.pk, points, getattr(order, "pk", None), pending, source)
    program, account, replayed = _open(member.pk, now, idempotency_key, fingerprint)
    if replayed is not None:
        return replayed
    entry = _earn(
        account,
        program,
        points,
        now=now,
        order=order,
        storefront=storefront,
        source=source,
        reason=reason,
        pending=pending,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
    )
    _save_balances(account)
    return entry


@unit_of_work()
def points_adjust(*, member, points, staff_user, reason, corrects=None, now=None, idempotency_key=None):
    """A manual correction by staff: a credit (points > 0) as a new available
    lot, or a debit (points < 0) from the available lots. A reason is required
    and the staff user is recorded."""
    if isinstance(points, bool) or not isinstance(points, int) or points == 0:
        raise InvalidPoints(points=points)
    if not (reason or "").strip():
        raise InvalidPoints(_("A manual adjustment needs a reason."), field="reason")
    now = now or timezone.now()
    fingerprint = _fingerprint(
        op="adjust",
        member=member.pk,
        points=points,
        staff_user=staff_user.pk,
        reason=reason.strip(),
        corrects=getattr(corrects, "pk", None),
    )
    program, account, replayed = _open(member.pk, now, idempotency_key, fingerprint)
    if replayed is not None:
        return replayed
    lot = None
    if points > 0:
        lot = _new_lot(account, points, now=now, program=program)
    else:
        _require_available(account, -points)
        take_from_lots(account, -points)
    entry = _record(
        account,
        Entry.Kind.ADJUSTMENT,
        abs(points),
        now=now,
        available=points,
        lot=lot,
        staff_user=staff_user,
        reason=reason.strip(),
        corrects=corrects,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
    )
    account.available += points
    _save_balances(account)
    return entry


# Spending


@unit_of_work()
def points_spend(
    *, member, points, order=None, storefront=None, source=None, reason="", now=None, idempotency_key=None
):
    """Spend available points at once (a reward bought in the cabinet, say)."""
    _check_points(points)
    _require_active(member)
    now = now or timezone.now()
    fingerprint = _fingerprint(
        op="spend",
        member=member.pk,
        points=points,
        order=getattr(order, "pk", None),
        source=_source_key(source),
    )
    _program, account, replayed = _open(member.pk, now, idempotency_key, fingerprint)
    if replayed is not None:
        return replayed
    _require_available(account, points)
    take_from_lots(account, points)
    entry = _record(
        account,
        Entry.Kind.SPEND,
        points,
        now=now,
        available=-points,
        order=order,
        storefront=storefront,
        source=source,
        reason=reason,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
    )
    account.available -= points
    account.lifetime_spent += points
    _save_balances(account)
    return entry


def _reserve(account, program, points, *, now, order, storefront, idempotency_key, fingerprint):
    _require_available(account, points)
    hold = Hold.objects.create(
        account=account,
        order=order,
        points=points,
        created_at=now,
        expires_at=hold_expires_at(now, program),
    )
    note_due(account, hold.expires_at)
    HoldAllocation.objects.bulk_create(
        HoldAllocation(hold=hold, lot=lot, points=taken) for lot, taken in take_from_lots(account, points)
    )
    _record(
        account,
        Entry.Kind.HOLD,
        points,
        now=now,
        available=-points,
        held=points,
        hold=hold,
        order=order,
        storefront=storefront,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
    )
    account.available -= points
    account.held += points
    return hold


def _hold_fingerprint(member_id, points, order_id):
    return _fingerprint(op="hold", member=member_id, points=points, order=order_id)


@unit_of_work()
def hold_reserve(*, member, points, order=None, storefront=None, now=None, idempotency_key=None):
    """Reserve points for an order in progress. The points leave their lots
    now, so nothing else can spend them; capture or release settles them."""
    _check_points(points)
    _require_active(member)
    now = now or timezone.now()
    fingerprint = _hold_fingerprint(member.pk, points, getattr(order, "pk", None))
    program, account, replayed = _open(member.pk, now, idempotency_key, fingerprint)
    if replayed is not None:
        return replayed.hold
    hold = _reserve(
        account,
        program,
        points,
        now=now,
        order=order,
        storefront=storefront,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
    )
    _save_balances(account)
    return hold


def _locked_hold(hold, now, program):
    account = _lock(hold.account_id, now, program)
    return account, Hold.objects.select_related("order").get(pk=hold.pk)


def _capture(account, hold, *, now, storefront):
    """Capture an active hold. The status is checked by the UPDATE itself,
    under the account lock, so a hold the stale-holds job released after the
    caller read it is refused, not captured."""
    if not Hold.objects.filter(pk=hold.pk, status=Hold.Status.ACTIVE).update(
        status=Hold.Status.CAPTURED, resolved_at=now
    ):
        raise HoldNotActive(hold=hold.pk, status=Hold.objects.values_list("status", flat=True).get(pk=hold.pk))
    entry = _record(
        account,
        Entry.Kind.CAPTURE,
        hold.points,
        now=now,
        held=-hold.points,
        hold=hold,
        order_id=hold.order_id,
        storefront=storefront,
    )
    hold.status, hold.resolved_at = Hold.Status.CAPTURED, now
    account.held -= hold.points
    account.lifetime_spent += hold.points
    if hold.order_id is not None:
        account.last_purchase_at = now
    return entry


@unit_of_work()
def hold_capture(*, hold, storefront=None, now=None):
    """Make a reserved spend final. Capturing a captured hold returns the
    first capture; capturing a released one raises HoldNotActive."""
    now = now or timezone.now()
    program = program_get()
    account, hold = _locked_hold(hold, now, program)
    if hold.status == Hold.Status.CAPTURED:
        return hold.entries.get(kind=Entry.Kind.CAPTURE)
    if hold.status != Hold.Status.ACTIVE:
        raise HoldNotActive(hold=hold.pk, status=hold.status)
    entry = _capture(account, hold, now=now, storefront=storefront)
    _save_balances(account)
    return entry


@unit_of_work()
def hold_release(*, hold, storefront=None, reason="", now=None):
    """Give reserved points back to the lots they came from. Releasing a
    released hold returns the first release; a captured one raises HoldNotActive."""
    now = now or timezone.now()
    program = program_get()
    account, hold = _locked_hold(hold, now, program)
    if hold.status == Hold.Status.RELEASED:
        return hold.entries.get(kind=Entry.Kind.RELEASE)
    if hold.status != Hold.Status.ACTIVE:
        raise HoldNotActive(hold=hold.pk, status=hold.status)
    allocations = list(hold.allocations.select_related("lot"))
    for allocation in allocations:
        allocation.lot.remaining += allocation.points
    Lot.objects.bulk_update([allocation.lot for allocation in allocations], ["remaining"])
    entry = _record(
        account,
        Entry.Kind.RELEASE,
        hold.points,
        now=now,
        available=hold.points,
        held=-hold.points,
        hold=hold,
        order=hold.order,
        storefront=storefront,
        reason=reason,
    )
    Hold.objects.filter(pk=hold.pk).update(status=Hold.Status.RELEASED, resolved_at=now)
    hold.status, hold.resolved_at = Hold.Status.RELEASED, now
    account.available += hold.points
    account.held -= hold.points
    note_due(account, *(allocation.lot.expires_at for allocation in allocations))
    _save_balances(account)
    if any(a.lot.expires_at is not None and a.lot.expires_at <= now for a in allocations):
        # The reservation outlived the points' expiry: they burn now, as they would have.
        apply_due_for([account.pk], now, program)
    return entry


# Returns


def _order_totals(account, order):
    """What the order moved so far: earned, taken back (and short), spent,
    given back. An order has a handful of entries: they are summed here
    rather than by five filtered aggregates the ORM would compile each time."""
    totals = dict.fromkeys(("earned", "clawed", "short", "spent", "refunded"), 0)
    entries = Entry.objects.filter(account=account, order=order).values_list("kind", "points", "shortfall")
    for kind, points, shortfall in entries:
        if kind == Entry.Kind.EARN:
            totals["earned"] += points
        elif kind == Entry.Kind.CLAWBACK:
            totals["clawed"] += points
            totals["short"] += shortfall
        elif kind in (Entry.Kind.CAPTURE, Entry.Kind.SPEND):
            totals["spent"] += points
        elif kind == Entry.Kind.REFUND:
            totals["refunded"] += points
    return totals


def _clawback(account, program, order, points, totals, *, now, storefront, reason, idempotency_key, fingerprint):
    left = totals["earned"] - totals["clawed"] - totals["short"]
    if points > left:
        raise ClawbackTooLarge(order=order.pk, requested=points, left=left)
    from_pending = from_available = 0
    still_owed = points
    order_lots = list(Lot.objects.filter(account=account, order=order, remaining__gt=0).order_by("id"))
    for lot in order_lots:
        taken = min(lot.remaining, still_owed)
        lot.remaining -= taken
        still_owed -= taken
        if lot.is_pending:
            from_pending += taken
        else:
            from_available += taken
    Lot.objects.bulk_update(order_lots, ["remaining"])
    if still_owed:
        elsewhere = min(still_owed, max(account.available - from_available, 0))
        if elsewhere:
            take_from_lots(account, elsewhere)
        from_available += elsewhere
        still_owed -= elsewhere
    shortfall = 0
    if still_owed and program.negative_balance_policy == Program.NegativeBalancePolicy.ALLOW_NEGATIVE:
        account.debt += still_owed
        from_available += still_owed
    else:
        shortfall = still_owed
    entry = _record(
        account,
        Entry.Kind.CLAWBACK,
        from_pending + from_available,
        now=now,
        available=-from_available,
        pending=-from_pending,
        shortfall=shortfall,
        order=order,
        storefront=storefront,
        reason=reason,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
    )
    account.available -= from_available
    account.pending -= from_pending
    account.lifetime_earned -= from_pending + from_available
    return entry


def _refund(account, program, order, points, totals, *, now, storefront, reason, idempotency_key, fingerprint):
    left = totals["spent"] - totals["refunded"]
    if points > left:
        raise RefundTooLarge(order=order.pk, requested=points, left=left)
    lot = _new_lot(account, points, now=now, program=program)
    entry = _record(
        account,
        Entry.Kind.REFUND,
        points,
        now=now,
        available=points,
        lot=lot,
        order=order,
        storefront=storefront,
        reason=reason,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
    )
    account.available += points
    account.lifetime_spent -= points
    return entry


def _return_fingerprint(op, member_id, points, order_id):
    return _fingerprint(op=op, member=member_id, points=points, order=order_id)


def _return_movement(op, move, member, order, points, storefront, reason, *, now, idempotency_key):
    """One movement of a return (``move``: _clawback or _refund) on its own,
    under its own lock and idempotency key."""
    _check_points(points)
    now = now or timezone.now()
    fingerprint = _return_fingerprint(op, member.pk, points, order.pk)
    program, account, replayed = _open(member.pk, now, idempotency_key, fingerprint)
    if replayed is not None:
        return replayed
    entry = move(
        account,
        program,
        order,
        points,
        _order_totals(account, order),
        now=now,
        storefront=storefront,
        reason=reason,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
    )
    _save_balances(account)
    return entry


@unit_of_work()
def points_clawback(*, member, order, points, storefront=None, reason="", now=None, idempotency_key=None):
    """Take back points an order earned, for a return.

    The points come first from the order's own lots, wherever they still are
    (pending or available). What the member already spent is taken from the
    other available lots, soonest-expiring first. What the account does not
    have is decided by the program's negative-balance policy: it becomes a
    debt (a negative available balance), or it is recorded as the entry's
    shortfall and not taken.
    """
    return _return_movement(
        "clawback", _clawback, member, order, points, storefront, reason, now=now, idempotency_key=idempotency_key
    )


@unit_of_work()
def points_refund(*, member, order, points, storefront=None, reason="", now=None, idempotency_key=None):
    """Give back points spent on an order, for a return: a new available lot
    that expires under the program's policy counted from now."""
    return _return_movement(
        "refund", _refund, member, order, points, storefront, reason, now=now, idempotency_key=idempotency_key
    )


# The order lifecycle: several movements of one order under one lock


@unit_of_work()
def order_points_reserve(*, order, account, now=None):
    """Reserve the points a new order spends: its hold. ``account`` is the
    member's account as ``account_lock`` returned it earlier in this
    transaction: the order was priced on it, and it is not locked again.

    The order is new in the caller's transaction, so the key derived from it
    has never been used: nothing to replay.
    """
    if account.pk != order.member_id:
        raise ValueError(f"account {account.pk} is not the account of order {order.pk}")
    _check_points(order.points_spent)
    _require_active(order.member)
    hold = _reserve(
        account,
        program_get(),
        order.points_spent,
        now=now or timezone.now(),
        order=order,
        storefront=order.storefront,
        idempotency_key=f"order:{order.pk}:hold",
        fingerprint=_hold_fingerprint(order.member_id, order.points_spent, order.pk),
    )
    _save_balances(account)
    return hold


@unit_of_work()
def order_points_settle(*, order, points_earned, now=None):
    """Settle a completed order: capture its hold (if it spent points) and
    credit what it earned (if anything), pending until the return window
    closes. The completion is the member's last purchase, whatever points it
    moved (an inactivity policy counts from it). Returns (capture entry or
    None, earn entry or None).

    The caller holds the order's row lock and has checked that the order was
    not completed before, so nothing here can run twice for one order; the
    entries still carry keys derived from the order, and the unique key would
    refuse a second earn.
    """
    now = now or timezone.now()
    program = program_get()
    account = _lock(order.member_id, now, program)
    captured = earned = None
    if order.hold is not None:
        captured = _capture(account, order.hold, now=now, storefront=order.storefront)
    if points_earned:
        _check_points(points_earned)
        earned = _earn(
            account,
            program,
            points_earned,
            now=now,
            order=order,
            storefront=order.storefront,
            source=None,
            reason="",
            pending=True,
            idempotency_key=f"order:{order.pk}:earn",
            fingerprint=_earn_fingerprint(order.member_id, points_earned, order.pk, True, None),
        )
    account.last_purchase_at = now
    _save_balances(account)
    return captured, earned


@unit_of_work()
def order_points_return(*, order, return_number, clawback, refund, now=None):
    """Move the points of return ``return_number`` of ``order``: take back
    ``clawback`` earned points and give back ``refund`` spent ones (either
    may be 0), under one lock. Returns (clawback entry or None, refund entry
    or None).

    The caller holds the order's row lock and has checked that the return is
    new, so nothing here can run twice for one return; the entries still
    carry keys derived from it, and the unique key would refuse a second one.
    """
    now = now or timezone.now()
    program = program_get()
    account = _lock(order.member_id, now, program)
    totals = _order_totals(account, order)
    key = f"order:{order.pk}:return:{return_number}"
    movement = {"now": now, "storefront": order.storefront, "reason": return_number}
    clawed = refunded = None
    if clawback:
        _check_points(clawback)
        clawed = _clawback(
            account,
            program,
            order,
            clawback,
            totals,
            idempotency_key=f"{key}:clawback",
            fingerprint=_return_fingerprint("clawback", order.member_id, clawback, order.pk),
            **movement,
        )
    if refund:
        _check_points(refund)
        refunded = _refund(
            account,
            program,
            order,
            refund,
            totals,
            idempotency_key=f"{key}:refund",
            fingerprint=_return_fingerprint("refund", order.member_id, refund, order.pk),
            **movement,
        )
    _save_balances(account)
    return clawed, refunded


# Transfers


@unit_of_work()
def points_transfer(*, sender, recipient, points, reason="", now=None, idempotency_key=None):
    """Move available points from one member to another. The recipient's lots
    keep the expiry dates of the points sent, so gifting never extends them.
    Returns (sender's entry, recipient's entry); the recipient's points at the sender's."""
    _check_points(points)
    _require_active(sender)
    _require_active(recipient)
    if sender.pk == recipient.pk:
        raise InvalidPoints(_("Points cannot be sent to the same member."), field="recipient")
    now = now or timezone.now()
    fingerprint = _fingerprint(op="transfer", sender=sender.pk, recipient=recipient.pk, points=points)
    program = program_get()
    sender_account, recipient_account = _lock_pair(sender, recipient, now, program)
    if (replayed := _replay(idempotency_key, fingerprint)) is not None:
        return replayed, Entry.objects.get(counterpart=replayed)
    _require_available(sender_account, points)
    by_expiry = defaultdict(int)
    for lot, taken in take_from_lots(sender_account, points):
        by_expiry[lot.expires_at] += taken
    outgoing = _record(
        sender_account,
        Entry.Kind.TRANSFER,
        points,
        now=now,
        available=-points,
        reason=reason,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
    )
    lots = Lot.objects.bulk_create(
        Lot(
            account=recipient_account,
            amount=amount,
            remaining=amount,
            available_at=now,
            expires_at=expires_at,
            created_at=now,
        )
        for expires_at, amount in by_expiry.items()
    )
    incoming = _record(
        recipient_account,
        Entry.Kind.TRANSFER,
        points,
        now=now,
        available=points,
        reason=reason,
        counterpart=outgoing,
        lot=lots[0] if len(lots) == 1 else None,
    )
    sender_account.available -= points
    recipient_account.available += points
    note_due(recipient_account, *by_expiry)
    _save_balances(sender_account)
    _save_balances(recipient_account)
    return outgoing, incoming
