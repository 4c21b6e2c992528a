from rest_framework import serializers

from ..models import Tier, TierProgram


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
