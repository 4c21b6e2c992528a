"""The rewards app's data: tiers, the rewards catalog and its coupons, paid
memberships, prize draws and charity.

* ``TierProgram``: how tiers are reached and lost (one row, like
  ``loyalty.Program``).
* ``Tier``: a level with its thresholds and benefits (``Benefits``, which
  paid membership plans share).
* ``MemberTier``: the member's current tier and the dates that decide its
  future (the next review, a grace period, a staff lock).
* ``TierChange``: the history of every move, with its reason.
* ``Reward``, ``Coupon``: the catalog and what members got from it.
* ``MembershipPlan``, ``Membership``, ``MembershipPayment``,
  ``MembershipSaving``: paid memberships, what was paid for them and what
  they saved.
* ``PrizeDraw``, ``DrawEntry``: prize draws and their tickets.
* ``Cause``, ``Donation``, ``CharityTransfer``: charity.

docs/tiers.md and docs/rewards.md describe the rules.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from members.models import Member

from .images import reward_image_path, validate_reward_image

_PERCENT_VALIDATORS = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class TierProgram(models.Model):
    """How the program's tiers are reached and kept: one row (id 1)."""

    SINGLETON_ID = 1

    class Basis(models.TextChoices):
        POINTS = "points", _("Qualifying points (points earned on orders)")
        SPEND = "spend", _("Money spent")
        ORDERS = "orders", _("Number of orders")

    class Window(models.TextChoices):
        LIFETIME = "lifetime", _("Lifetime")
        CALENDAR_YEAR = "calendar_year", _("Calendar year")
        ROLLING_MONTHS = "rolling_months", _("Rolling last N months")

    class DowngradePolicy(models.TextChoices):
        NEVER = "never", _("Never")
        PERIOD_END = "period_end", _("At the end of the evaluation period if the retain threshold is not met")
        GRACE = "grace", _("After a grace period if the retain threshold is not met")

    basis = models.CharField(_("qualification basis"), max_length=16, choices=Basis.choices, default=Basis.POINTS)
    window = models.CharField(_("evaluation window"), max_length=16, choices=Window.choices, default=Window.LIFETIME)
    window_months = models.PositiveIntegerField(
        _("window, months"), default=12, validators=[MinValueValidator(1)], help_text=_("For the rolling window.")
    )
    downgrade_policy = models.CharField(
        _("downgrade policy"), max_length=16, choices=DowngradePolicy.choices, default=DowngradePolicy.PERIOD_END
    )
    grace_days = models.PositiveIntegerField(
        _("grace period, days"), default=30, help_text=_("For the grace-period policy.")
    )
    last_evaluated_at = models.DateTimeField(_("last nightly re-evaluation"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("tier settings")
        verbose_name_plural = _("tier settings")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="tier_program_singleton")]

    def __str__(self):
        return str(_("Tier settings"))


class FreeShipping(models.TextChoices):
    NEVER = "never", _("Never")
    ALWAYS = "always", _("Always")
    FROM_AMOUNT = "from_amount", _("From an order amount")


class Benefits(models.Model):
    """What a tier or a paid membership plan gives in checkout. The two share
    these fields so that checkout compares them kind by kind
    (``rewards.benefits``) and staff set them alike."""

    FreeShipping = FreeShipping

    earn_multiplier = models.DecimalField(
        _("earn multiplier"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(1))],
        help_text=_("1.5 earns half as many points again as the base rule."),
    )
    extra_cashback_percent = models.DecimalField(
        _("extra cashback, percent"), max_digits=5, decimal_places=2, default=Decimal(0), validators=_PERCENT_VALIDATORS
    )
    discount_percent = models.DecimalField(
        _("discount on orders, percent"),
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=_PERCENT_VALIDATORS,
    )
    free_shipping = models.CharField(
        _("free shipping"), max_length=16, choices=FreeShipping.choices, default=FreeShipping.NEVER
    )
    free_shipping_from = models.DecimalField(
        _("free shipping from order amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    redemption_cap_percent = models.DecimalField(
        _("redemption cap, percent"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=_PERCENT_VALIDATORS,
        help_text=_("Empty: the program's cap."),
    )
    perks = models.JSONField(
        _("perks"), default=list, blank=True, help_text=_("Texts shown to the shopper, such as “Personal manager”.")
    )

    class Meta:
        abstract = True

    def clean(self):
        if self.free_shipping == FreeShipping.FROM_AMOUNT and self.free_shipping_from is None:
            raise ValidationError({"free_shipping_from": _("Give the order amount.")})
        if not isinstance(self.perks, list) or not all(isinstance(perk, str) for perk in self.perks):
            raise ValidationError({"perks": _("Give a list of texts.")})


class Tier(Benefits):
    """A level members reach by their qualifying value, or by invitation."""

    name = models.CharField(_("name"), max_length=80)
    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Stable id for storefronts."))
    position = models.PositiveSmallIntegerField(_("position"), unique=True, help_text=_("Higher is better."))
    threshold = models.DecimalField(
        _("threshold to qualify"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("In points, money or orders, as the qualification basis says."),
    )
    retain_threshold = models.DecimalField(
        _("threshold to keep"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Empty: the threshold to qualify."),
    )
    invitation_only = models.BooleanField(
        _("by invitation only"), default=False, help_text=_("Assigned by staff only, never reached automatically.")
    )
    birthday_bonus_points = models.PositiveIntegerField(_("birthday bonus, points"), default=0)

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["position"]

    def __str__(self):
        return self.name

    @property
    def threshold_to_keep(self):
        return self.threshold if self.retain_threshold is None else self.retain_threshold


class MemberTier(models.Model):
    """The member's current tier and when it is looked at again.

    ``review_at`` is the end of the evaluation period, when the retain
    threshold is checked; ``grace_until`` is set while a member who missed it
    keeps the tier under the grace-period policy; until ``locked_until`` staff's
    choice stands whatever the member's figures.
    """

    member = models.OneToOneField(
        Member, primary_key=True, on_delete=models.CASCADE, related_name="tier_status", verbose_name=_("member")
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+", verbose_name=_("tier"))
    since = models.DateTimeField(_("since"), default=timezone.now)
    review_at = models.DateTimeField(_("next review"), null=True, blank=True)
    grace_until = models.DateTimeField(_("grace period ends"), null=True, blank=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    assigned_by_staff = models.BooleanField(_("assigned by staff"), default=False)

    class Meta:
        verbose_name = _("member tier")
        verbose_name_plural = _("member tiers")
        # Separate from change_membertier: moving a member by hand overrides
        # the program's rules, so it is granted on its own.
        permissions = [("assign_tier", _("Can assign tiers by hand"))]
        indexes = [
            models.Index(fields=["review_at"], name="member_tier_review_idx", condition=Q(review_at__isnull=False)),
            models.Index(fields=["grace_until"], name="member_tier_grace_idx", condition=Q(grace_until__isnull=False)),
            models.Index(fields=["locked_until"], name="member_tier_lock_idx", condition=Q(locked_until__isnull=False)),
        ]

    def __str__(self):
        return f"{self.member}: {self.tier}"


class TierChange(models.Model):
    """One move of a member between tiers, kept for good."""

    class Reason(models.TextChoices):
        QUALIFIED = "qualified", _("Qualified")
        UPGRADE = "upgrade", _("Upgraded")
        PERIOD_END = "period_end", _("Threshold to keep not met at the end of the period")
        GRACE_ENDED = "grace_ended", _("Grace period ended")
        RETURN = "return", _("A return took away the qualification")
        MANUAL = "manual", _("Assigned by staff")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="tier_changes", verbose_name=_("member"))
    from_tier = models.ForeignKey(
        Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from")
    )
    to_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        indexes = [models.Index(fields=["member", "-changed_at"], name="tier_change_history_idx")]

    def __str__(self):
        return f"{self.from_tier or '—'} → {self.to_tier}"


class Localized(models.Model):
    """A name and a description in English and Russian, shown to shoppers in
    the request's language (English when the Russian text is empty)."""

    name_en = models.CharField(_("name (English)"), max_length=120)
    name_ru = models.CharField(_("name (Russian)"), max_length=120, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_ru = models.TextField(_("description (Russian)"), blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    def _localized(self, english, russian):
        return russian if russian and (get_language() or "").startswith("ru") else english

    @property
    def name(self):
        """The name in the active language (English when there is no Russian one)."""
        return self._localized(self.name_en, self.name_ru)

    @property
    def description(self):
        return self._localized(self.description_en, self.description_ru)


# The rewards catalog: what members buy with points, and the coupons they get.
# docs/rewards.md describes the rules.


class Reward(Localized):
    """An item of the catalog, bought with points; redeeming it issues a coupon,
    or, for a charity donation, gives the points to its cause."""

    class Kind(models.TextChoices):
        FIXED_AMOUNT = "fixed_amount", _("Discount coupon, fixed amount")
        PERCENT = "percent", _("Discount coupon, percent")
        FREE_SHIPPING = "free_shipping", _("Free shipping")
        GIFT_PRODUCT = "gift_product", _("Gift product")
        EXCLUSIVE_ACCESS = "exclusive_access", _("Exclusive access")
        CHARITY_DONATION = "charity_donation", _("Charity donation")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    image = models.ImageField(
        _("image"),
        upload_to=reward_image_path,
        blank=True,
        validators=[validate_reward_image],
        help_text=_("JPEG, PNG or WebP, up to 2 MB and 4000 × 4000 pixels."),
    )
    image_url = models.URLField(_("external image URL"), blank=True, help_text=_("Shown when no image is uploaded."))
    cost_points = models.PositiveIntegerField(_("cost, points"), validators=[MinValueValidator(1)])
    amount = models.DecimalField(
        _("discount amount"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("For a fixed-amount coupon."),
    )
    percent = models.DecimalField(
        _("discount, percent"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
        help_text=_("For a percent coupon."),
    )
    min_order_amount = models.DecimalField(
        _("minimum order"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("The order amount after earlier discounts below which the coupon is refused."),
    )
    gift_sku = models.CharField(_("gift SKU"), max_length=64, blank=True, help_text=_("For a gift product."))
    cause = models.ForeignKey(
        "Cause",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rewards",
        verbose_name=_("cause"),
        help_text=_("For a charity donation: the cause that gets the points."),
    )
    stock = models.PositiveIntegerField(_("stock"), null=True, blank=True, help_text=_("Empty: unlimited."))
    per_member_limit = models.PositiveIntegerField(
        _("limit per member"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    min_tier = models.ForeignKey(
        Tier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("minimum tier"),
        help_text=_("Empty: every member."),
    )
    available_from = models.DateTimeField(_("available from"), null=True, blank=True)
    available_until = models.DateTimeField(_("available until"), null=True, blank=True)
    coupon_validity_days = models.PositiveIntegerField(
        _("coupon validity, days"), default=30, validators=[MinValueValidator(1)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["cost_points", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="fixed_amount") | Q(amount__isnull=False), name="reward_fixed_amount_has_amount"
            ),
            models.CheckConstraint(
                condition=~Q(kind="percent") | Q(percent__isnull=False), name="reward_percent_has_percent"
            ),
            models.CheckConstraint(condition=~Q(kind="gift_product") | ~Q(gift_sku=""), name="reward_gift_has_sku"),
            models.CheckConstraint(
                condition=~Q(kind="charity_donation") | Q(cause__isnull=False), name="reward_donation_has_cause"
            ),
        ]

    def clean(self):
        required = {
            self.Kind.FIXED_AMOUNT: ("amount", self.amount is not None),
            self.Kind.PERCENT: ("percent", self.percent is not None),
            self.Kind.GIFT_PRODUCT: ("gift_sku", bool(self.gift_sku)),
            self.Kind.CHARITY_DONATION: ("cause", self.cause_id is not None),
        }
        if self.kind in required and not required[self.kind][1]:
            raise ValidationError({required[self.kind][0]: _("This kind of reward needs it.")})
        if self.available_from and self.available_until and self.available_until <= self.available_from:
            raise ValidationError({"available_until": _("The end must be after the start.")})

    @property
    def issues_coupon(self):
        """Every kind but a charity donation gives the member a coupon."""
        return self.kind != self.Kind.CHARITY_DONATION


class Coupon(models.Model):
    """A reward a member got: a code the storefront presents at checkout.

    Bought with points (``spend_entry``) or won in a prize draw
    (``prize_draw``). issued -> reserved (an order was placed with it) -> used
    (the order was completed); a cancelled order or a whole return puts it
    back to issued; an unused bought coupon can be refunded by staff. An
    issued coupon past ``valid_until`` is shown as expired at once, and the
    hourly job stores the status.
    """

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        RESERVED = "reserved", _("Reserved for an order")
        USED = "used", _("Used")
        EXPIRED = "expired", _("Expired")
        REFUNDED = "refunded", _("Refunded")

    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="coupons", verbose_name=_("reward"))
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="coupons", verbose_name=_("member"))
    code = models.CharField(_("code"), max_length=32, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ISSUED)
    valid_until = models.DateTimeField(_("valid until"))
    order = models.ForeignKey(
        "loyalty.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order"),
        help_text=_("The order the coupon is reserved for or was used on."),
    )
    spend_entry = models.OneToOneField(
        "loyalty.Entry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("points spent"),
    )
    prize_draw = models.ForeignKey(
        "PrizeDraw",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prize_coupons",
        verbose_name=_("won in the prize draw"),
    )
    refund_entry = models.OneToOneField(
        "loyalty.Entry", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("refund")
    )
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    reserved_at = models.DateTimeField(_("reserved at"), null=True, blank=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")
        # Giving points back is a write on the ledger, granted on its own.
        permissions = [("refund_coupon", _("Can refund the points of unused coupons"))]
        constraints = [
            models.CheckConstraint(
                condition=(Q(spend_entry__isnull=False) & Q(prize_draw__isnull=True))
                | (Q(spend_entry__isnull=True) & Q(prize_draw__isnull=False)),
                name="coupon_bought_or_won",
            ),
            # One prize per winner and draw: a second run of a draw cannot issue another.
            models.UniqueConstraint(
                fields=["prize_draw", "member"],
                name="coupon_one_prize_per_winner",
                condition=Q(prize_draw__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["member", "-issued_at"], name="coupon_member_idx"),
            models.Index(fields=["order"], name="coupon_order_idx", condition=Q(order__isnull=False)),
            models.Index(fields=["reward", "member"], name="coupon_reward_member_idx"),
            models.Index(fields=["valid_until"], name="coupon_issued_expiry_idx", condition=Q(status="issued")),
        ]

    def __str__(self):
        return self.code

    def status_at(self, now):
        """The status as the shopper sees it: an issued coupon past its date is
        expired, whether or not the expiry job has stored it yet."""
        if self.status == self.Status.ISSUED and self.valid_until <= now:
            return self.Status.EXPIRED
        return self.status


# Paid memberships: plans a shopper buys for a fee, with benefits like a
# tier's. docs/rewards.md describes the rules.


class MembershipPlan(Localized, Benefits):
    """A paid membership a shopper can buy: a fee for a period (or for life)
    and benefits like a tier's, its own or those of the tier it grants."""

    class Period(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        ANNUAL = "annual", _("Annual")
        LIFETIME = "lifetime", _("Lifetime")

    code = models.SlugField(_("code"), max_length=40, unique=True, help_text=_("Stable id for storefronts."))
    period = models.CharField(_("billing period"), max_length=16, choices=Period.choices)
    fee = models.DecimalField(
        _("fee"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("In the program currency, per period (once for a lifetime plan)."),
    )
    grants_tier = models.ForeignKey(
        Tier,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("grants the benefits of the tier"),
        help_text=_(
            "While the membership lasts the member has this tier's benefits (and the rewards it opens), "
            "whatever their own tier. Empty: only the benefits below."
        ),
    )
    is_active = models.BooleanField(_("on sale"), default=True, help_text=_("Members keep a plan taken off sale."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("membership plan")
        verbose_name_plural = _("membership plans")
        ordering = ["fee", "pk"]

    @property
    def months(self):
        """The length of one period in months; None for a lifetime plan."""
        return {self.Period.MONTHLY: 1, self.Period.ANNUAL: 12}.get(self.period)


class Membership(models.Model):
    """A member's paid membership: the plan, and how long it lasts.

    One row per member: buying again, renewing or switching plans moves this
    row; the payments keep the history. Benefits apply while ``status`` is
    active and ``expires_at`` (empty for a lifetime plan) is in the future;
    ``cancelled_at`` says it will not be renewed (or, with ``expires_at`` at
    the same moment, that it was ended early).
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")

    member = models.OneToOneField(
        Member, primary_key=True, on_delete=models.PROTECT, related_name="membership", verbose_name=_("member")
    )
    plan = models.ForeignKey(MembershipPlan, on_delete=models.PROTECT, related_name="+", verbose_name=_("plan"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    started_at = models.DateTimeField(_("member since"), help_text=_("The start of the current unbroken membership."))
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True, help_text=_("Empty: for life."))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        indexes = [
            models.Index(fields=["expires_at"], name="membership_expiry_idx", condition=Q(status="active")),
        ]

    def __str__(self):
        return f"{self.member}: {self.plan}"

    def is_active_at(self, now):
        return self.active_at(self.status, self.expires_at, now)

    @classmethod
    def active_at(cls, status, expires_at, now):
        """Whether a membership with this status and end gives its benefits at ``now``."""
        return status == cls.Status.ACTIVE and (expires_at is None or expires_at > now)


class MembershipPayment(models.Model):
    """A purchase or renewal a storefront reported, by its own payment id:
    the fee paid and the period it bought. Processed once per number."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase", _("Purchase")
        RENEWAL = "renewal", _("Renewal")

    storefront = models.ForeignKey(
        "loyalty.Storefront", on_delete=models.PROTECT, related_name="+", verbose_name=_("storefront")
    )
    number = models.CharField(_("storefront's payment id"), max_length=64)
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="membership_payments", verbose_name=_("member")
    )
    plan = models.ForeignKey(MembershipPlan, on_delete=models.PROTECT, related_name="+", verbose_name=_("plan"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    fee = models.DecimalField(_("fee paid"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    period_start = models.DateTimeField(_("period starts"))
    period_end = models.DateTimeField(_("period ends"), null=True, blank=True, help_text=_("Empty: for life."))
    request_fingerprint = models.CharField(max_length=64, editable=False)
    paid_at = models.DateTimeField(_("reported at"), default=timezone.now)

    class Meta:
        verbose_name = _("membership payment")
        verbose_name_plural = _("membership payments")
        constraints = [
            models.UniqueConstraint(fields=["storefront", "number"], name="membership_payment_number_unique"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="membership_payment_fee_not_negative"),
        ]
        indexes = [models.Index(fields=["member", "-paid_at"], name="membership_payment_member_idx")]

    def __str__(self):
        return self.number


class MembershipSaving(models.Model):
    """What a membership saved on one order, over what the member's own tier
    would have given: discounts, free shipping and extra points (with their
    money value at the program's point value).

    Written when the order is placed (pending), counted when it completes,
    lowered by returns (``*_kept`` are the figures after returns), deleted
    when the order is cancelled.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Order in progress")
        COUNTED = "counted", _("Counted")

    order = models.OneToOneField(
        "loyalty.Order", primary_key=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("order")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="membership_savings", verbose_name=_("member")
    )
    plan = models.ForeignKey(MembershipPlan, on_delete=models.PROTECT, related_name="+", verbose_name=_("plan"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    discount = models.DecimalField(_("discount"), max_digits=14, decimal_places=2, default=Decimal(0))
    shipping = models.DecimalField(_("shipping"), max_digits=14, decimal_places=2, default=Decimal(0))
    points = models.BigIntegerField(_("extra points"), default=0)
    points_value = models.DecimalField(_("value of the extra points"), max_digits=14, decimal_places=2, default=0)
    discount_kept = models.DecimalField(_("discount after returns"), max_digits=14, decimal_places=2, default=0)
    shipping_kept = models.DecimalField(_("shipping after returns"), max_digits=14, decimal_places=2, default=0)
    points_kept = models.BigIntegerField(_("extra points after returns"), default=0)
    points_value_kept = models.DecimalField(
        _("value of the extra points after returns"), max_digits=14, decimal_places=2, default=0
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    counted_at = models.DateTimeField(_("counted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership saving")
        verbose_name_plural = _("membership savings")
        indexes = [models.Index(fields=["member", "status"], name="membership_saving_member_idx")]

    def __str__(self):
        return str(self.order_id)


# Prize draws: tickets bought with points or granted by staff, drawn at a set
# time. docs/rewards.md describes the rules.


class PrizeDraw(Localized):
    """A prize draw: members take tickets until ``closes_at``; at ``draw_at``
    the job draws ``winners_count`` different members, each of whom gets a
    coupon for ``prize``. ``draw_log`` keeps how the winners were chosen."""

    entry_cost_points = models.PositiveIntegerField(
        _("ticket price, points"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: tickets are only granted by staff."),
    )
    max_tickets_per_member = models.PositiveIntegerField(
        _("tickets per member"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty: no limit."),
    )
    opens_at = models.DateTimeField(_("tickets from"))
    closes_at = models.DateTimeField(_("tickets until"))
    draw_at = models.DateTimeField(_("drawn at"), help_text=_("When the draw runs; not before tickets close."))
    winners_count = models.PositiveIntegerField(_("number of winners"), default=1, validators=[MinValueValidator(1)])
    prize = models.ForeignKey(
        Reward,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("prize"),
        help_text=_("Each winner gets a coupon for this reward, without spending points."),
    )
    is_active = models.BooleanField(_("published"), default=True)
    drawn_at = models.DateTimeField(_("was drawn at"), null=True, blank=True, editable=False)
    draw_log = models.JSONField(_("draw log"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("prize draw")
        verbose_name_plural = _("prize draws")
        ordering = ["draw_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="prize_draw_closes_after_opening"),
            models.CheckConstraint(condition=Q(draw_at__gte=F("closes_at")), name="prize_draw_after_closing"),
        ]
        indexes = [models.Index(fields=["draw_at"], name="prize_draw_due_idx", condition=Q(drawn_at__isnull=True))]

    def clean(self):
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The end must be after the start.")})
        if self.closes_at and self.draw_at and self.draw_at < self.closes_at:
            raise ValidationError({"draw_at": _("The draw cannot run before tickets close.")})
        if self.prize_id is not None and not self.prize.issues_coupon:
            raise ValidationError({"prize": _("The prize must be a reward that issues a coupon.")})

    def is_open_at(self, now):
        return self.is_active and self.drawn_at is None and self.opens_at <= now < self.closes_at


class DrawEntry(models.Model):
    """Tickets of one member in a draw: bought with points (``spend_entry``)
    or granted by staff (``staff_user`` and ``note``)."""

    draw = models.ForeignKey(PrizeDraw, on_delete=models.PROTECT, related_name="entries", verbose_name=_("draw"))
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="draw_entries", verbose_name=_("member"))
    tickets = models.PositiveIntegerField(_("tickets"), validators=[MinValueValidator(1)])
    spend_entry = models.OneToOneField(
        "loyalty.Entry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("points spent"),
    )
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("draw entry")
        verbose_name_plural = _("draw entries")
        constraints = [
            models.CheckConstraint(condition=Q(tickets__gte=1), name="draw_entry_tickets_positive"),
            models.CheckConstraint(
                condition=(Q(spend_entry__isnull=False) & Q(staff_user__isnull=True))
                | (Q(spend_entry__isnull=True) & Q(staff_user__isnull=False)),
                name="draw_entry_bought_or_granted",
            ),
        ]
        indexes = [models.Index(fields=["draw", "member"], name="draw_entry_member_idx")]

    def __str__(self):
        return f"{self.member}: {self.tickets}"


# Charity: causes members give points to; staff transfer the money.
# docs/rewards.md describes the rules.


class Cause(Localized):
    """A charitable cause members can give points to."""

    min_points = models.PositiveIntegerField(
        _("smallest donation, points"), default=1, validators=[MinValueValidator(1)]
    )
    is_active = models.BooleanField(_("accepting donations"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("cause")
        verbose_name_plural = _("causes")
        ordering = ["name_en", "pk"]


class CharityTransfer(models.Model):
    """Money staff paid to a cause for the donations it covers."""

    cause = models.ForeignKey(Cause, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("cause"))
    points = models.BigIntegerField(_("points"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    reference = models.CharField(
        _("payment reference"), max_length=200, help_text=_("The bank transfer's number or another reference.")
    )
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    transferred_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("charity transfer")
        verbose_name_plural = _("charity transfers")
        # Recording a transfer marks donations as paid out: granted on its own.
        permissions = [("record_transfer", _("Can record transfers to causes"))]

    def __str__(self):
        return f"{self.cause}: {self.amount} {self.currency}"


class Donation(models.Model):
    """Points a member gave to a cause, and their money value at the program's
    point value when given. ``transfer`` is set once the money was paid out."""

    cause = models.ForeignKey(Cause, on_delete=models.PROTECT, related_name="donations", verbose_name=_("cause"))
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="donations", verbose_name=_("member"))
    points = models.PositiveIntegerField(_("points"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    reward = models.ForeignKey(
        Reward,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donations",
        verbose_name=_("through the reward"),
    )
    spend_entry = models.OneToOneField(
        "loyalty.Entry", on_delete=models.PROTECT, related_name="+", verbose_name=_("points spent")
    )
    transfer = models.ForeignKey(
        CharityTransfer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donations",
        verbose_name=_("transferred in"),
    )
    donated_at = models.DateTimeField(_("donated at"), default=timezone.now)

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        indexes = [
            models.Index(fields=["cause"], name="donation_to_transfer_idx", condition=Q(transfer__isnull=True)),
            models.Index(fields=["member", "-donated_at"], name="donation_member_idx"),
            models.Index(fields=["reward", "member"], name="donation_reward_member_idx"),
        ]

    def __str__(self):
        return f"{self.member} → {self.cause}: {self.points}"
