"""The shapes of the storefront API's requests and answers. Validation here is
only about shape; the rules of the domain are the services'."""

import functools

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from members.models import Channel, ConsentPurpose, Language, Member
from members.validation import normalise_email, normalise_phone

from ..models import Entry

# Members


@functools.cache
def _bound(serializer_class):
    return serializer_class()


def represent(serializer_class, instance):
    """``serializer_class(instance).data``, with the serializer built once per
    process: DRF deep-copies every declared field, nested serializers and all,
    for each new serializer, and for an order that copy cost more than the
    rest of its representation. For answers only (no input, no context)."""
    return _bound(serializer_class).to_representation(instance)


class ConsentSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    granted = serializers.BooleanField()
    text_version = serializers.CharField(
        max_length=32,
        allow_blank=True,
        default="",
        help_text="The version of the consent text the member accepted; required to grant personal_data.",
    )


class ConsentRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    granted = serializers.BooleanField()
    text_version = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    storefront = serializers.CharField(help_text="Code of the storefront that recorded it.")


class MemberInputSerializer(serializers.Serializer):
    """The profile a storefront sends. Omitted fields keep their values; null
    or an empty string clears email, phone and birth date."""

    email = serializers.CharField(max_length=254, required=False, allow_null=True, allow_blank=True)
    phone = serializers.CharField(
        max_length=32,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Any common notation; stored in E.164. Without a country code, PHONE_DEFAULT_REGION applies.",
    )
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    consents = ConsentSerializer(
        many=True,
        required=False,
        help_text="Consents to record. On an update only those that differ from the current state are recorded.",
    )


class PointsOnDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    points = serializers.IntegerField()


class BalancesSerializer(serializers.Serializer):
    available = serializers.IntegerField(help_text="Spendable now.")
    pending = serializers.IntegerField(help_text="Earned, waiting for the return window to close.")
    held = serializers.IntegerField(help_text="Reserved for orders in progress.")
    available_value = serializers.DecimalField(
        max_digits=None, decimal_places=None, help_text="What the available points pay for, in `currency`."
    )
    currency = serializers.CharField(help_text="ISO 4217 code of the program currency.")


@extend_schema_field({"type": "object", "nullable": True, "additionalProperties": True})
class ContributedField(serializers.JSONField):
    """A field that a higher app fills through loyalty.api.contributors."""


class MemberSerializer(serializers.Serializer):
    PROFILE_FIELDS = (
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
    )

    external_id = serializers.CharField()
    email = serializers.EmailField(allow_null=True)
    phone = serializers.CharField(allow_null=True, help_text="E.164.")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    language = serializers.ChoiceField(choices=Language.choices)
    status = serializers.ChoiceField(choices=Member.Status.choices)
    enrolled_at = serializers.DateTimeField()
    enrolment_channel = serializers.ChoiceField(choices=Channel.choices)
    enrolment_storefront = serializers.CharField(help_text="Code of the storefront the member joined through.")
    balances = BalancesSerializer()
    tier = ContributedField(allow_null=True, help_text="The member's tier; null until the tiers app provides it.")
    expiring = PointsOnDaySerializer(
        many=True, help_text="The next days on which points expire (the last valid day), soonest first."
    )
    pending_points = PointsOnDaySerializer(many=True, help_text="The days pending points become available.")


class MemberLookupSerializer(serializers.Serializer):
    email = serializers.CharField(required=False, help_text="Any case; surrounding spaces are ignored.")
    phone = serializers.CharField(required=False, help_text="Any common notation, as on enrolment.")

    def validate_email(self, value):
        return normalise_email(value)

    def validate_phone(self, value):
        return normalise_phone(value)

    def validate(self, attrs):
        if len([value for value in attrs.values() if value]) != 1:
            raise serializers.ValidationError(_("Give either email or phone."))
        return attrs


# The ledger


class EntryDeltasSerializer(serializers.Serializer):
    available = serializers.IntegerField(source="available_delta")
    pending = serializers.IntegerField(source="pending_delta")
    held = serializers.IntegerField(source="held_delta")


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Entry.Kind.choices)
    points = serializers.IntegerField(
        source="signed_points", help_text="The change of what the member owns: the sum of the deltas."
    )
    deltas = EntryDeltasSerializer(source="*")
    order_number = serializers.CharField(
        source="order.number", allow_null=True, help_text="The storefront's order id, if an order caused it."
    )
    reason = serializers.CharField()
    occurred_at = serializers.DateTimeField()


class EntryFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Entry.Kind.choices, required=False)
    occurred_after = serializers.DateTimeField(required=False, help_text="Entries at or after this moment.")
    occurred_before = serializers.DateTimeField(required=False, help_text="Entries before this moment.")
