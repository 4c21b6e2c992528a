"""Tiers: the levels members climb, their benefits, and each member's place.

* ``TierProgram``: how tiers are reached and lost (one row, like
  ``loyalty.Program``).
* ``Tier``: a level with its thresholds and benefits.
* ``MemberTier``: the member's current tier and the dates that decide its
  future (the next review, a grace period, a staff lock).
* ``TierChange``: the history of every move, with its reason.

docs/tiers.md describes the rules.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from members.models import Member

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


class Tier(models.Model):
    """A level members reach by their qualifying value, or by invitation."""

    class FreeShipping(models.TextChoices):
        NEVER = "never", _("Never")
        ALWAYS = "always", _("Always")
        FROM_AMOUNT = "from_amount", _("From an order amount")

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
    birthday_bonus_points = models.PositiveIntegerField(_("birthday bonus, points"), default=0)
    perks = models.JSONField(
        _("perks"), default=list, blank=True, help_text=_("Texts shown to the shopper, such as “Personal manager”.")
    )

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["position"]

    def __str__(self):
        return self.name

    @property
    def threshold_to_keep(self):
        return self.threshold if self.retain_threshold is None else self.retain_threshold

    def clean(self):
        if self.free_shipping == self.FreeShipping.FROM_AMOUNT and self.free_shipping_from is None:
            raise ValidationError({"free_shipping_from": _("Give the order amount.")})
        if not isinstance(self.perks, list) or not all(isinstance(perk, str) for perk in self.perks):
            raise ValidationError({"perks": _("Give a list of texts.")})


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


# The rewards catalog: what members buy with points, and the coupons they get.
# docs/rewards.md describes the rules.


class Reward(models.Model):
    """An item of the catalog, bought with points; redeeming it issues a coupon."""

    class Kind(models.TextChoices):
        FIXED_AMOUNT = "fixed_amount", _("Discount coupon, fixed amount")
        PERCENT = "percent", _("Discount coupon, percent")
        FREE_SHIPPING = "free_shipping", _("Free shipping")
        GIFT_PRODUCT = "gift_product", _("Gift product")
        EXCLUSIVE_ACCESS = "exclusive_access", _("Exclusive access")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_ru = models.CharField(_("name (Russian)"), max_length=120, blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_ru = models.TextField(_("description (Russian)"), blank=True)
    image_url = models.URLField(_("image URL"), blank=True)
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
        ]

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

    def clean(self):
        required = {
            self.Kind.FIXED_AMOUNT: ("amount", self.amount is not None),
            self.Kind.PERCENT: ("percent", self.percent is not None),
            self.Kind.GIFT_PRODUCT: ("gift_sku", bool(self.gift_sku)),
        }
        if self.kind in required and not required[self.kind][1]:
            raise ValidationError({required[self.kind][0]: _("This kind of reward needs it.")})
        if self.available_from and self.available_until and self.available_until <= self.available_from:
            raise ValidationError({"available_until": _("The end must be after the start.")})


class Coupon(models.Model):
    """A reward bought by a member: a code the storefront presents at checkout.

    issued -> reserved (an order was placed with it) -> used (the order was
    completed); a cancelled order or a whole return puts it back to issued; an
    unused coupon can be refunded by staff. ``expired`` is how the API shows
    an issued coupon past ``valid_until``.
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
        "loyalty.Entry", on_delete=models.PROTECT, related_name="+", verbose_name=_("points spent")
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
        indexes = [
            models.Index(fields=["member", "-issued_at"], name="coupon_member_idx"),
            models.Index(fields=["order"], name="coupon_order_idx", condition=Q(order__isnull=False)),
            models.Index(fields=["reward", "member"], name="coupon_reward_member_idx"),
        ]

    def __str__(self):
        return self.code

    def status_at(self, now):
        """The status as the shopper sees it: an issued coupon past its date is expired."""
        if self.status == self.Status.ISSUED and self.valid_until <= now:
            return self.Status.EXPIRED
        return self.status
