"""Paid memberships for storefronts: the plans on sale, a member's membership
with what it saved, and the purchases, renewals and cancellations the
storefront reports.

Purchases and renewals carry the storefront's payment id (``number``): the
same number again with the same body answers the membership with 200 and
changes nothing, with another body 409 ``membership_payment_exists``. Every
POST also takes an Idempotency-Key.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from loyalty.api.idempotency import idempotent
from loyalty.api.schema import ErrorSerializer
from loyalty.selectors import program_get

from ..memberships.selectors import membership_status, plan_find, plans_on_sale
from ..memberships.services import membership_cancel, membership_purchase, membership_renew
from .common import EXTERNAL_ID, member_or_404
from .serializers import (
    MembershipCancelInputSerializer,
    MembershipPurchaseInputSerializer,
    MembershipRenewInputSerializer,
    MembershipStatusSerializer,
    PlanSerializer,
)

TAGS = ["memberships"]
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="`member_not_found`, `membership_not_found`.")
REPORTED = OpenApiResponse(MembershipStatusSerializer, description="This number was reported before: nothing changed.")


def _status_response(member, http_status=status.HTTP_200_OK):
    answer = membership_status(member, program_get(), now=timezone.now())
    return Response(MembershipStatusSerializer(answer).data, status=http_status)


def _reported(member, created):
    return _status_response(member, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class PlansView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="List the membership plans on sale",
        responses={200: PlanSerializer(many=True)},
    )
    def get(self, request):
        return Response(PlanSerializer(plans_on_sale(), many=True).data)


class MembershipView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Read a member's membership and whether it paid off",
        description=(
            "The plan, its dates, the fees paid and what the membership saved on completed orders (after "
            "returns): money off, free shipping and extra points at the program's point value."
        ),
        parameters=[EXTERNAL_ID],
        responses={200: MembershipStatusSerializer, 404: NOT_FOUND},
    )
    def get(self, request, external_id):
        member = member_or_404(external_id)
        answer = membership_status(member, program_get(), now=timezone.now())
        if answer is None:
            raise NotFound(_("The member has no paid membership."), code="membership_not_found")
        return Response(MembershipStatusSerializer(answer).data)


class MembershipPurchaseView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Report a purchase of a membership",
        description=(
            "The shopper paid for a plan. Without an active membership the plan starts now; with an active one "
            "of the same plan one more period follows the current one; with another plan the new plan replaces "
            "it from now. 201 when recorded; 200 when this number was reported before with the same body."
        ),
        parameters=[EXTERNAL_ID],
        request=MembershipPurchaseInputSerializer,
        responses={
            200: REPORTED,
            201: MembershipStatusSerializer,
            400: OpenApiResponse(ErrorSerializer, description="`validation_error`."),
            404: OpenApiResponse(ErrorSerializer, description="`member_not_found`, `plan_not_found`."),
            409: OpenApiResponse(
                ErrorSerializer,
                description="`membership_payment_exists`, `membership_already_active`, `member_not_active`.",
            ),
            422: OpenApiResponse(ErrorSerializer, description="`plan_not_available`, `idempotency_key_reused`."),
        },
    )
    @idempotent
    def post(self, request, external_id):
        member = member_or_404(external_id)
        fields = MembershipPurchaseInputSerializer(data=request.data)
        fields.is_valid(raise_exception=True)
        data = fields.validated_data
        plan = plan_find(data["plan"])
        if plan is None:
            raise NotFound(_("No membership plan has this code."), code="plan_not_found")
        created = membership_purchase(
            member=member, plan=plan, storefront=request.auth.storefront, number=data["number"], fee=data.get("fee")
        )[1]
        return _reported(member, created)


class MembershipRenewView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Report a renewal of a membership",
        description=(
            "The shopper paid one more period of their plan: it follows the current period, or starts now if "
            "the membership had ended. A renewal takes back a cancellation. 201 when recorded; 200 when this "
            "number was reported before with the same body."
        ),
        parameters=[EXTERNAL_ID],
        request=MembershipRenewInputSerializer,
        responses={
            200: REPORTED,
            201: MembershipStatusSerializer,
            400: OpenApiResponse(ErrorSerializer, description="`validation_error`."),
            404: NOT_FOUND,
            409: OpenApiResponse(ErrorSerializer, description="`membership_payment_exists`, `member_not_active`."),
            422: OpenApiResponse(
                ErrorSerializer, description="`membership_not_renewable` (a lifetime plan), `idempotency_key_reused`."
            ),
        },
    )
    @idempotent
    def post(self, request, external_id):
        member = member_or_404(external_id)
        fields = MembershipRenewInputSerializer(data=request.data)
        fields.is_valid(raise_exception=True)
        data = fields.validated_data
        created = membership_renew(
            member=member, storefront=request.auth.storefront, number=data["number"], fee=data.get("fee")
        )[1]
        return _reported(member, created)


class MembershipCancelView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Report a cancellation of a membership",
        description=(
            "The membership is not renewed and ends with the period paid for; `immediately` (or a lifetime "
            "plan) ends it now. Cancelling again changes nothing."
        ),
        parameters=[EXTERNAL_ID],
        request=MembershipCancelInputSerializer,
        responses={200: MembershipStatusSerializer, 400: OpenApiResponse(ErrorSerializer), 404: NOT_FOUND},
    )
    @idempotent
    def post(self, request, external_id):
        member = member_or_404(external_id)
        fields = MembershipCancelInputSerializer(data=request.data)
        fields.is_valid(raise_exception=True)
        membership_cancel(member=member, immediately=fields.validated_data["immediately"])
        return _status_response(member)
