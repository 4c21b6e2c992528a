"""Program settings, storefronts, and the points ledger.

The ledger keeps three kinds of rows:

* ``Entry``: the immutable journal. Every change of an account's balances is
  an entry whose signed deltas (available, pending, held) add up to the
  cached balances on ``Account``.
* ``Lot``: the points one credit produced, with the moment they become
  available and the moment they expire. Spending consumes lots
  soonest-expiring first, so ``remaining`` changes; lots are state, entries
  are history.
* ``Hold``: points reserved for an order in progress. Reserving moves points
  out of lots into the hold (``HoldAllocation`` remembers which lots), capture
  makes the spend final, release puts them back into the same lots.

For every account (``loyalty.selectors.ledger_mismatches`` checks it):

    available = sum(available_delta) = sum(remaining of available lots) - debt
    pending   = sum(pending_delta)   = sum(remaining of pending lots)
    held      = sum(held_delta)      = sum(points of active holds)
"""

import re
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import Channel, Member


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(zone)s"), params={"zone": value}, code="invalid_time_zone")


def validate_currency(value):
    if len(value) != 3 or not value.isalpha() or not value.isupper():
        raise ValidationError(_("Use a three-letter ISO 4217 code such as RUB."), code="invalid_currency")


def validate_colour(value):
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value or ""):
        raise ValidationError(_("Use a colour in the form #1a73e8."), code="invalid_colour")


def _percent_field(verbose_name, default, help_text=""):
    return models.DecimalField(
        verbose_name,
        max_digits=5,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text=help_text,
    )


def _money_field(verbose_name):
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, default=Decimal("0"))


class Program(models.Model):
    """The merchant's loyalty program: one row per deployment (id 1)."""

    SINGLETON_ID = 1

    class EarnRule(models.TextChoices):
        PER_AMOUNT = "per_amount", _("Points per amount spent")
        CASHBACK = "cashback", _("Cashback percent paid in points")

    class ExpiryPolicy(models.TextChoices):
        NEVER = "never", _("Never")
        DAYS_AFTER_EARNING = "days_after_earning", _("N days after earning")
        END_OF_MONTH = "end_of_month", _("End of the month, N months after earning")
        END_OF_YEAR = "end_of_year", _("End of the year, N months after earning")

    class Rounding(models.TextChoices):
        DOWN = "down", _("Down (the member never gets a fraction rounded up)")
        HALF_UP = "half_up", _("To the nearest point, halves up")
        UP = "up", _("Up")

    class NegativeBalancePolicy(models.TextChoices):
        ALLOW_NEGATIVE = "allow_negative", _("Allow a negative balance")
        TAKE_AVAILABLE = "take_available", _("Take what is there and record the shortfall")

    name = models.CharField(_("program name"), max_length=120, default="Loyalty program")
    currency = models.CharField(_("currency"), max_length=3, default="RUB", validators=[validate_currency])
    points_name = models.CharField(_("name of the points"), max_length=40, default="points")
    point_value = models.DecimalField(
        _("value of one point"),
        max_digits=12,
        decimal_places=4,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.0001"))],
        help_text=_("How much money one point pays for, in the program currency."),
    )
    earn_rule = models.CharField(
        _("base earn rule"), max_length=16, choices=EarnRule.choices, default=EarnRule.PER_AMOUNT
    )
    earn_points = models.PositiveIntegerField(_("points earned per step"), default=1)
    earn_step = models.DecimalField(
        _("amount per step"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("100"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("With 1 point per 100 RUB, the step is 100."),
    )
    cashback_percent = _percent_field(_("cashback percent"), "0")
    min_earning_order_amount = models.DecimalField(
        _("minimum order amount that earns"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    excluded_categories = models.JSONField(
        _("excluded categories"),
        default=list,
        blank=True,
        help_text=_("Categories that neither earn nor can be paid with points, such as gift cards."),
    )
    shipping_earns = models.BooleanField(_("shipping earns points"), default=False)
    redemption_cap_percent = _percent_field(
        _("redemption cap, percent"), "30", _("The largest share of an order payable by points.")
    )
    min_redemption_points = models.PositiveIntegerField(_("minimum points per redemption"), default=0)
    pending_days = models.PositiveIntegerField(
        _("pending period, days"), default=14, help_text=_("Earned points wait this long: the return window.")
    )
    expiry_policy = models.CharField(
        _("expiry policy"), max_length=24, choices=ExpiryPolicy.choices, default=ExpiryPolicy.DAYS_AFTER_EARNING
    )
    expiry_days = models.PositiveIntegerField(_("expire after, days"), default=365)
    expiry_months = models.PositiveIntegerField(_("expire after, months"), default=12)
    inactivity_expiry_days = models.PositiveIntegerField(
        _("expire all points after days without a purchase"), null=True, blank=True
    )
    time_zone = models.CharField(
        _("program time zone"), max_length=64, default="Europe/Moscow", validators=[validate_time_zone]
    )
    rounding = models.CharField(_("rounding of points"), max_length=8, choices=Rounding.choices, default=Rounding.DOWN)
    negative_balance_policy = models.CharField(
        _("when returned points were already spent"),
        max_length=16,
        choices=NegativeBalancePolicy.choices,
        default=NegativeBalancePolicy.TAKE_AVAILABLE,
    )
    hold_timeout_minutes = models.PositiveIntegerField(
        _("hold timeout, minutes"),
        default=60 * 24 * 3,
        validators=[MinValueValidator(1)],
        help_text=_("Points reserved for an order that is neither completed nor cancelled are released after this."),
    )
    # The personal cabinet: branding and gifts between members.
    logo_url = models.CharField(
        _("logo URL"),
        max_length=500,
        blank=True,
        help_text=_("An image shown at the top of the personal cabinet: https://… or a path such as /static/logo.svg."),
    )
    brand_colour = models.CharField(
        _("brand colour"),
        max_length=7,
        default="#1f4e8c",
        validators=[validate_colour],
        help_text=_(
            "The colour of the cabinet's header and buttons; text on it is black or white, whichever reads best."
        ),
    )
    accent_colour = models.CharField(
        _("accent colour"),
        max_length=7,
        default="#b3541e",
        validators=[validate_colour],
        help_text=_("Highlights such as progress bars."),
    )
    gifts_enabled = models.BooleanField(
        _("members may gift points"), default=True, help_text=_("Members send available points to other members.")
    )
    gift_min_points = models.PositiveIntegerField(
        _("smallest gift, points"), default=1, validators=[MinValueValidator(1)]
    )
    gift_max_points = models.PositiveIntegerField(
        _("largest gift, points"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    gift_monthly_limit = models.PositiveIntegerField(
        _("gifts per member per month, points"),
        null=True,
        blank=True,
        help_text=_(
            "The most points one member may give away in a calendar month (program time zone). Empty: no limit."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("program settings")
        verbose_name_plural = _("program settings")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="program_singleton")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.expiry_policy == self.ExpiryPolicy.DAYS_AFTER_EARNING and self.expiry_days <= self.pending_days:
            raise ValidationError({"expiry_days": _("Points must not expire before the pending period ends.")})
        if (
            self.expiry_policy in (self.ExpiryPolicy.END_OF_MONTH, self.ExpiryPolicy.END_OF_YEAR)
            and not self.expiry_months
        ):
            raise ValidationError({"expiry_months": _("Give the number of months.")})
        if not isinstance(self.excluded_categories, list) or not all(
            isinstance(category, str) for category in self.excluded_categories
        ):
            raise ValidationError({"excluded_categories": _("Give a list of category names.")})
        if self.gift_max_points is not None and self.gift_max_points < self.gift_min_points:
            raise ValidationError({"gift_max_points": _("The largest gift must not be smaller than the smallest.")})


STOREFRONT_KINDS = (
    Channel.WEB_SHOP,
    Channel.MOBILE_APP,
    Channel.MARKETPLACE,
    Channel.POINT_OF_SALE,
    Channel.PARTNER,
)


class Storefront(models.Model):
    """A place where members shop: web shop, app, marketplace shop, POS, partner."""

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("code"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=[(kind.value, kind.label) for kind in STOREFRONT_KINDS])
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("storefront")
        verbose_name_plural = _("storefronts")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ApiKey(models.Model):
    """A storefront's key for the REST API. Only a SHA-256 digest of the key is
    stored; the key itself is shown once, when it is created. Keys are long
    random strings, so a fast digest is as safe as a slow password hash and
    keeps authentication cheap."""

    storefront = models.ForeignKey(Storefront, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=120)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None


class Order(models.Model):
    """A storefront's order: what was priced and placed, and the cause of the
    entries, lots and holds it produced. ``calculation`` keeps the price the
    shopper was shown, effects and all."""

    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        PARTIALLY_RETURNED = "partially_returned", _("Partially returned")
        RETURNED = "returned", _("Returned")

    # Both foreign keys lead an index of Meta (order_number_unique, order_member_idx).
    storefront = models.ForeignKey(Storefront, on_delete=models.PROTECT, related_name="orders", db_index=False)
    number = models.CharField(_("storefront's order id"), max_length=64)
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="orders", db_index=False
    )
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.PLACED)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    subtotal = _money_field(_("subtotal"))
    discount_total = _money_field(_("discounts"))
    shipping = _money_field(_("shipping"))
    points_spent = models.BigIntegerField(_("points spent"), default=0)
    points_value = _money_field(_("paid with points"))
    payable_total = _money_field(_("payable total"))
    points_earned = models.BigIntegerField(_("points earned"), default=0)
    calculation = models.JSONField(_("calculation"), default=dict, blank=True, editable=False)
    cart_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    hold = models.OneToOneField(
        "Hold", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("hold")
    )
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [models.UniqueConstraint(fields=["storefront", "number"], name="order_number_unique")]
        indexes = [
            models.Index(fields=["member", "-placed_at"], name="order_member_idx"),
            # Jobs that look at the orders completed since their last run (the tiers' nightly one).
            models.Index(fields=["completed_at"], name="order_completed_idx", condition=Q(completed_at__isnull=False)),
        ]

    def __str__(self):
        return self.number


class OrderLine(models.Model):
    """A line of an order as it was priced, and how much of it came back.

    ``amount`` is the line after discounts (paid with money and points);
    ``returned_value`` is the part of it returned so far, which decides the
    share of the line's earned and applied points that returns move.
    """

    # order_line_unique leads with the order.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", db_index=False)
    line_id = models.CharField(_("line id"), max_length=64)
    sku = models.CharField(_("SKU"), max_length=128)
    category = models.CharField(_("category"), max_length=128, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = _money_field(_("unit price"))
    amount = _money_field(_("amount after discounts"))
    points_applied = models.BigIntegerField(_("points applied"), default=0)
    points_earned = models.BigIntegerField(_("points earned"), default=0)
    returned_quantity = models.PositiveIntegerField(_("returned quantity"), default=0)
    returned_value = _money_field(_("returned value"))

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.UniqueConstraint(fields=["order", "line_id"], name="order_line_unique"),
            models.CheckConstraint(
                condition=Q(returned_quantity__lte=F("quantity")), name="order_line_returned_quantity_within"
            ),
            models.CheckConstraint(
                condition=Q(returned_value__lte=F("amount")), name="order_line_returned_value_within"
            ),
        ]

    def __str__(self):
        return f"{self.sku} x {self.quantity}"


class OrderReturn(models.Model):
    """One return of an order, processed once per storefront return number."""

    # order_return_unique leads with the order.
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns", db_index=False)
    number = models.CharField(_("storefront's return id"), max_length=64)
    amount = _money_field(_("returned value"))
    request = models.JSONField(_("request"), default=dict, editable=False)
    request_fingerprint = models.CharField(max_length=64, editable=False)
    points_clawed_back = models.BigIntegerField(_("points taken back"), default=0)
    points_shortfall = models.BigIntegerField(_("points not recovered"), default=0)
    points_refunded = models.BigIntegerField(_("points given back"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        constraints = [models.UniqueConstraint(fields=["order", "number"], name="order_return_unique")]
        indexes = [models.Index(fields=["created_at"], name="order_return_created_idx")]

    def __str__(self):
        return self.number


class Account(models.Model):
    """A member's points account. The balances are a cache of the journal."""

    member = models.OneToOneField(
        Member, primary_key=True, on_delete=models.PROTECT, related_name="points_account", verbose_name=_("member")
    )
    available = models.BigIntegerField(_("available"), default=0)
    pending = models.BigIntegerField(_("pending"), default=0)
    held = models.BigIntegerField(_("held"), default=0)
    debt = models.BigIntegerField(
        _("debt"), default=0, help_text=_("Points taken back by returns beyond what the account had.")
    )
    lifetime_earned = models.BigIntegerField(_("lifetime earned"), default=0)
    lifetime_spent = models.BigIntegerField(_("lifetime spent"), default=0)
    lifetime_expired = models.BigIntegerField(_("lifetime expired"), default=0)
    last_purchase_at = models.DateTimeField(_("last purchase at"), null=True, blank=True)
    next_due_at = models.DateTimeField(
        _("next due at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "The earliest moment something on the account may fall due: pending points becoming available, "
            "points expiring, a reservation timing out. Never later than that moment; empty when nothing will."
        ),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        permissions = [("adjust_points", _("Can adjust points by hand"))]
        constraints = [
            models.CheckConstraint(condition=Q(pending__gte=0), name="account_pending_not_negative"),
            models.CheckConstraint(condition=Q(held__gte=0), name="account_held_not_negative"),
            models.CheckConstraint(condition=Q(debt__gte=0), name="account_debt_not_negative"),
            models.CheckConstraint(condition=Q(available__gte=-F("debt")), name="account_available_not_below_debt"),
        ]

    def __str__(self):
        return str(self.member)

    @property
    def balance(self):
        """What the member owns: spendable, waiting, and reserved points."""
        return self.available + self.pending + self.held


class Lot(models.Model):
    """Points produced by one credit, consumed soonest-expiring first."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lots")
    # lot_order_idx: a partial index of the lots that have an order.
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="lots", db_index=False
    )
    amount = models.BigIntegerField(_("amount"))
    remaining = models.BigIntegerField(_("remaining"))
    expired = models.BigIntegerField(_("expired"), default=0)
    is_pending = models.BooleanField(_("pending"), default=False)
    available_at = models.DateTimeField(_("available at"))
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="lot_amount_positive"),
            models.CheckConstraint(condition=Q(remaining__gte=0), name="lot_remaining_not_negative"),
            models.CheckConstraint(condition=Q(remaining__lte=F("amount")), name="lot_remaining_within_amount"),
            models.CheckConstraint(condition=Q(expired__gte=0), name="lot_expired_not_negative"),
        ]
        indexes = [
            models.Index(
                fields=["account", "expires_at", "id"], name="lot_spendable_idx", condition=Q(remaining__gt=0)
            ),
            models.Index(fields=["available_at"], name="lot_pending_due_idx", condition=Q(is_pending=True)),
            models.Index(fields=["expires_at"], name="lot_expiry_due_idx", condition=Q(remaining__gt=0)),
            models.Index(fields=["order"], name="lot_order_idx", condition=Q(order__isnull=False)),
        ]

    def __str__(self):
        return f"{self.remaining}/{self.amount}"


class Hold(models.Model):
    """Points reserved for an order in progress (two-phase spend)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CAPTURED = "captured", _("Captured")
        RELEASED = "released", _("Released")

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="holds")
    # hold_order_idx: a partial index of the holds that have an order.
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="holds", db_index=False
    )
    points = models.BigIntegerField(_("points"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("released automatically at"))
    resolved_at = models.DateTimeField(_("captured or released at"), null=True, blank=True)

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        constraints = [models.CheckConstraint(condition=Q(points__gt=0), name="hold_points_positive")]
        indexes = [
            models.Index(fields=["expires_at"], name="hold_active_due_idx", condition=Q(status="active")),
            models.Index(fields=["order"], name="hold_order_idx", condition=Q(order__isnull=False)),
        ]

    def __str__(self):
        return f"{self.points} ({self.get_status_display()})"


class HoldAllocation(models.Model):
    """The points a hold took from one lot, given back there on release."""

    hold = models.ForeignKey(Hold, on_delete=models.PROTECT, related_name="allocations")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="hold_allocations")
    points = models.BigIntegerField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(points__gt=0), name="hold_allocation_points_positive")]

    def __str__(self):
        return f"{self.points} from lot {self.lot_id}"


class Entry(models.Model):
    """One immutable line of the journal. Never updated or deleted (a database
    trigger enforces it on PostgreSQL); a correction is a new entry that
    points at the one it corrects."""

    class Kind(models.TextChoices):
        EARN = "earn", _("Earned")
        ACTIVATE = "activate", _("Became available")
        SPEND = "spend", _("Spent")
        HOLD = "hold", _("Reserved")
        CAPTURE = "capture", _("Spent (reservation captured)")
        RELEASE = "release", _("Reservation released")
        EXPIRE = "expire", _("Expired")
        CLAWBACK = "clawback", _("Taken back on return")
        REFUND = "refund", _("Spent points given back")
        ADJUSTMENT = "adjustment", _("Manual adjustment")
        TRANSFER = "transfer", _("Transfer")

    # System reasons, recorded where no person gave one.
    EXPIRY_REASON_INACTIVITY = "inactivity"
    RELEASE_REASON_TIMEOUT = "timeout"

    # Every insert of an entry updates each of its indexes, so the table has
    # none it does not use: the account leads entry_history_idx, and the
    # nullable references, empty on most entries, have partial indexes of
    # their non-empty rows (an equality lookup can use them).
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries", db_index=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    points = models.BigIntegerField(_("points"), help_text=_("How many points moved; the deltas give the direction."))
    available_delta = models.BigIntegerField(default=0)
    pending_delta = models.BigIntegerField(default=0)
    held_delta = models.BigIntegerField(default=0)
    shortfall = models.BigIntegerField(
        _("shortfall"), default=0, help_text=_("Points a return should have taken back but the account did not have.")
    )
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="entries", db_index=False
    )
    hold = models.ForeignKey(
        Hold, on_delete=models.PROTECT, null=True, blank=True, related_name="entries", db_index=False
    )
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="entries", db_index=False
    )
    storefront = models.ForeignKey(
        Storefront, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # What a higher app (a campaign, a reward, a tier) caused this entry with.
    source_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections", db_index=False
    )
    counterpart = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The other side of a transfer."),
        db_index=False,
    )
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, editable=False)
    request_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                name="entry_idempotency_key_unique",
                condition=Q(idempotency_key__isnull=False),
            ),
            models.CheckConstraint(condition=Q(points__gte=0), name="entry_points_not_negative"),
            models.CheckConstraint(condition=Q(shortfall__gte=0), name="entry_shortfall_not_negative"),
        ]
        indexes = [
            models.Index(fields=["account", "-occurred_at", "-id"], name="entry_history_idx"),
            models.Index(fields=["order"], name="entry_order_idx", condition=Q(order__isnull=False)),
            models.Index(
                fields=["source_type", "source_id"], name="entry_source_idx", condition=Q(source_id__isnull=False)
            ),
            *(
                models.Index(fields=[field], name=f"entry_{field}_idx", condition=Q(**{f"{field}__isnull": False}))
                for field in ("lot", "hold", "storefront", "staff_user", "corrects", "counterpart")
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.signed_points:+d}"

    @property
    def signed_points(self):
        """The change of what the member owns (available + pending + held)."""
        return self.available_delta + self.pending_delta + self.held_delta


class IdempotencyRecord(models.Model):
    """The first answer to a storefront's POST that carried an Idempotency-Key.

    A retry with the same key and the same request gets this answer again and
    changes nothing; the same key with another request is refused. Keys belong
    to their storefront and are purged after IDEMPOTENCY_KEY_TTL_HOURS.
    """

    storefront = models.ForeignKey(Storefront, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("idempotency key"), max_length=200)
    fingerprint = models.CharField(
        _("request fingerprint"), max_length=64, help_text=_("SHA-256 of the method, the path and the body.")
    )
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True)
    # JSON as text: jsonb would reorder the keys, and a replay must be the same answer.
    response_body = models.TextField(_("response body"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["storefront", "key"], name="idempotency_record_key_unique")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_record_created_idx")]

    def __str__(self):
        return self.key
