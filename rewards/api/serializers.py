from rest_framework import serializers

from ..models import Reward, Tier, TierProgram


def _amount(**kwargs):
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class TierBenefitsSerializer(serializers.Serializer):
    earn_multiplier = serializers.DecimalField(max_digits=5, decimal_places=2)
    extra_cashback_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    free_shipping = serializers.ChoiceField(choices=Tier.FreeShipping.choices)
    free_shipping_from = _amount(allow_null=True, help_text="The order amount from which shipping is free.")
    redemption_cap_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text="Null: the program's cap applies."
    )
    birthday_bonus_points = serializers.IntegerField()
    perks = serializers.ListField(child=serializers.CharField(), help_text="Texts to show the shopper.")


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
    image_url = serializers.URLField(allow_blank=True)
    cost_points = serializers.IntegerField()
    amount = _amount(allow_null=True, help_text="Fixed-amount coupons: the amount off the order.")
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    min_order_amount = _amount(allow_null=True, help_text="The order amount after discounts the coupon needs.")
    gift_sku = serializers.CharField(allow_blank=True, help_text="Gift products: the SKU given free.")
    stock = serializers.IntegerField(allow_null=True, help_text="Null: unlimited.")
    per_member_limit = serializers.IntegerField(allow_null=True, help_text="Null: no limit.")
    min_tier = serializers.CharField(source="min_tier.code", allow_null=True, help_text="Null: every member.")
    available_until = serializers.DateTimeField(allow_null=True)
    coupon_validity_days = serializers.IntegerField()


class MemberRewardSerializer(serializers.Serializer):
    reward = RewardSerializer()
    redeemed = serializers.IntegerField(help_text="Coupons of this reward the member holds (refunds not counted).")
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
