"""Checkout calculate: the price of a cart, with every effect and the rule
behind it. Nothing is written.

The cart is checked by ``loyalty.checkout.cart_from_data``, the one parser of
carts, which the place-order endpoint shares: it reports every bad field at
once, by its path in the body ("lines[2].quantity"). The serializers of the
cart and of the calculation describe the request and the answer for the
OpenAPI schema; the answer itself is ``Calculation.as_dict()``, the same
data an order stores as the price the shopper was shown.
"""

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from members.models import Member

from ..checkout import SPEND_MAX, EffectKind, SourceType, cart_from_data, checkout_calculate, checkout_pipeline
from ..checkout.cart import MAX_QUANTITY, MAX_TEXT_LENGTH
from ..models import Account
from ..selectors import members_with_account
from .schema import ErrorSerializer

TAGS = ["checkout"]


def money_field(max_digits=None, **kwargs):
    """Money as a string with the currency's minor unit ("1999.00"): exact,
    unlike a JSON number, and in any currency's number of decimals. Money
    read from a request gives ``max_digits``, so that it fits the columns
    it is compared with or stored in."""
    return serializers.DecimalField(max_digits=max_digits, decimal_places=None, **kwargs)


# The cart


@extend_schema_field({"oneOf": [{"type": "integer", "minimum": 0}, {"type": "string", "enum": [SPEND_MAX]}]})
class PointsToSpendField(serializers.Field):
    """A whole number of points, or "max" for the most the order and the balance allow."""


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class SourceIdField(serializers.Field):
    """The id of what caused an effect: a primary key, or a code."""


class CartLineSerializer(serializers.Serializer):
    id = serializers.CharField(
        required=False,
        max_length=MAX_TEXT_LENGTH,
        help_text="The storefront's line id (text or integer), unique in the cart; the line's index when absent.",
    )
    sku = serializers.CharField(max_length=MAX_TEXT_LENGTH)
    category = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_TEXT_LENGTH,
        help_text="Lines in the program's excluded categories neither earn nor take points.",
    )
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    unit_price = money_field(min_value=0, help_text="At least 0, with no more decimals than the currency has.")


class CartSerializer(serializers.Serializer):
    """A cart to price, as the schema shows it. Requests are checked by
    ``cart_from_request``, not by this serializer (see the module)."""

    member = serializers.CharField(
        allow_null=True,
        required=False,
        max_length=Member._meta.get_field("external_id").max_length,
        help_text="The member's external id; null or absent for a guest.",
    )
    currency = serializers.CharField(help_text="ISO 4217 code; must be the program's currency.")
    lines = CartLineSerializer(many=True, help_text="1 to 1000 lines.")
    shipping = money_field(required=False, min_value=0, help_text="0 when absent. Never paid with points.")
    coupon_codes = serializers.ListField(child=serializers.CharField(), required=False, help_text="Distinct codes.")
    points_to_spend = PointsToSpendField(
        required=False,
        help_text='Points the shopper wants to pay with: a whole number, or "max" for the most allowed. 0 when absent.',
    )


def _member_with_account(external_id):
    """The member with this external id, their account and whatever the
    checkout steps read of them (``checkout_pipeline.member_annotations``)
    loaded in the same query."""
    if not isinstance(external_id, str):
        raise ValidationError({"member": [_("Give the member's external id, or null for a guest.")]})
    members = members_with_account().annotate(**checkout_pipeline.member_annotations)
    member = members.filter(external_id=external_id).first()
    if member is None:
        raise NotFound(_("No member has this external id."), code="member_not_found")
    return member


def cart_from_request(data):
    """The cart of a checkout request: ``member`` names the member by external
    id (null or absent for a guest); ``cart_from_data`` parses the rest.

    The member comes with their account (see ``account_of``), so pricing the
    cart reads no more than the program.
    """
    external_id = data.get("member") if isinstance(data, Mapping) else None
    member = None if external_id is None else _member_with_account(external_id)
    return cart_from_data(data, member=member)


def account_of(cart):
    """The account loaded with the cart's member by ``cart_from_request``: an
    unsaved empty one if nothing was ever credited, None for a guest."""
    if cart.member is None:
        return None
    return getattr(cart.member, "points_account", None) or Account(member=cart.member)


# The calculation


class CalculationLineSerializer(serializers.Serializer):
    id = serializers.CharField()
    sku = serializers.CharField()
    category = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = money_field()
    subtotal = money_field(help_text="unit_price × quantity.")
    discount = money_field()
    amount = money_field(help_text="The line after discounts.")
    points_eligible = serializers.BooleanField(help_text="False for the program's excluded categories.")
    points_applied = serializers.IntegerField(help_text="Points that pay for this line.")
    points_value = money_field(help_text="What those points pay.")
    payable = money_field(help_text="What the shopper pays in money for the line.")
    points_earned = serializers.IntegerField(help_text="0 for a guest.")
    points_earned_if_joined = serializers.IntegerField(
        allow_null=True, help_text="For a guest, what the line would earn after joining; null for a member."
    )


class SourceSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[(str(kind), str(kind)) for kind in SourceType])
    id = SourceIdField()
    name = serializers.CharField()


class EffectLineSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The line's id.")
    amount = money_field(allow_null=True)
    points = serializers.IntegerField(allow_null=True)


class EffectSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(str(kind), str(kind)) for kind in EffectKind])
    amount = money_field(allow_null=True, help_text="Money the effect took off or paid; null if none.")
    points = serializers.IntegerField(allow_null=True, help_text="Points spent or earned; null if none.")
    lines = EffectLineSerializer(many=True, help_text="The effect's share of each line it touched.")
    source = SourceSerializer(help_text="The program, tier, coupon, campaign or membership behind the effect.")
    description = serializers.CharField(help_text="For the shopper, in the request's language.")


class AppliedCouponSerializer(serializers.Serializer):
    code = serializers.CharField()
    source = SourceSerializer()


class RefusedCouponSerializer(serializers.Serializer):
    code = serializers.CharField()
    reason = serializers.CharField(help_text='Stable: "unknown_coupon", "expired", ...')
    message = serializers.CharField(help_text="For the shopper, in the request's language.")


class CouponsSerializer(serializers.Serializer):
    applied = AppliedCouponSerializer(many=True)
    refused = RefusedCouponSerializer(many=True)


class CalculationSerializer(serializers.Serializer):
    """The price of a cart: ``Calculation.as_dict()`` (docs/checkout.md)."""

    currency = serializers.CharField()
    lines = CalculationLineSerializer(many=True)
    subtotal = money_field()
    discount_total = money_field()
    shipping = money_field()
    shipping_discount = money_field()
    points_max = serializers.IntegerField(help_text="The most points this order may be paid with, for this member.")
    points_max_value = money_field()
    points_to_spend = serializers.IntegerField(help_text="The points that pay for the order.")
    points_value = money_field(help_text="What they pay.")
    payable_total = money_field(help_text="What the shopper pays in money: the lines' payable plus shipping.")
    points_earned = serializers.IntegerField(help_text="Points the order earns; 0 for a guest.")
    points_earned_if_joined = serializers.IntegerField(
        allow_null=True, help_text="For a guest, what the order would earn after joining; null for a member."
    )
    effects = EffectSerializer(many=True)
    coupons = CouponsSerializer()


# Examples, from a real calculation: 1 point per 100 RUB, a cap of 30%, gift
# cards excluded, a member with 1000 points spending the most allowed.

CART_EXAMPLE = {
    "member": "C-1001",
    "currency": "RUB",
    "lines": [
        {"id": "1", "sku": "SNEAKER-42", "category": "shoes", "quantity": 2, "unit_price": "4990.00"},
        {"id": "2", "sku": "GIFT-1000", "category": "gift_cards", "quantity": 1, "unit_price": "1000.00"},
    ],
    "shipping": "300.00",
    "coupon_codes": ["SPRING"],
    "points_to_spend": "max",
}
PROGRAM_SOURCE = {"type": "program", "id": 1, "name": "Loyalty program"}
CALCULATION_EXAMPLE = {
    "currency": "RUB",
    "lines": [
        {
            "id": "1",
            "sku": "SNEAKER-42",
            "category": "shoes",
            "quantity": 2,
            "unit_price": "4990.00",
            "subtotal": "9980.00",
            "discount": "0.00",
            "amount": "9980.00",
            "points_eligible": True,
            "points_applied": 1000,
            "points_value": "1000.00",
            "payable": "8980.00",
            "points_earned": 89,
            "points_earned_if_joined": None,
        },
        {
            "id": "2",
            "sku": "GIFT-1000",
            "category": "gift_cards",
            "quantity": 1,
            "unit_price": "1000.00",
            "subtotal": "1000.00",
            "discount": "0.00",
            "amount": "1000.00",
            "points_eligible": False,
            "points_applied": 0,
            "points_value": "0.00",
            "payable": "1000.00",
            "points_earned": 0,
            "points_earned_if_joined": None,
        },
    ],
    "subtotal": "10980.00",
    "discount_total": "0.00",
    "shipping": "300.00",
    "shipping_discount": "0.00",
    "points_max": 1000,
    "points_max_value": "1000.00",
    "points_to_spend": 1000,
    "points_value": "1000.00",
    "payable_total": "10280.00",
    "points_earned": 89,
    "points_earned_if_joined": None,
    "effects": [
        {
            "kind": "redemption",
            "amount": "1000.00",
            "points": 1000,
            "lines": [{"id": "1", "amount": "1000.00", "points": 1000}],
            "source": PROGRAM_SOURCE,
            "description": "1000 points pay 1000.00 RUB",
        },
        {
            "kind": "earning",
            "amount": None,
            "points": 89,
            "lines": [{"id": "1", "amount": None, "points": 89}],
            "source": PROGRAM_SOURCE,
            "description": "1 points per 100.00 RUB",
        },
    ],
    "coupons": {
        "applied": [],
        "refused": [{"code": "SPRING", "reason": "unknown_coupon", "message": "There is no such coupon."}],
    },
}

INVALID_CART = OpenApiResponse(
    ErrorSerializer,
    description='`validation_error`: `fields` names each bad field by its path, such as `"lines[2].quantity"`.',
    examples=[
        OpenApiExample(
            "A malformed cart",
            value={
                "error": {
                    "code": "validation_error",
                    "message": "Some fields are invalid.",
                    "fields": {
                        "lines[0].quantity": ["Enter a number of at least 1."],
                        "lines[1].unit_price": ["The amount must not be negative."],
                    },
                }
            },
            status_codes=[400],
        )
    ],
)
MEMBER_NOT_FOUND = OpenApiResponse(ErrorSerializer, description="`member_not_found`: no member has this external id.")
POINTS_REFUSED = OpenApiResponse(
    ErrorSerializer,
    description=(
        "`insufficient_points`: more points than the member has available; "
        "`member_not_active`: a blocked or anonymised member asks to pay with points."
    ),
)
CART_REFUSED = OpenApiResponse(
    ErrorSerializer,
    description=(
        "`currency_mismatch`, `redemption_cap_exceeded`, `below_minimum_redemption`, or `member_required` "
        "(a guest asks to pay with points)."
    ),
)


class CalculateView(APIView):
    """No ``@idempotent``: pricing writes nothing, so a replay is naturally
    safe and there is no first answer worth storing. An Idempotency-Key sent
    with it is accepted and ignored."""

    @extend_schema(
        tags=TAGS,
        summary="Price a cart",
        description=(
            "The whole price of the cart for the member (or a guest): per-line discounts, the points that may "
            "pay and their value, the payable total, the points the order earns, and each effect with the rule "
            "behind it. Writes nothing."
        ),
        request=CartSerializer,
        responses={
            200: CalculationSerializer,
            400: INVALID_CART,
            404: MEMBER_NOT_FOUND,
            409: POINTS_REFUSED,
            422: CART_REFUSED,
        },
        examples=[
            OpenApiExample("A member's cart", value=CART_EXAMPLE, request_only=True),
            OpenApiExample("Its price", value=CALCULATION_EXAMPLE, response_only=True, status_codes=[200]),
        ],
    )
    def post(self, request):
        cart = cart_from_request(request.data)
        return Response(checkout_calculate(cart=cart, account=account_of(cart)).as_dict())
