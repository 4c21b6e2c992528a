"""Generate a large, consistent data set for load tests: members with a
history of orders and a points ledger that ``verify_ledger`` finds clean.

``load_demo`` writes a few hundred members through the ledger services, one
ORM call at a time; that would take days for a million members. This command
instead replays each member's history in memory, with the same rules the
services apply (``loyalty.rules`` for dates, rounding and shares; lots
consumed soonest-expiring first; holds, captures, releases, activation and
expiry as ``loyalty.services.ledger`` and ``ledger_jobs`` write them), and
writes whole batches of members with PostgreSQL's COPY, one transaction per
batch.

A member's history, drawn from a seeded random generator:

* enrolment at a random moment of the last ``--days`` days, with a consent
  to the processing of personal data and a welcome bonus (available at once);
* orders through the "bench" storefront at random moments after that,
  priced like the checkout's base steps (1 to 4 lines, optional shipping,
  points spent under the redemption cap on some of them, held at placing
  and captured at completion, which comes within the hold timeout); a few
  are cancelled (the hold is released); an order whose completion would
  come after the end of the history is still open (its hold active);
* a few completed orders returned in full within the return window (their
  earned points clawed back, the points spent on them given back);
* the nightly jobs: pending points become available when the return window
  closes, and lots burn when they expire.

Only PostgreSQL is supported: the point is the speed of COPY, and the
benchmark runs on PostgreSQL anyway. The demo database (SQLite) has its own
command, ``load_demo``.
"""

import datetime
import hashlib
import json
import math
import multiprocessing
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from loyalty.models import (
    Account,
    Entry,
    Hold,
    HoldAllocation,
    IdempotencyRecord,
    Lot,
    Order,
    OrderLine,
    OrderReturn,
    Program,
    Storefront,
)
from loyalty.rules import (
    allocate_proportionally,
    available_at_for,
    base_points_for,
    expires_at_for,
    hold_expires_at,
    inactivity_cutoff,
    local_date,
    money_for_points,
    points_covering,
    quantize_money,
)
from loyalty.selectors import program_get
from loyalty.services.ledger import _fingerprint as ledger_fingerprint
from loyalty.services.storefronts import api_key_create, storefront_create
from members.models import Channel, ConsentPurpose, ConsentRecord, Member

DEFAULT_KEY_FILE = Path(settings.BASE_DIR) / "var" / "bench-api-key.txt"
STOREFRONT_CODE = "bench"
PERSONAL_DATA_TEXT_VERSION = "2025-01"
WELCOME_REASON = "Welcome bonus"
MAX_ORDERS_PER_MEMBER = 100
ID_BLOCK = 50_000

# (category, price range in RUB); the last is often excluded from earning by merchants.
CATEGORIES = [
    ("electronics", (990, 39990)),
    ("apparel", (490, 8990)),
    ("home", (290, 6990)),
    ("kitchen", (390, 4990)),
    ("beauty", (190, 2990)),
    ("books", (290, 1490)),
    ("toys", (390, 4990)),
    ("grocery", (90, 1290)),
    ("gift-cards", (1000, 5000)),
]


def _words(text):
    return text.split()


FIRST_NAMES = _words(
    "Alexander Dmitry Maxim Sergey Andrey Alexey Artem Ilya Kirill Mikhail Nikita Ivan Egor Roman Pavel "
    "Anna Maria Elena Olga Natalia Ekaterina Tatiana Irina Svetlana Yulia Anastasia Daria Polina Victoria"
)
LAST_NAMES = _words(
    "Ivanov Smirnov Kuznetsov Popov Vasiliev Petrov Sokolov Mikhailov Novikov Fedorov Morozov Volkov "
    "Alekseev Lebedev Semenov Egorov Pavlov Kozlov Stepanov Nikolaev Orlov Andreev Makarov Nikitin"
)

# Shares of orders and the like, per order unless said otherwise.
P_SPEND = 0.4  # the shopper pays with points
P_CANCEL = 0.05
P_RETURN = 0.04  # of completed orders, returned in full within the return window
P_SHIPPING = 0.3
SHIPPING = Decimal("299")

FULL_RETURN_REQUEST = {"full": True, "lines": None, "amount": None}
FULL_RETURN_REQUEST_JSON = json.dumps(FULL_RETURN_REQUEST)
FULL_RETURN_FINGERPRINT = hashlib.sha256(
    json.dumps(FULL_RETURN_REQUEST, sort_keys=True, default=str).encode()
).hexdigest()


def external_id_for(index):
    """The external id of the ``index``-th generated member (1-based): m0000001.
    The benchmark's load scripts build the same ids to pick random members."""
    return f"m{index:07d}"


# Tables


class Table:
    """Rows of one table collected for a batch, with the columns they fill.

    Columns of the model that the generator does not fill get the field's
    default (the same value on every row), so a column added later with a
    default does not break the generator; nullable ones are left NULL."""

    def __init__(self, model, columns):
        self.model = model
        self.name = model._meta.db_table
        filled = set(columns)
        constants = {}
        for field in model._meta.concrete_fields:
            if field.column in filled:
                continue
            if field.has_default():
                constants[field.column] = field.get_db_prep_save(field.get_default(), connection)
            elif not field.null:
                raise CommandError(f"generate_data does not fill {self.name}.{field.column}; teach it how.")
        self.columns = tuple(columns) + tuple(constants)
        text = _copy_texter()
        self.suffix = "".join("\t" + text(value) for value in constants.values())
        self.rows = []

    def take_rows(self):
        rows, self.rows = self.rows, []
        return rows

    def copy(self, cursor, rows):
        """Send ``rows`` with COPY in text format; returns how many."""
        if not rows:
            return 0
        columns = ", ".join(connection.ops.quote_name(column) for column in self.columns)
        end = self.suffix + "\n"
        text = _copy_texter()
        with cursor.copy(f"COPY {connection.ops.quote_name(self.name)} ({columns}) FROM STDIN") as copy:
            for start in range(0, len(rows), 10_000):
                copy.write("".join("\t".join(map(text, row)) + end for row in rows[start : start + 10_000]))
        return len(rows)


def _copy_texter():
    """A function giving a value in COPY's text format, faster than psycopg's
    write_row for the few types the generator writes: str() of an int, a
    Decimal, a bool, a date or a datetime is what PostgreSQL reads back. The
    text of each moment is kept, as many rows share one (a capture and an
    earn, the activations at the end of a day)."""
    moments = {}
    escapes = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
    datetime_class = datetime.datetime

    def text(value):
        cls = value.__class__
        if cls is int:
            return str(value)
        if cls is datetime_class:
            moment = moments.get(value)
            if moment is None:
                moment = moments[value] = str(value)
            return moment
        if value is None:
            return "\\N"
        if cls is str:
            return (
                value.translate(escapes) if "\\" in value or "\t" in value or "\n" in value or "\r" in value else value
            )
        if cls is dict or cls is list:
            return text(json.dumps(value))
        return str(value)

    return text


class Ids:
    """Primary keys taken from the table's sequence in blocks, so the
    generator can link rows (an entry to its lot, hold and order) before
    writing them. A block is reserved under an advisory lock, so parallel
    jobs never share one; what is left of the last blocks is given back at
    the end (``trim``)."""

    LOCK = 0x6C6F79616C7479  # "loyalty"

    def __init__(self, table):
        self.table = table
        self.next = 1
        self.end = 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            self.sequence = cursor.fetchone()[0]

    def take(self):
        if self.next > self.end:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [self.LOCK])
                try:
                    cursor.execute("SELECT setval(%s, nextval(%s) + %s - 1)", [self.sequence, self.sequence, ID_BLOCK])
                    last = cursor.fetchone()[0]
                finally:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [self.LOCK])
            self.next, self.end = last - ID_BLOCK + 1, last
        value = self.next
        self.next += 1
        return value

    def forget(self):
        """Drop the block in hand (a forked process must not share its parent's)."""
        self.next, self.end = 1, 0

    def trim(self):
        """Set the sequence back to the largest id in the table."""
        table = connection.ops.quote_name(self.table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT setval(%s, COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)", [self.sequence])


# The ledger of one member, replayed in memory


class SimLot:
    __slots__ = ("id", "order_id", "amount", "remaining", "expired", "pending", "available_at", "expires_at", "created")

    def __init__(self, id, order_id, amount, pending, available_at, expires_at, created):
        self.id = id
        self.order_id = order_id
        self.amount = amount
        self.remaining = amount
        self.expired = 0
        self.pending = pending
        self.available_at = available_at
        self.expires_at = expires_at
        self.created = created


class SimHold:
    __slots__ = ("id", "order_id", "points", "status", "created", "expires_at", "resolved_at", "allocations")

    def __init__(self, id, order_id, points, created, expires_at, allocations):
        self.id = id
        self.order_id = order_id
        self.points = points
        self.status = ACTIVE
        self.created = created
        self.expires_at = expires_at
        self.resolved_at = None
        self.allocations = allocations


_NEVER = datetime.datetime.max.replace(tzinfo=datetime.UTC)

# Plain strings: COPY adapts them without looking at enum classes.
EARN, ACTIVATE, HOLD, CAPTURE, RELEASE, EXPIRE, CLAWBACK, REFUND = (
    kind.value
    for kind in (
        Entry.Kind.EARN,
        Entry.Kind.ACTIVATE,
        Entry.Kind.HOLD,
        Entry.Kind.CAPTURE,
        Entry.Kind.RELEASE,
        Entry.Kind.EXPIRE,
        Entry.Kind.CLAWBACK,
        Entry.Kind.REFUND,
    )
)
ACTIVE, CAPTURED, RELEASED = Hold.Status.ACTIVE.value, Hold.Status.CAPTURED.value, Hold.Status.RELEASED.value


class MemberLedger:
    """One member's account while its history is replayed: balances, lots and
    the entries written so far (as COPY rows)."""

    def __init__(self, gen, member_id, created):
        self.gen = gen
        self.member_id = member_id
        self.created = created
        self.available = self.pending = self.held = 0
        self.lifetime_earned = self.lifetime_spent = self.lifetime_expired = 0
        self.last_purchase = None
        self.lots = []
        self.holds = []
        self.next_due = _NEVER

    # Entries and lots

    def entry(
        self,
        kind,
        points,
        at,
        *,
        available=0,
        pending=0,
        held=0,
        lot=None,
        hold=None,
        order=None,
        storefront=None,
        reason="",
        key=None,
        fingerprint="",
    ):
        self.gen.entries.rows.append(
            (
                self.gen.entry_ids.take(),
                self.member_id,
                kind,
                points,
                available,
                pending,
                held,
                0,
                lot,
                hold,
                order,
                storefront,
                reason,
                key,
                fingerprint,
                at,
                at,
            )
        )

    def new_lot(self, points, at, *, order_id=None, pending):
        gen = self.gen
        available_at = gen.available_at(at) if pending else at
        lot = SimLot(
            gen.lot_ids.take(), order_id, points, pending and available_at > at, available_at, gen.expires_at(at), at
        )
        self.lots.append(lot)
        self._due_at(lot)
        return lot

    def next_due_at(self):
        """The account's ``next_due_at`` as the ledger services keep it
        (ledger_jobs.refresh_next_due): the earliest moment a pending lot
        becomes available, an open lot expires or an active hold times out."""
        moments = [lot.available_at for lot in self.lots if lot.pending]
        moments += [lot.expires_at for lot in self.lots if lot.remaining and lot.expires_at is not None]
        moments += [hold.expires_at for hold in self.holds if hold.status == ACTIVE]
        return min(moments, default=None)

    def _due_at(self, lot):
        if lot.pending and lot.available_at < self.next_due:
            self.next_due = lot.available_at
        if lot.remaining and lot.expires_at is not None and lot.expires_at < self.next_due:
            self.next_due = lot.expires_at
        if self.gen.inactivity is not None and lot.remaining:
            deadline = (self.last_purchase or self.created) + self.gen.inactivity
            if deadline < self.next_due:
                self.next_due = deadline

    # What falls due: the nightly jobs (ledger_jobs), at the moment things fall due

    def advance(self, until):
        """Apply, in time order, everything that falls due up to ``until``:
        activation of pending lots, expiry of lots (and of all points of an
        inactive account under an inactivity policy)."""
        if until < self.next_due:
            return
        inactivity = self.gen.inactivity
        while True:
            moment, action, subject = _NEVER, None, None
            for lot in self.lots:
                if lot.pending and lot.available_at <= until and lot.available_at < moment:
                    moment, action, subject = lot.available_at, self._activate, lot
                if (
                    lot.remaining
                    and lot.expires_at is not None
                    and lot.expires_at <= until
                    and (lot.expires_at < moment or (lot.expires_at == moment and action is not self._activate))
                ):
                    moment, action, subject = lot.expires_at, self._expire, lot
            if inactivity is not None and any(lot.remaining for lot in self.lots):
                # ledger_jobs: last purchase (or enrolment) before now - N days
                deadline = (self.last_purchase or self.created) + inactivity + datetime.timedelta(microseconds=1)
                if deadline <= until and deadline < moment:
                    moment, action, subject = deadline, self._expire_inactive, None
            if action is None:
                break
            action(subject, moment)
        self.next_due = _NEVER
        for lot in self.lots:
            self._due_at(lot)

    def _activate(self, lot, at):
        lot.pending = False
        if lot.remaining:
            points = lot.remaining
            self.entry(ACTIVATE, points, at, available=points, pending=-points, lot=lot.id, order=lot.order_id)
            self.available += points
            self.pending -= points

    def _expire(self, lot, at, reason=""):
        points = lot.remaining
        if lot.pending:
            self.entry(EXPIRE, points, at, pending=-points, lot=lot.id, order=lot.order_id, reason=reason)
            self.pending -= points
        else:
            self.entry(EXPIRE, points, at, available=-points, lot=lot.id, order=lot.order_id, reason=reason)
            self.available -= points
        lot.expired += points
        lot.remaining = 0
        self.lifetime_expired += points

    def _expire_inactive(self, _subject, at):
        for lot in self.lots:
            if lot.remaining:
                reason = "" if lot.expires_at is not None and lot.expires_at <= at else Entry.EXPIRY_REASON_INACTIVITY
                self._expire(lot, at, reason)

    # The services of loyalty.services.ledger

    def earn(self, points, at, *, order_id=None, pending=True, reason=""):
        lot = self.new_lot(points, at, order_id=order_id, pending=pending)
        key = fingerprint = None
        if order_id is not None:
            key = f"order:{order_id}:earn"
            fingerprint = ledger_fingerprint(
                op="earn", member=self.member_id, points=points, order=order_id, pending=pending, source="NoneType:None"
            )
        if lot.pending:
            self.entry(
                EARN,
                points,
                at,
                pending=points,
                lot=lot.id,
                order=order_id,
                storefront=self.gen.storefront_id if order_id else None,
                reason=reason,
                key=key,
                fingerprint=fingerprint or "",
            )
            self.pending += points
        else:
            self.entry(
                EARN,
                points,
                at,
                available=points,
                lot=lot.id,
                order=order_id,
                storefront=self.gen.storefront_id if order_id else None,
                reason=reason,
                key=key,
                fingerprint=fingerprint or "",
            )
            self.available += points
        self.lifetime_earned += points
        if order_id is not None:
            self.last_purchase = at
        return lot

    def take_from_lots(self, points):
        """Soonest-expiring first, lots that never expire last (loyalty.services.lots)."""
        spendable = sorted(
            (lot for lot in self.lots if not lot.pending and lot.remaining),
            key=lambda lot: (lot.expires_at or _NEVER, lot.id),
        )
        taken = []
        for lot in spendable:
            if not points:
                break
            amount = min(lot.remaining, points)
            lot.remaining -= amount
            points -= amount
            taken.append((lot, amount))
        assert not points, "lots short of the available balance"
        return taken

    def hold(self, points, at, order_id):
        gen = self.gen
        hold = SimHold(gen.hold_ids.take(), order_id, points, at, hold_expires_at(at, gen.program), [])
        hold.allocations = self.take_from_lots(points)
        self.entry(
            HOLD,
            points,
            at,
            available=-points,
            held=points,
            hold=hold.id,
            order=order_id,
            storefront=gen.storefront_id,
            key=f"order:{order_id}:hold",
            fingerprint=ledger_fingerprint(op="hold", member=self.member_id, points=points, order=order_id),
        )
        self.available -= points
        self.held += points
        gen.holds_of_batch.append((self.member_id, hold))
        self.holds.append(hold)
        return hold

    def capture(self, hold, at):
        self.entry(
            CAPTURE,
            hold.points,
            at,
            held=-hold.points,
            hold=hold.id,
            order=hold.order_id,
            storefront=self.gen.storefront_id,
        )
        hold.status, hold.resolved_at = CAPTURED, at
        self.held -= hold.points
        self.lifetime_spent += hold.points
        self.last_purchase = at

    def release(self, hold, at, reason):
        for lot, points in hold.allocations:
            lot.remaining += points
            self._due_at(lot)
        self.entry(
            RELEASE,
            hold.points,
            at,
            available=hold.points,
            held=-hold.points,
            hold=hold.id,
            order=hold.order_id,
            storefront=self.gen.storefront_id,
            reason=reason,
        )
        hold.status, hold.resolved_at = RELEASED, at
        self.available += hold.points
        self.held -= hold.points
        # Points released into a lot that expired meanwhile burn at once.
        self.advance(at)

    def clawback_from_order_lot(self, lot, points, at, order_id, reason):
        """A return's clawback while the order's own lot still has every point
        (the generator returns orders before anything else can touch the lot)."""
        lot.remaining -= points
        if lot.pending:
            available, pending = 0, -points
            self.pending -= points
        else:
            available, pending = -points, 0
            self.available -= points
        self.entry(
            CLAWBACK,
            points,
            at,
            available=available,
            pending=pending,
            order=order_id,
            storefront=self.gen.storefront_id,
            reason=reason,
            key=f"order:{order_id}:return:{reason}:clawback",  # the reason is the return number
            fingerprint=ledger_fingerprint(op="clawback", member=self.member_id, points=points, order=order_id),
        )
        self.lifetime_earned -= points

    def refund(self, points, at, order_id, reason):
        lot = self.new_lot(points, at, pending=False)
        self.entry(
            REFUND,
            points,
            at,
            available=points,
            lot=lot.id,
            order=order_id,
            storefront=self.gen.storefront_id,
            reason=reason,
            key=f"order:{order_id}:return:{reason}:refund",
            fingerprint=ledger_fingerprint(op="refund", member=self.member_id, points=points, order=order_id),
        )
        self.available += points
        self.lifetime_spent -= points

    def lot_rows(self, account_id):
        return [
            (
                lot.id,
                account_id,
                lot.order_id,
                lot.amount,
                lot.remaining,
                lot.expired,
                lot.pending,
                lot.available_at,
                lot.expires_at,
                lot.created,
            )
            for lot in self.lots
        ]


# Pricing: loyalty's base checkout steps (redemption, base earning) for a cart without discounts


class Priced:
    __slots__ = ("lines", "subtotal", "shipping", "points_max", "points", "points_value", "payable_total", "earned")


def split(total, weights, limits=None):
    """``loyalty.rules.allocate_proportionally`` for whole-number weights, with
    the same result: the largest-remainder rule in integer arithmetic, about
    twenty times faster than with Fractions. Cases where a limit binds go to
    the rule itself."""
    count = len(weights)
    weight_sum = sum(weights)
    if not total:
        return [0] * count
    if limits is not None and any(
        weight > 0 and (limit <= 0 or total * weight >= limit * weight_sum)
        for weight, limit in zip(weights, limits, strict=True)
    ):
        return allocate_proportionally(total, weights, limits)
    if count == 1 and weight_sum > 0:
        return [total]
    if weight_sum <= 0 or any(weight < 0 for weight in weights):
        return allocate_proportionally(total, weights, limits)
    parts, remainders = [], []
    for weight in weights:
        part, remainder = divmod(total * weight, weight_sum)
        parts.append(part)
        remainders.append(remainder)
    left = total - sum(parts)
    if left:
        for index in sorted(range(count), key=lambda i: (-remainders[i], i))[:left]:
            parts[index] += 1
    return parts


def minor_unit_exponent(currency):
    """2 for kopecks and cents, 0 for yen: the decimals of the currency."""
    return -quantize_money(Decimal(1), currency).as_tuple().exponent


def price_cart(program, lines, shipping, available, spend_share):
    """Price ``lines`` [(line_id, sku, category, quantity, unit_price)] as
    ``loyalty.checkout`` does with only loyalty's own steps: points spent
    (``spend_share`` of the most allowed, or none if None) under the
    redemption cap, split over eligible lines in proportion to their amounts;
    points earned on what is paid in money. Returns Priced, whose ``lines``
    are (line, amount, points_applied, points_earned)."""
    excluded = program.excluded_categories
    exponent = minor_unit_exponent(program.currency)

    def minor(amount):
        return int(amount.scaleb(exponent))

    amounts = [quantity * unit_price for _id, _sku, _category, quantity, unit_price in lines]
    eligible = [index for index, line in enumerate(lines) if line[2] not in excluded]
    eligible_amounts = [amounts[index] for index in eligible]
    eligible_amount = sum(eligible_amounts, Decimal(0))
    cap_points = points_covering(eligible_amount * program.redemption_cap_percent / 100, program)
    coverable = [points_covering(amount, program) for amount in eligible_amounts]
    points_max = min(cap_points, sum(coverable), max(available, 0))
    if points_max < program.min_redemption_points:
        points_max = 0
    points = 0
    if spend_share is not None and points_max:
        points = max(math.ceil(points_max * spend_share), program.min_redemption_points, 1)
        points = min(points, points_max)
    applied = [0] * len(lines)
    values = [Decimal(0)] * len(lines)
    points_value = Decimal(0)
    if points:
        # Calculation.redeem_points: points in proportion to the amounts, their value in proportion to the points.
        minor_amounts = [minor(amount) for amount in eligible_amounts]
        shares = split(points, minor_amounts, coverable)
        points_value = money_for_points(points, program)
        line_values = [Decimal(part).scaleb(-exponent) for part in split(minor(points_value), shares, minor_amounts)]
        for index, share, value in zip(eligible, shares, line_values, strict=True):
            applied[index], values[index] = share, value
    payable = [amount - value for amount, value in zip(amounts, values, strict=True)]
    earnable = sum((payable[index] for index in eligible), Decimal(0))
    if eligible and program.shipping_earns:
        earnable += shipping
    earned_total = base_points_for(earnable, program)
    earned = [0] * len(lines)
    if earned_total:
        weights = [payable[index] for index in eligible]
        if not any(weights):
            weights = [1] * len(eligible)
        for index, share in zip(
            eligible, split(earned_total, [minor(Decimal(weight)) for weight in weights]), strict=True
        ):
            earned[index] = share
    priced = Priced()
    priced.lines = list(zip(lines, amounts, applied, earned, strict=True))
    priced.subtotal = sum(amounts, Decimal(0))
    priced.shipping = shipping
    priced.points_max = points_max
    priced.points = points
    priced.points_value = points_value
    priced.payable_total = sum(payable, Decimal(0)) + shipping
    priced.earned = earned_total
    return priced


# The generator


class Generator:
    def __init__(
        self, *, program, storefront, now, days, orders_per_member, welcome_bonus, seed, skip_row_triggers=False
    ):
        self.program = program
        self.skip_row_triggers = skip_row_triggers
        self.storefront_id = storefront.pk
        self.storefront_code = storefront.code
        self.storefront_kind = storefront.kind
        self.now = now
        self.days = days
        self.orders_per_member = orders_per_member
        self.welcome_bonus = welcome_bonus
        self.seed = seed
        cutoff = inactivity_cutoff(now, program)
        self.inactivity = None if cutoff is None else now - cutoff
        self.hold_timeout = datetime.timedelta(minutes=program.hold_timeout_minutes)
        self.return_window = datetime.timedelta(days=program.pending_days)
        self._available_at = {}
        self._expires_at = {}

        self.members = Table(
            Member,
            (
                "id",
                "external_id",
                "email",
                "phone",
                "first_name",
                "last_name",
                "birth_date",
                "language",
                "status",
                "enrolled_at",
                "enrolment_channel",
                "enrolment_storefront",
                "updated_at",
            ),
        )
        self.consents = Table(
            ConsentRecord,
            ("id", "member_id", "purpose", "granted", "text_version", "recorded_at", "channel", "storefront"),
        )
        self.accounts = Table(
            Account,
            (
                "member_id",
                "available",
                "pending",
                "held",
                "debt",
                "lifetime_earned",
                "lifetime_spent",
                "lifetime_expired",
                "last_purchase_at",
                "next_due_at",
                "created_at",
            ),
        )
        self.orders = Table(
            Order,
            (
                "id",
                "storefront_id",
                "number",
                "member_id",
                "status",
                "currency",
                "subtotal",
                "discount_total",
                "shipping",
                "points_spent",
                "points_value",
                "payable_total",
                "points_earned",
                "calculation",
                "cart_fingerprint",
                "hold_id",
                "placed_at",
                "completed_at",
                "cancelled_at",
            ),
        )
        self.order_lines = Table(
            OrderLine,
            (
                "id",
                "order_id",
                "line_id",
                "sku",
                "category",
                "quantity",
                "unit_price",
                "amount",
                "points_applied",
                "points_earned",
                "returned_quantity",
                "returned_value",
            ),
        )
        self.returns = Table(
            OrderReturn,
            (
                "id",
                "order_id",
                "number",
                "amount",
                "request",
                "request_fingerprint",
                "points_clawed_back",
                "points_shortfall",
                "points_refunded",
                "created_at",
            ),
        )
        self.lots = Table(
            Lot,
            (
                "id",
                "account_id",
                "order_id",
                "amount",
                "remaining",
                "expired",
                "is_pending",
                "available_at",
                "expires_at",
                "created_at",
            ),
        )
        self.holds = Table(
            Hold, ("id", "account_id", "order_id", "points", "status", "created_at", "expires_at", "resolved_at")
        )
        self.allocations = Table(HoldAllocation, ("id", "hold_id", "lot_id", "points"))
        self.entries = Table(
            Entry,
            (
                "id",
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
                "storefront_id",
                "reason",
                "idempotency_key",
                "request_fingerprint",
                "occurred_at",
                "recorded_at",
            ),
        )
        self.tables = [
            self.members,
            self.consents,
            self.accounts,
            self.orders,
            self.order_lines,
            self.returns,
            self.lots,
            self.holds,
            self.allocations,
            self.entries,
        ]
        self.member_ids = Ids(Member._meta.db_table)
        self.consent_ids = Ids(ConsentRecord._meta.db_table)
        self.order_ids = Ids(Order._meta.db_table)
        self.line_ids = Ids(OrderLine._meta.db_table)
        self.return_ids = Ids(OrderReturn._meta.db_table)
        self.lot_ids = Ids(Lot._meta.db_table)
        self.hold_ids = Ids(Hold._meta.db_table)
        self.allocation_ids = Ids(HoldAllocation._meta.db_table)
        self.entry_ids = Ids(Entry._meta.db_table)
        self.holds_of_batch = []
        self.counts = dict.fromkeys((table.name for table in self.tables), 0)

    # Dates, cached per local day (loyalty.rules decides them from the local date)

    def available_at(self, at):
        if self.program.pending_days == 0:
            return at
        day = local_date(at, self.program)
        value = self._available_at.get(day)
        if value is None:
            value = self._available_at[day] = available_at_for(at, self.program)
        return value

    def expires_at(self, at):
        day = local_date(at, self.program)
        if day not in self._expires_at:
            self._expires_at[day] = expires_at_for(at, self.program)
        return self._expires_at[day]

    # Batches

    def simulate(self, first_index, count):
        """The rows of members first_index .. first_index + count - 1: [(table, rows)].

        The random generator is seeded again for each member, by the seed and
        the member's number, so a member's history depends on neither the
        batch size nor the number of jobs."""
        rng = random.Random()
        for index in range(first_index, first_index + count):
            rng.seed(f"{self.seed}/{index}")
            self.member(rng, index)
        self._hold_rows()
        return [(table, table.take_rows()) for table in self.tables]

    def write(self, batch):
        """Write one batch in one transaction, on this thread's connection."""
        with transaction.atomic(), connection.connection.cursor() as cursor:
            if self.skip_row_triggers:
                cursor.execute("SET LOCAL session_replication_role = replica")
            return {table.name: table.copy(cursor, rows) for table, rows in batch}

    def run(self, members, batch_size, jobs, progress):
        """Generate and write every batch: in this process, or in ``jobs``
        processes that each generate and write whole batches (Python's work
        and PostgreSQL's then overlap, and use every core)."""
        batches = [(first, min(batch_size, members - first + 1)) for first in range(1, members + 1, batch_size)]
        if jobs == 1:
            for first, count in batches:
                self._written(self.write(self.simulate(first, count)), progress)
            return
        # The children open their own connections; a connection must not cross a fork.
        connections.close_all()
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs, initializer=_worker_start, initargs=(self,)) as pool:
            for counts in pool.imap_unordered(_worker_batch, batches):
                self._written(counts, progress)

    def _written(self, counts, progress):
        for name, count in counts.items():
            self.counts[name] += count
        progress.update(counts[Member._meta.db_table])
        progress.set_postfix(entries=self.counts[Entry._meta.db_table], refresh=False)

    def _hold_rows(self):
        for account_id, hold in self.holds_of_batch:
            self.holds.rows.append(
                (
                    hold.id,
                    account_id,
                    hold.order_id,
                    hold.points,
                    hold.status,
                    hold.created,
                    hold.expires_at,
                    hold.resolved_at,
                )
            )
            for lot, points in hold.allocations:
                self.allocations.rows.append((self.allocation_ids.take(), hold.id, lot.id, points))
        self.holds_of_batch = []

    def trim_sequences(self):
        for ids in self.all_ids():
            ids.trim()

    def all_ids(self):
        return (
            self.member_ids,
            self.consent_ids,
            self.order_ids,
            self.line_ids,
            self.return_ids,
            self.lot_ids,
            self.hold_ids,
            self.allocation_ids,
            self.entry_ids,
        )

    # One member

    def member(self, rng, index):
        now = self.now
        span = self.days * 86400
        enrolled = now - datetime.timedelta(seconds=rng.uniform(3600, span))
        member_id = self.member_ids.take()
        external_id = external_id_for(index)
        birth_date = (
            datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(20000)) if rng.random() < 0.8 else None
        )
        self.members.rows.append(
            (
                member_id,
                external_id,
                f"{external_id}@example.com",
                f"+79{index:09d}",
                rng.choice(FIRST_NAMES),
                rng.choice(LAST_NAMES),
                birth_date,
                "ru" if rng.random() < 0.9 else "en",
                Member.Status.ACTIVE.value,
                enrolled,
                self.storefront_kind,
                self.storefront_code,
                enrolled,
            )
        )
        self.consents.rows.append(
            (
                self.consent_ids.take(),
                member_id,
                ConsentPurpose.PERSONAL_DATA.value,
                True,
                PERSONAL_DATA_TEXT_VERSION,
                enrolled,
                self.storefront_kind,
                self.storefront_code,
            )
        )
        account = MemberLedger(self, member_id, enrolled)
        if self.welcome_bonus:
            account.earn(self.welcome_bonus, enrolled, pending=False, reason=WELCOME_REASON)

        # Orders: a number around the mean, scaled by how long the member has been
        # with the program (members who joined yesterday have bought little).
        active_seconds = (now - enrolled).total_seconds()
        mean = self.orders_per_member * 2 * active_seconds / span
        count = min(int(rng.expovariate(1 / mean)) if mean > 0 else 0, MAX_ORDERS_PER_MEMBER)
        moments = sorted(enrolled + datetime.timedelta(seconds=rng.uniform(60, active_seconds)) for _ in range(count))
        for number, placed in enumerate(moments, start=1):
            following = moments[number] if number < count else now
            self.order(rng, account, external_id, number, placed, following, is_last=number == count)
        account.advance(now)

        self.accounts.rows.append(
            (
                member_id,
                account.available,
                account.pending,
                account.held,
                0,
                account.lifetime_earned,
                account.lifetime_spent,
                account.lifetime_expired,
                account.last_purchase,
                account.next_due_at(),
                enrolled,
            )
        )
        self.lots.rows.extend(account.lot_rows(member_id))

    def order(self, rng, account, external_id, number, placed, following, *, is_last):
        """Place one order at ``placed``; complete, cancel or return it before ``following``."""
        program = self.program
        account.advance(placed)
        lines = []
        for line_number in range(1, rng.choice((1, 1, 1, 2, 2, 3, 4)) + 1):
            category, (low, high) = rng.choice(CATEGORIES)
            price = Decimal(
                rng.randrange(low // 10, high // 10 + 1) * 10 - 1
                if rng.random() < 0.7
                else rng.randrange(low, high + 1)
            )
            lines.append(
                (
                    str(line_number),
                    f"{category[:3].upper()}-{rng.randrange(10000):04d}",
                    category,
                    rng.choice((1, 1, 1, 1, 2, 2, 3)),
                    price,
                )
            )
        shipping = SHIPPING if rng.random() < P_SHIPPING else Decimal(0)
        spend_share = rng.uniform(0.2, 1.0) if rng.random() < P_SPEND else None
        priced = price_cart(program, lines, shipping, account.available, spend_share)

        order_id = self.order_ids.take()
        hold = account.hold(priced.points, placed, order_id) if priced.points else None

        # Completed (or cancelled) when the parcel arrives, within the hold
        # timeout and before the member's next order; one still on its way
        # now is open, with its points held.
        timeout = self.hold_timeout.total_seconds()
        delay = datetime.timedelta(
            seconds=rng.uniform(0.02, 0.9)
            * (timeout if is_last else min(timeout, (following - placed).total_seconds()))
        )
        status, completed, cancelled = Order.Status.COMPLETED.value, None, None
        returned = False
        if placed + delay >= self.now:
            status = Order.Status.PLACED.value
        elif rng.random() < P_CANCEL:
            status = Order.Status.CANCELLED.value
            cancelled = placed + delay
            if hold is not None:
                account.release(hold, cancelled, "order cancelled")
        else:
            completed = placed + delay
            account.advance(completed)
            if hold is not None:
                account.capture(hold, completed)
            lot = account.earn(priced.earned, completed, order_id=order_id) if priced.earned else None
            # A return within the window, before anything else happens on the account.
            window = min(self.return_window.total_seconds(), (following - completed).total_seconds())
            if window > 600 and rng.random() < P_RETURN:
                returned_at = completed + datetime.timedelta(seconds=rng.uniform(0.3, 0.9) * window)
                # The earned points are clawed back from the order's lot while it is still pending.
                if lot is None or (lot.pending and returned_at < lot.available_at):
                    returned = True
                    status = Order.Status.RETURNED.value
                    return_id = self.return_ids.take()
                    return_number = f"R{order_id}"
                    if lot is not None:
                        account.advance(returned_at)
                        account.clawback_from_order_lot(lot, priced.earned, returned_at, order_id, return_number)
                    if priced.points:
                        account.advance(returned_at)
                        account.refund(priced.points, returned_at, order_id, return_number)
                    self.returns.rows.append(
                        (
                            return_id,
                            order_id,
                            return_number,
                            priced.subtotal,
                            FULL_RETURN_REQUEST_JSON,
                            FULL_RETURN_FINGERPRINT,
                            priced.earned,
                            0,
                            priced.points,
                            returned_at,
                        )
                    )

        self.orders.rows.append(
            (
                order_id,
                self.storefront_id,
                f"H{external_id}-{number:03d}",
                account.member_id,
                status,
                program.currency,
                priced.subtotal,
                Decimal(0),
                shipping,
                priced.points,
                priced.points_value,
                priced.payable_total,
                priced.earned,
                "{}",
                "",
                hold.id if hold else None,
                placed,
                completed,
                cancelled,
            )
        )
        for line, amount, applied, earned in priced.lines:
            line_id, sku, category, quantity, unit_price = line
            self.order_lines.rows.append(
                (
                    self.line_ids.take(),
                    order_id,
                    line_id,
                    sku,
                    category,
                    quantity,
                    unit_price,
                    amount,
                    applied,
                    earned,
                    quantity if returned else 0,
                    amount if returned else Decimal(0),
                )
            )


_worker_generator = None


def _worker_start(generator):
    global _worker_generator
    _worker_generator = generator
    for ids in generator.all_ids():
        ids.forget()


def _worker_batch(batch):
    first, count = batch
    return _worker_generator.write(_worker_generator.simulate(first, count))


class Command(BaseCommand):
    help = (
        "Generate N members with a year and a half of orders and a consistent points ledger, for load tests "
        "(PostgreSQL only; bulk COPY in batches, one transaction each). Creates the 'bench' storefront and "
        "an API key, written to --key-file. Refuses a database that has members, unless --reset."
    )

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=1000, help="How many members (default 1000).")
        parser.add_argument(
            "--orders-per-member",
            type=float,
            default=3.8,
            help="Mean number of orders per member (default 3.8: about 10 ledger entries per member).",
        )
        parser.add_argument(
            "--days",
            type=int,
            default=540,
            help="How far back the history goes, in days (default 540, so that the oldest points expire "
            "under a one-year expiry).",
        )
        parser.add_argument(
            "--welcome-bonus", type=int, default=500, help="Points credited at enrolment (default 500; 0 for none)."
        )
        parser.add_argument("--seed", type=int, default=1, help="Seed of the random histories (default 1).")
        parser.add_argument("--batch-size", type=int, default=10_000, help="Members per transaction (default 10000).")
        parser.add_argument(
            "--jobs",
            type=int,
            default=os.cpu_count() or 1,
            help="Processes generating and writing batches in parallel (default: the number of CPUs).",
        )
        parser.add_argument(
            "--row-triggers",
            action="store_true",
            help="Check foreign keys row by row while writing. By default a superuser skips the row triggers "
            "(as pg_restore --disable-triggers does) and the keys are checked once per key at the end.",
        )
        parser.add_argument(
            "--now",
            help="The moment the history ends, ISO 8601 (default: now). The same seed and --now give the same data.",
        )
        parser.add_argument(
            "--key-file",
            default=str(DEFAULT_KEY_FILE),
            help="Where to write the new API key of the 'bench' storefront (default var/bench-api-key.txt).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="First delete ALL members, orders, ledger rows and idempotency records (TRUNCATE). "
            "Storefronts, API keys and the program settings are kept.",
        )
        parser.add_argument("--no-progress", action="store_true", help="Do not show the progress bar.")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "generate_data writes with PostgreSQL's COPY and runs on PostgreSQL only; set DATABASE_URL to a "
                "PostgreSQL database. For a small demo on SQLite use `manage.py load_demo`."
            )
        members = options["members"]
        if min(members, options["batch_size"], options["days"], options["jobs"]) < 1:
            raise CommandError("--members, --batch-size, --days and --jobs must be at least 1.")
        if options["orders_per_member"] < 0:
            raise CommandError("--orders-per-member must not be negative.")
        if options["welcome_bonus"] < 0:
            raise CommandError("--welcome-bonus must not be negative.")
        now = timezone.now()
        if options["now"]:
            now = parse_datetime(options["now"])
            if now is None or timezone.is_naive(now):
                raise CommandError("--now must be an ISO 8601 moment with a time zone, e.g. 2026-03-10T12:00:00Z.")
        now = now.astimezone(datetime.UTC)

        if options["reset"]:
            self._reset()
        elif Member.objects.exists() or Order.objects.exists() or Entry.objects.exists():
            raise CommandError(
                f"The database already has {Member.objects.count()} members: generate_data fills an empty "
                "database. Run it with --reset to delete every member, order and ledger row first."
            )

        program = program_get()
        storefront = Storefront.objects.filter(code=STOREFRONT_CODE).first() or storefront_create(
            name="Benchmark", code=STOREFRONT_CODE, kind=Channel.WEB_SHOP
        )
        generator = Generator(
            program=program,
            storefront=storefront,
            now=now,
            days=options["days"],
            orders_per_member=options["orders_per_member"],
            welcome_bonus=options["welcome_bonus"],
            seed=options["seed"],
        )
        generator.skip_row_triggers = not options["row_triggers"] and self._may_skip_row_triggers(generator.tables)
        self._describe(program, members, now)

        started = time.monotonic()
        show = not options["no_progress"] and options["verbosity"] > 0
        with tqdm(total=members, unit=" members", disable=not show, file=sys.stderr, smoothing=0.1) as progress:
            generator.run(members, options["batch_size"], options["jobs"], progress)
        generator.trim_sequences()
        written = time.monotonic() - started

        if generator.skip_row_triggers:
            self._check_foreign_keys(generator.tables)
        with connection.cursor() as cursor:
            for table in generator.tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table.name)}")
        analysed = time.monotonic() - started - written

        _api_key, key = api_key_create(storefront=storefront, name=f"generate_data {now:%Y-%m-%d %H:%M}")
        key_file = options["key_file"]
        if key_file:
            path = Path(key_file)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(key + "\n")
            path.chmod(0o600)
        self._report(generator, members, written, analysed, key, key_file)

    def _may_skip_row_triggers(self, tables):
        """Whether the batches may skip row triggers (session_replication_role
        = replica, as pg_restore --disable-triggers does): only for a superuser,
        and only when the tables have no INSERT trigger of their own, so all
        that is skipped is the per-row foreign-key checks, which
        ``_check_foreign_keys`` then makes once per key, set-based."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if not cursor.fetchone()[0]:
                return False
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgtype & 4 <> 0 "
                "AND tgrelid = ANY(%s::regclass[])",
                [[table.name for table in tables]],
            )
            return cursor.fetchone()[0] == 0

    def _check_foreign_keys(self, tables):
        """Every foreign key of the written rows points at a row: one anti-join per key."""
        broken = []
        with connection.cursor() as cursor:
            for table in tables:
                for field in table.model._meta.concrete_fields:
                    if not field.is_relation or field.column not in table.columns:
                        continue
                    target = field.target_field
                    quote = connection.ops.quote_name
                    cursor.execute(
                        f"SELECT count(*) FROM {quote(table.name)} AS child WHERE child.{quote(field.column)} "
                        f"IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {quote(target.model._meta.db_table)} AS parent "
                        f"WHERE parent.{quote(target.column)} = child.{quote(field.column)})"
                    )
                    if missing := cursor.fetchone()[0]:
                        broken.append(f"{table.name}.{field.column}: {missing} rows")
        if broken:
            raise CommandError("Rows point at rows that do not exist: " + "; ".join(broken))

    def _describe(self, program, members, now):
        self.stdout.write(
            f"Generating {members} members up to {now:%Y-%m-%d %H:%M} UTC. Program: {program.currency}, "
            f"{program.earn_points} point(s) per {program.earn_step}, cap {program.redemption_cap_percent}%, "
            f"{program.pending_days} days pending, expiry {program.get_expiry_policy_display().lower()}."
        )
        if program.earn_rule != Program.EarnRule.PER_AMOUNT:
            self.stdout.write(f"Earning: cashback of {program.cashback_percent}%.")

    def _report(self, generator, members, written, analysed, key, key_file):
        counts = generator.counts
        entries = counts[Entry._meta.db_table]
        rows = sum(counts.values())
        self.stdout.write(
            "Rows: "
            + ", ".join(f"{table.name} {counts[table.name]}" for table in generator.tables if counts[table.name])
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {members} members, {counts[Order._meta.db_table]} orders and {entries} ledger entries "
                f"({entries / members:.1f} per member) in {written:.1f} s: {members / written:,.0f} members/s, "
                f"{entries / written:,.0f} entries/s, {rows / written:,.0f} rows/s (then ANALYZE {analysed:.1f} s)."
            )
        )
        where = f" (written to {key_file})" if key_file else ""
        self.stdout.write(f"API key of the '{STOREFRONT_CODE}' storefront{where}: {key}")

    def _reset(self):
        tables = [
            model._meta.db_table
            for model in (
                Entry,
                HoldAllocation,
                Hold,
                Lot,
                OrderReturn,
                OrderLine,
                Order,
                Account,
                ConsentRecord,
                Member,
                IdempotencyRecord,
            )
        ]
        quoted = ", ".join(connection.ops.quote_name(table) for table in tables)
        with connection.cursor() as cursor:
            # TRUNCATE fires no row triggers, so the journal's immutability trigger allows it.
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        self.stdout.write("Deleted every member, order, ledger row and idempotency record.")
