"""The rewards catalog for storefronts: the catalog a member may get, redeem,
a member's coupons, and coupon validation."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from loyalty.api.idempotency import idempotent
from loyalty.api.schema import ErrorSerializer

from ..catalog.rules import coupon_refusal
from ..catalog.selectors import coupon_find, member_coupons, rewards_for_member
from ..catalog.services import reward_redeem
from ..models import Reward
from .common import EXTERNAL_ID, MEMBER_NOT_FOUND, member_or_404
from .serializers import (
    CouponSerializer,
    CouponValidateInputSerializer,
    CouponValidationSerializer,
    DonationSerializer,
    MemberRewardSerializer,
)

TAGS = ["rewards"]


class MemberRewardsView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="The catalog a member may get",
        description=(
            "Active rewards inside their validity window that the member's tier allows, cheapest first, each "
            "with whether the member can afford it, the stock and what is left of the per-member limit."
        ),
        parameters=[EXTERNAL_ID],
        responses={200: MemberRewardSerializer(many=True), 404: MEMBER_NOT_FOUND},
    )
    def get(self, request, external_id):
        items = rewards_for_member(member_or_404(external_id), now=timezone.now())
        return Response(MemberRewardSerializer(items, many=True, context={"request": request}).data)


class RewardRedeemView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Redeem a reward",
        description=(
            "Spends the reward's cost in points and issues a coupon with a unique code, in one transaction. "
            "A charity donation reward issues no coupon: its points go to its cause, and the answer is the donation."
        ),
        parameters=[
            EXTERNAL_ID,
            OpenApiParameter("reward_id", int, OpenApiParameter.PATH, description="The reward's id."),
        ],
        request=None,
        responses={
            201: PolymorphicProxySerializer(
                component_name="Redemption",
                serializers=[CouponSerializer, DonationSerializer],
                resource_type_field_name=None,
            ),
            404: OpenApiResponse(ErrorSerializer, description="`member_not_found`, `reward_not_found`."),
            409: OpenApiResponse(
                ErrorSerializer,
                description="`insufficient_points`, `out_of_stock`, `limit_reached`, `member_not_active`.",
            ),
            422: OpenApiResponse(
                ErrorSerializer,
                description=(
                    "`reward_not_available`, `tier_required`; for a donation `cause_not_available`, "
                    "`below_minimum_donation`."
                ),
            ),
        },
    )
    @idempotent
    def post(self, request, external_id, reward_id):
        member = member_or_404(external_id)
        reward = Reward.objects.filter(pk=reward_id).first()
        if reward is None:
            raise NotFound(_("No reward has this id."), code="reward_not_found")
        issued = reward_redeem(
            member=member,
            reward=reward,
            storefront=request.auth.storefront,
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        if reward.issues_coupon:
            data = CouponSerializer(issued, context={"now": timezone.now()}).data
        else:
            data = DonationSerializer(issued).data
        return Response(data, status=status.HTTP_201_CREATED)


class MemberCouponsView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="A member's coupons",
        description="Every coupon of the member, newest first.",
        parameters=[EXTERNAL_ID],
        responses={200: CouponSerializer(many=True), 404: MEMBER_NOT_FOUND},
    )
    def get(self, request, external_id):
        coupons = member_coupons(member_or_404(external_id))
        return Response(CouponSerializer(coupons, many=True, context={"now": timezone.now()}).data)


class CouponValidateView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Check a coupon code",
        description=(
            "Whether the code can be used by this member (or a guest) on a cart of this amount and SKUs, "
            "with the reason when not: the same reasons checkout calculation gives. Writes nothing."
        ),
        request=CouponValidateInputSerializer,
        responses={200: CouponValidationSerializer, 400: OpenApiResponse(ErrorSerializer), 404: MEMBER_NOT_FOUND},
    )
    def post(self, request):
        query = CouponValidateInputSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        member = member_or_404(data["member"]) if data.get("member") else None
        now = timezone.now()
        coupon = coupon_find(data["code"])
        if coupon is None:
            answer = {
                "valid": False,
                "reason": "unknown_coupon",
                "message": _("No coupon has this code."),
                "coupon": None,
            }
        else:
            refusal = coupon_refusal(
                coupon, member=member, now=now, order_amount=data.get("amount"), skus=data.get("skus")
            )
            answer = {
                "valid": refusal is None,
                "reason": refusal and refusal.reason,
                "message": refusal and refusal.message,
                # Only its owner learns what the coupon is.
                "coupon": coupon if member is not None and coupon.member_id == member.pk else None,
            }
        return Response(CouponValidationSerializer(answer, context={"now": now}).data)
