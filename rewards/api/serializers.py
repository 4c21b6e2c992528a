from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..memberships.selectors import plan_benefits
from ..models import FreeShipping, MembershipPlan, Reward, TierProgram


def _amount(**kwargs):
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class BenefitsSerializer(serializers.Serializer):
    earn_multiplier = serializers.DecimalField(max_digits=5, decimal_places=2)
    extra_cashback_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    free_shipping = serializers.ChoiceField(choices=FreeShipping.choices)
    free_shipping_from = _amount(allow_null=True, help_text="The order amount from which shipping is free.")
    redemption_cap_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text="Null: the program's cap applies."
    )
    perks = serializers.ListField(child=serializers.CharField(), help_text="Texts to show the shopper.")


class TierBenefitsSerializer(BenefitsSerializer):
    birthday_bonus_points = serializers.IntegerField()


class TierSerializer(serializers.Serializer):
    code = serializers.SlugField()
    name = serializers.CharField()
    position = serializers.IntegerField(help_text="Higher is better.")
    threshold = _amount(help_text="The qualifying value that reaches the tier.")
    threshold_to_keep = _amount(help_text="The qualifying value that keeps it at the end of a period.")
    invitation_only = serializers.BooleanField()
    benefits = TierBenefitsSerializer(source="*")


class QualificationSerializer(serializers.Serializer):
    basis = serializers.ChoiceField(choices=TierProgram.Basis.choices)
    window = serializers.ChoiceField(choices=TierProgram.Window.choices)
    window_months = serializers.IntegerField(help_text="The length of a rolling window.")


class TiersSerializer(serializers.Serializer):
    qualification = QualificationSerializer()
    tiers = TierSerializer(many=True)


class NextTierSerializer(serializers.Serializer):
    code = serializers.SlugField()
    name = serializers.CharField()
    threshold = _amount()


class MemberTierSerializer(serializers.Serializer):
    tier = TierSerializer(allow_null=True, help_text="Null until the member is first evaluated.")
    since = serializers.DateTimeField(allow_null=True)
    locked_until = serializers.DateTimeField(allow_null=True, help_text="Staff's assignment holds until then.")
    basis = serializers.ChoiceField(choices=TierProgram.Basis.choices)
    value = _amount(help_text="The member's qualifying value over the current window.")
    next_tier = NextTierSerializer(allow_null=True)
    needed_for_next = _amount(allow_null=True, help_text="What is still missing to reach the next tier.")
    keep_threshold = _amount(allow_null=True)
    needed_to_keep = _amount(allow_null=True, help_text="What is still missing to keep the tier by keep_by.")
    keep_by = serializers.DateTimeField(allow_null=True, help_text="Null when nothing can take the tier away.")


# The rewards catalog


class RewardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Reward.Kind.choices)
    name = serializers.CharField(help_text="In the request's language (English when there is no Russian name).")
    description = serializers.CharField()
    image_url = serializers.SerializerMethodField(
        help_text="The uploaded image's address, or else the external image URL; empty when there is neither."
    )
    cost_points = serializers.IntegerField()
    amount = _amount(allow_null=True, help_text="Fixed-amount coupons: the amount off the order.")
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    min_order_amount = _amount(allow_null=True, help_text="The order amount after discounts the coupon needs.")
    gift_sku = serializers.CharField(allow_blank=True, help_text="Gift products: the SKU given free.")
    cause = serializers.IntegerField(
        source="cause_id", allow_null=True, help_text="Charity donations: the id of the cause that gets the points."
    )
    stock = serializers.IntegerField(allow_null=True, help_text="Null: unlimited.")
    per_member_limit = serializers.IntegerField(allow_null=True, help_text="Null: no limit.")
    min_tier = serializers.CharField(source="min_tier.code", allow_null=True, help_text="Null: every member.")
    available_until = serializers.DateTimeField(allow_null=True)
    coupon_validity_days = serializers.IntegerField()

    def get_image_url(self, reward) -> str:
        if not reward.image:
            return reward.image_url
        request = self.context.get("request")
        return request.build_absolute_uri(reward.image.url) if request is not None else reward.image.url


class MemberRewardSerializer(serializers.Serializer):
    reward = RewardSerializer()
    redeemed = serializers.IntegerField(
        help_text="How often the member redeemed it: coupons they bought (refunds not counted), or donations."
    )
    affordable = serializers.BooleanField()
    points_missing = serializers.IntegerField()
    in_stock = serializers.BooleanField()
    limit_left = serializers.IntegerField(allow_null=True, help_text="Null: no limit.")
    can_redeem = serializers.BooleanField()


class CouponRewardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Reward.Kind.choices)
    name = serializers.CharField()


class CouponSerializer(serializers.Serializer):
    code = serializers.CharField()
    prize_draw = serializers.IntegerField(
        source="prize_draw_id", allow_null=True, help_text="The id of the prize draw it was won in; null if bought."
    )
    status = serializers.SerializerMethodField(help_text="issued, reserved, used, expired or refunded.")
    reward = CouponRewardSerializer()
    valid_until = serializers.DateTimeField()
    issued_at = serializers.DateTimeField()
    order = serializers.CharField(
        source="order.number", allow_null=True, help_text="The order it is reserved for or was used on."
    )

    def get_status(self, coupon) -> str:
        return coupon.status_at(self.context["now"])


class CouponValidateInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64)
    member = serializers.CharField(
        max_length=64, required=False, allow_null=True, help_text="External id; leave out for a guest."
    )
    amount = _amount(required=False, allow_null=True, min_value=0, help_text="The cart's amount after discounts.")
    skus = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, allow_null=True, help_text="SKUs in the cart."
    )


class CouponValidationSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True, help_text="Why not: the reasons of refused coupons in checkout.")
    message = serializers.CharField(allow_null=True)
    coupon = CouponSerializer(allow_null=True)


# Paid memberships


class PlanSerializer(serializers.Serializer):
    code = serializers.SlugField()
    name = serializers.CharField(help_text="In the request's language (English when there is no Russian name).")
    description = serializers.CharField()
    period = serializers.ChoiceField(choices=MembershipPlan.Period.choices)
    fee = _amount(help_text="Per period, in the program currency (once for a lifetime plan).")
    grants_tier = serializers.CharField(
        source="grants_tier.code", allow_null=True, help_text="The tier whose benefits the plan gives, if any."
    )
    benefits = serializers.SerializerMethodField(
        help_text="What the plan gives in checkout: its own benefits or the granted tier's, the better of each kind."
    )

    @extend_schema_field(BenefitsSerializer)
    def get_benefits(self, plan):
        return BenefitsSerializer(plan_benefits(plan)).data


class PlanRefSerializer(serializers.Serializer):
    code = serializers.SlugField()
    name = serializers.CharField()
    period = serializers.ChoiceField(choices=MembershipPlan.Period.choices)
    fee = _amount()


class MembershipSavingsSerializer(serializers.Serializer):
    orders = serializers.IntegerField(help_text="Completed orders the membership saved on.")
    discount = _amount(help_text="Money off the goods, beyond what the member's tier gives.")
    shipping = _amount(help_text="Shipping made free by the membership.")
    points = serializers.IntegerField(help_text="Extra points earned thanks to the membership.")
    points_value = _amount(help_text="The extra points' value at the program's point value.")
    total = _amount()


class MembershipStatusSerializer(serializers.Serializer):
    plan = PlanRefSerializer()
    active = serializers.BooleanField(help_text="Whether its benefits apply now.")
    status = serializers.CharField(source="membership.status", help_text="active or expired.")
    started_at = serializers.DateTimeField(source="membership.started_at", help_text="Member without a break since.")
    expires_at = serializers.DateTimeField(source="membership.expires_at", allow_null=True, help_text="Null: for life.")
    cancelled_at = serializers.DateTimeField(source="membership.cancelled_at", allow_null=True)
    renews = serializers.BooleanField(help_text="False once cancelled: it ends at expires_at.")
    currency = serializers.CharField()
    fees_paid = _amount(help_text="Every fee paid for the membership, all periods and plans.")
    savings = MembershipSavingsSerializer(help_text="What it saved on completed orders, after returns.")
    net = _amount(help_text="Savings less fees: above zero, the membership paid off.")
    paid_off = serializers.BooleanField()


class MembershipPurchaseInputSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=64, help_text="The storefront's payment id: reported once.")
    plan = serializers.SlugField(max_length=40, help_text="The plan's code.")
    fee = _amount(required=False, min_value=0, help_text="What the shopper paid; the plan's fee when absent.")


class MembershipRenewInputSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=64, help_text="The storefront's payment id: reported once.")
    fee = _amount(required=False, min_value=0, help_text="What the shopper paid; the plan's fee when absent.")


class MembershipCancelInputSerializer(serializers.Serializer):
    immediately = serializers.BooleanField(
        default=False, help_text="true: end it now (a refund, say); otherwise it ends with the period paid for."
    )


# Prize draws


class PrizeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Reward.Kind.choices)
    name = serializers.CharField()


class DrawSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    ticket_price = serializers.IntegerField(
        source="entry_cost_points", allow_null=True, help_text="Points per ticket; null: tickets only granted by staff."
    )
    max_tickets_per_member = serializers.IntegerField(allow_null=True, help_text="Null: no limit.")
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    draw_at = serializers.DateTimeField()
    winners_count = serializers.IntegerField()
    prize = PrizeSerializer()
    tickets_total = serializers.IntegerField(help_text="Tickets of all members so far.")
    status = serializers.SerializerMethodField(help_text="upcoming, open, closed (waiting for the draw) or drawn.")
    drawn_at = serializers.DateTimeField(allow_null=True)

    def get_status(self, draw) -> str:
        now = self.context["now"]
        if draw.drawn_at is not None:
            return "drawn"
        if now < draw.opens_at:
            return "upcoming"
        return "open" if now < draw.closes_at else "closed"


class DrawWinnerSerializer(serializers.Serializer):
    member = serializers.CharField(source="member.external_id", allow_null=True, help_text="The winner's external id.")


class DrawResultsSerializer(DrawSerializer):
    winners = DrawWinnerSerializer(
        source="winner_coupons", many=True, help_text="In the order they were drawn; empty until drawn."
    )
    log = serializers.JSONField(
        source="draw_log",
        allow_null=True,
        help_text=(
            "How the winners were chosen: the entries in order ([entry id, member id, tickets]), each number "
            "drawn and the winners (platform ids); docs/rewards.md explains how to check it."
        ),
    )


class DrawTicketsInputSerializer(serializers.Serializer):
    tickets = serializers.IntegerField(min_value=1, max_value=10_000)


class DrawEntrySerializer(serializers.Serializer):
    draw = serializers.IntegerField(source="draw_id")
    tickets = serializers.IntegerField(help_text="Tickets bought with this request.")
    points = serializers.IntegerField(source="spend_entry.points", help_text="Points spent on them.")
    created_at = serializers.DateTimeField()


class MemberDrawSerializer(DrawSerializer):
    member_tickets = serializers.IntegerField(help_text="The member's tickets in the draw.")
    prize_coupon = serializers.SerializerMethodField(help_text="The coupon the member won; null if they did not win.")

    @extend_schema_field(CouponSerializer(allow_null=True))
    def get_prize_coupon(self, draw):
        coupons = draw.member_prizes
        return CouponSerializer(coupons[0], context=self.context).data if coupons else None


# Charity


class CauseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    min_points = serializers.IntegerField(help_text="The smallest donation.")
    donated_points = serializers.IntegerField(help_text="Points all members gave so far.")
    donated_value = _amount(help_text="Their value in the program currency.")


class CauseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DonationInputSerializer(serializers.Serializer):
    cause = serializers.IntegerField(help_text="The cause's id.")
    points = serializers.IntegerField(min_value=1)


class DonationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cause = CauseRefSerializer()
    points = serializers.IntegerField()
    value = _amount(help_text="The points' value at the program's point value when given.")
    currency = serializers.CharField()
    reward = serializers.IntegerField(source="reward_id", allow_null=True, help_text="The charity reward, if any.")
    donated_at = serializers.DateTimeField()
