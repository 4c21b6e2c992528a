"""Orders endpoints: place, read, complete, cancel, and returns.

A storefront addresses its orders by its own order id, the number; orders
are looked up by the calling storefront and that number, so another
storefront's order does not exist here. Every POST is idempotent under
Idempotency-Key, and each operation is also safe to repeat without one (the
services make a second place, complete, cancel or return of the same thing
change nothing).
"""

from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Entry, Hold, Order, OrderLine, OrderReturn
from ..services.orders import order_cancel, order_complete, order_place, order_return
from .checkout import (
    CALCULATION_EXAMPLE,
    CART_EXAMPLE,
    INVALID_CART,
    MEMBER_NOT_FOUND,
    CalculationSerializer,
    CartSerializer,
    cart_from_request,
    money_field,
)
from .idempotency import idempotent
from .schema import ErrorSerializer
from .serializers import EntryDeltasSerializer, represent

TAGS = ["orders"]
NUMBER_MAX_LENGTH = Order._meta.get_field("number").max_length
MONEY_MAX_DIGITS = Order._meta.get_field("payable_total").max_digits


# Requests


class OrderPlaceFieldsSerializer(serializers.Serializer):
    """The fields that placing adds to the cart."""

    number = serializers.CharField(max_length=NUMBER_MAX_LENGTH, help_text="The storefront's order id.")
    expected_payable_total = money_field(
        max_digits=MONEY_MAX_DIGITS,
        required=False,
        allow_null=True,
        help_text=(
            "The payable total the shopper was shown. If the new calculation differs, the order is refused "
            "with price_changed and the new calculation."
        ),
    )


class OrderPlaceInputSerializer(OrderPlaceFieldsSerializer, CartSerializer):
    """The whole body of place order, for the schema: the cart and the fields above."""


class ReturnLineSerializer(serializers.Serializer):
    line_id = serializers.CharField(max_length=OrderLine._meta.get_field("line_id").max_length)
    quantity = serializers.IntegerField(min_value=1)


class OrderReturnInputSerializer(serializers.Serializer):
    number = serializers.CharField(
        max_length=OrderReturn._meta.get_field("number").max_length, help_text="The storefront's return id."
    )
    lines = ReturnLineSerializer(
        many=True, required=False, allow_empty=False, help_text="Units returned, by the order's line ids."
    )
    amount = money_field(
        max_digits=MONEY_MAX_DIGITS,
        required=False,
        help_text="Money returned, spread over the lines in proportion to what is left.",
    )
    full = serializers.BooleanField(required=False, help_text="true: everything not yet returned.")

    def validate_lines(self, lines):
        """The lines as the service takes them: {line id: quantity}."""
        quantities = {}
        for line in lines:
            if line["line_id"] in quantities:
                raise serializers.ValidationError(_("Line %(line)s is listed twice.") % {"line": line["line_id"]})
            quantities[line["line_id"]] = line["quantity"]
        return quantities

    def validate(self, attrs):
        given = [attrs.get("lines") is not None, attrs.get("amount") is not None, attrs.get("full", False)]
        if given.count(True) != 1:
            raise serializers.ValidationError(_("Give exactly one of lines, amount, or full: true."))
        return attrs


# Answers


@extend_schema_field(
    {"type": "string", "enum": Order.Status.values, "description": "The order's status."},
    component_name="OrderStatus",
)
class OrderStatusField(serializers.ChoiceField):
    """The order's status, one schema component wherever it appears (the
    schema would otherwise name the set of choices by a hash: several
    components have a field "status" with other choices)."""

    def __init__(self, **kwargs):
        super().__init__(choices=Order.Status.choices, **kwargs)


class OrderLineSerializer(serializers.Serializer):
    id = serializers.CharField(source="line_id")
    sku = serializers.CharField()
    category = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = money_field()
    amount = money_field(help_text="The line after discounts.")
    points_applied = serializers.IntegerField(help_text="Points spent on the line.")
    points_earned = serializers.IntegerField(help_text="Points the line earned.")
    returned_quantity = serializers.IntegerField()
    returned_value = money_field(help_text="The part of amount returned so far.")


class HoldSerializer(serializers.Serializer):
    points = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Hold.Status.choices)
    expires_at = serializers.DateTimeField(help_text="Released automatically then, unless completed or cancelled.")


class OrderEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Entry.Kind.choices)
    points = serializers.IntegerField(
        source="signed_points", help_text="The change of what the member owns: the sum of the deltas."
    )
    deltas = EntryDeltasSerializer(source="*")
    shortfall = serializers.IntegerField(help_text="Points a return should have taken back but the account lacked.")
    reason = serializers.CharField()
    occurred_at = serializers.DateTimeField()


class OrderReturnSerializer(serializers.Serializer):
    number = serializers.CharField()
    full = serializers.BooleanField(source="request.full")
    lines = serializers.SerializerMethodField(help_text="The units returned, for a return by lines; null otherwise.")
    amount = money_field(help_text="The value returned.")
    points_clawed_back = serializers.IntegerField(help_text="Points earned on the returned part, taken back.")
    points_shortfall = serializers.IntegerField(
        help_text="Points that should have been taken back but had been spent (program policy: take what is there)."
    )
    points_refunded = serializers.IntegerField(help_text="Points spent on the returned part, given back.")
    created_at = serializers.DateTimeField()

    @extend_schema_field(ReturnLineSerializer(many=True, allow_null=True))
    def get_lines(self, order_return):
        quantities = order_return.request["lines"]
        if quantities is None:
            return None
        return [{"line_id": line_id, "quantity": quantity} for line_id, quantity in quantities.items()]


@extend_schema_field(CalculationSerializer)
class StoredCalculationField(serializers.JSONField):
    """The calculation the order stored, as it was answered: ``Calculation.as_dict()``."""


class OrderSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = OrderStatusField()
    member = serializers.CharField(
        source="member.external_id", allow_null=True, help_text="The member's external id; null for a guest."
    )
    currency = serializers.CharField()
    subtotal = money_field()
    discount_total = money_field()
    shipping = money_field(help_text="Shipping after its discounts.")
    points_spent = serializers.IntegerField()
    points_value = money_field(help_text="What the points spent pay.")
    payable_total = money_field()
    points_earned = serializers.IntegerField()
    placed_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    lines = OrderLineSerializer(many=True)
    hold = HoldSerializer(allow_null=True, help_text="The points reserved when the order was placed; null if none.")
    calculation = StoredCalculationField(help_text="The price as calculated when the order was placed.")
    returns = OrderReturnSerializer(many=True)
    entries = OrderEntrySerializer(many=True, help_text="Every ledger entry the order caused, oldest first.")


class OrderRefSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = OrderStatusField()


class OrderReturnResultSerializer(OrderReturnSerializer):
    order = OrderRefSerializer(help_text="The order with its status now.")


# Reads


def _order_parts(*, with_returns=True):
    """Prefetches of what an order's representation shows. ``with_returns``
    False: the caller knows the order has none, and none() costs no query."""
    returns = OrderReturn.objects.order_by("created_at", "id") if with_returns else OrderReturn.objects.none()
    return (
        Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
        Prefetch("returns", queryset=returns),
        Prefetch("entries", queryset=Entry.objects.order_by("occurred_at", "id")),
    )


def _orders(storefront):
    """The storefront's orders with everything their representation shows:
    four queries for an order (itself with its member and hold, its lines,
    returns and entries), whatever its size and history."""
    orders = Order.objects.filter(storefront=storefront).select_related("member", "hold")
    return orders.prefetch_related(*_order_parts())


def _order_or_404(storefront, number, queryset=None):
    order = (Order.objects if queryset is None else queryset).filter(storefront=storefront, number=number).first()
    if order is None:
        raise NotFound(_("The storefront has no order with this number."), code="order_not_found")
    return order


# Only a return moves an order out of these: in them it has none to read.
_STATUSES_WITHOUT_RETURNS = (Order.Status.PLACED, Order.Status.COMPLETED, Order.Status.CANCELLED)


def _order_data(order):
    """The order a service returned, as the API shows it: the service loaded
    its member and hold; a query each adds its lines, entries and (after a
    return) returns."""
    prefetch_related_objects([order], *_order_parts(with_returns=order.status not in _STATUSES_WITHOUT_RETURNS))
    return represent(OrderSerializer, order)


# Views

NUMBER_PARAMETER = OpenApiParameter("number", str, OpenApiParameter.PATH, description="The storefront's order id.")
ORDER_NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="`order_not_found`: the calling storefront has no order with this number."
)
INVALID = OpenApiResponse(ErrorSerializer, description="`validation_error`: `fields` names each invalid field.")
STATE_CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description=(
        "`order_state_conflict`: the order was cancelled (complete) or completed (cancel); "
        "`hold_not_active`: its points were released, because its time ran out."
    ),
)

ORDER_EXAMPLE = {
    "number": "100045",
    "status": "completed",
    "member": "C-1001",
    "currency": "RUB",
    "subtotal": "10980.00",
    "discount_total": "0.00",
    "shipping": "300.00",
    "points_spent": 1000,
    "points_value": "1000.00",
    "payable_total": "10280.00",
    "points_earned": 89,
    "placed_at": "2026-11-22T11:16:04.214054Z",
    "completed_at": "2026-11-22T11:20:11.003117Z",
    "cancelled_at": None,
    "lines": [
        {
            "id": "1",
            "sku": "SNEAKER-42",
            "category": "shoes",
            "quantity": 2,
            "unit_price": "4990.00",
            "amount": "9980.00",
            "points_applied": 1000,
            "points_earned": 89,
            "returned_quantity": 0,
            "returned_value": "0.00",
        },
        {
            "id": "2",
            "sku": "GIFT-1000",
            "category": "gift_cards",
            "quantity": 1,
            "unit_price": "1000.00",
            "amount": "1000.00",
            "points_applied": 0,
            "points_earned": 0,
            "returned_quantity": 0,
            "returned_value": "0.00",
        },
    ],
    "hold": {"points": 1000, "status": "captured", "expires_at": "2026-11-25T11:16:04.214054Z"},
    "calculation": CALCULATION_EXAMPLE,
    "returns": [],
    "entries": [
        {
            "id": 41,
            "kind": "hold",
            "points": 0,
            "deltas": {"available": -1000, "pending": 0, "held": 1000},
            "shortfall": 0,
            "reason": "",
            "occurred_at": "2026-11-22T11:16:04.214054Z",
        },
        {
            "id": 42,
            "kind": "capture",
            "points": -1000,
            "deltas": {"available": 0, "pending": 0, "held": -1000},
            "shortfall": 0,
            "reason": "",
            "occurred_at": "2026-11-22T11:20:11.003117Z",
        },
        {
            "id": 43,
            "kind": "earn",
            "points": 89,
            "deltas": {"available": 0, "pending": 89, "held": 0},
            "shortfall": 0,
            "reason": "",
            "occurred_at": "2026-11-22T11:20:11.003117Z",
        },
    ],
}
RETURN_EXAMPLE = {
    "number": "R-7",
    "full": False,
    "lines": [{"line_id": "1", "quantity": 1}],
    "amount": "4990.00",
    "points_clawed_back": 44,
    "points_shortfall": 0,
    "points_refunded": 500,
    "created_at": "2026-11-24T09:02:51.771302Z",
    "order": {"number": "100045", "status": "partially_returned"},
}


class OrderPlaceView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Place an order",
        description=(
            "Prices the cart again, stores the order and reserves the points it spends (a hold, released if the "
            "order is neither completed nor cancelled in time). 201 when the order is new; 200 with the stored "
            "order when the same number was placed before with the same cart."
        ),
        request=OrderPlaceInputSerializer,
        responses={
            200: OpenApiResponse(OrderSerializer, description="The order was placed before with this cart."),
            201: OpenApiResponse(OrderSerializer, description="The order was placed."),
            400: INVALID_CART,
            404: MEMBER_NOT_FOUND,
            409: OpenApiResponse(
                ErrorSerializer,
                description=(
                    "`price_changed`: the new payable total differs from `expected_payable_total`; "
                    "`details.calculation` is the new price and nothing was stored. "
                    "`order_exists`: this number was placed with another cart. "
                    "`insufficient_points`, `member_not_active`."
                ),
            ),
            422: OpenApiResponse(
                ErrorSerializer,
                description=(
                    "`currency_mismatch`, `redemption_cap_exceeded`, `below_minimum_redemption`, "
                    "`member_required`, `idempotency_key_reused`."
                ),
            ),
        },
        examples=[
            OpenApiExample(
                "An order",
                value={"number": "100045", **CART_EXAMPLE, "expected_payable_total": "10280.00"},
                request_only=True,
            ),
            OpenApiExample(
                "The price changed",
                value={
                    "error": {
                        "code": "price_changed",
                        "message": (
                            "The price changed: show the shopper the new calculation and place the order again."
                        ),
                        "details": {
                            "expected": "10480.00",
                            "payable_total": "10280.00",
                            "calculation": CALCULATION_EXAMPLE,
                        },
                    }
                },
                response_only=True,
                status_codes=[409],
            ),
        ],
    )
    @idempotent
    def post(self, request):
        fields = OrderPlaceFieldsSerializer(data=request.data)
        fields.is_valid(raise_exception=True)
        cart = cart_from_request(request.data)
        order, created = order_place(storefront=request.auth.storefront, cart=cart, **fields.validated_data)
        return Response(_order_data(order), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class OrderView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Read an order",
        description="The order with its lines, the stored calculation, its returns and every ledger entry it caused.",
        parameters=[NUMBER_PARAMETER],
        responses={200: OrderSerializer, 404: ORDER_NOT_FOUND},
        examples=[OpenApiExample("A completed order", value=ORDER_EXAMPLE, response_only=True)],
    )
    def get(self, request, number):
        storefront = request.auth.storefront
        return Response(represent(OrderSerializer, _order_or_404(storefront, number, _orders(storefront))))


class OrderCompleteView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Complete an order",
        description=(
            "Captures the points reserved for the order and credits the points it earns, pending until the "
            "return window closes. Completing a completed order changes nothing and answers the order."
        ),
        parameters=[NUMBER_PARAMETER],
        request=None,
        responses={200: OrderSerializer, 404: ORDER_NOT_FOUND, 409: STATE_CONFLICT},
    )
    @idempotent
    def post(self, request, number):
        order = order_complete(order=_order_or_404(request.auth.storefront, number))
        return Response(_order_data(order))


class OrderCancelView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Cancel an order",
        description=(
            "Releases the points reserved for the order. Cancelling a cancelled order changes nothing; "
            "a completed order is returned instead (409 `order_state_conflict`)."
        ),
        parameters=[NUMBER_PARAMETER],
        request=None,
        responses={200: OrderSerializer, 404: ORDER_NOT_FOUND, 409: STATE_CONFLICT},
    )
    @idempotent
    def post(self, request, number):
        order = order_cancel(order=_order_or_404(request.auth.storefront, number))
        return Response(_order_data(order))


class OrderReturnsView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Register a return",
        description=(
            "Returns part of a completed order, by lines or by amount, or the rest of it in full: takes back the "
            "points earned on the returned part and gives back the points spent on it. Each return number is "
            "processed once: the same number with the same body answers the first result again (200)."
        ),
        parameters=[NUMBER_PARAMETER],
        request=OrderReturnInputSerializer,
        responses={
            200: OpenApiResponse(OrderReturnResultSerializer, description="This return was registered before."),
            201: OpenApiResponse(OrderReturnResultSerializer, description="The return was registered."),
            400: INVALID,
            404: ORDER_NOT_FOUND,
            409: OpenApiResponse(
                ErrorSerializer,
                description=(
                    "`order_not_completed`: the order is placed or cancelled; "
                    "`return_exists`: this return number was registered with another body."
                ),
            ),
            422: OpenApiResponse(
                ErrorSerializer,
                description=(
                    "`return_exceeds_order`: more than what is left of the order (or of a line, or no such line); "
                    "`idempotency_key_reused`."
                ),
            ),
        },
        examples=[
            OpenApiExample(
                "By lines", value={"number": "R-7", "lines": [{"line_id": "1", "quantity": 1}]}, request_only=True
            ),
            OpenApiExample("By amount", value={"number": "R-8", "amount": "500.00"}, request_only=True),
            OpenApiExample("In full", value={"number": "R-9", "full": True}, request_only=True),
            OpenApiExample("A return", value=RETURN_EXAMPLE, response_only=True, status_codes=[200, 201]),
        ],
    )
    @idempotent
    def post(self, request, number):
        order = _order_or_404(request.auth.storefront, number)
        serializer = OrderReturnInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        registered, created = order_return(
            order=order,
            number=data["number"],
            full=data.get("full", False),
            line_quantities=data.get("lines"),
            amount=data.get("amount"),
        )
        return Response(
            represent(OrderReturnResultSerializer, registered),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
