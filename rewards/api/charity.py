"""Charity for storefronts: the causes, a member's donations, and donating points."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from loyalty.api.idempotency import idempotent
from loyalty.api.schema import ErrorSerializer

from ..charity.selectors import causes_open, member_donations
from ..charity.services import donation_make
from ..models import Cause
from .common import EXTERNAL_ID, MEMBER_NOT_FOUND, member_or_404
from .serializers import CauseSerializer, DonationInputSerializer, DonationSerializer

TAGS = ["charity"]


class CausesView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="List the causes accepting donations",
        description="Each with the smallest donation and what all members have given so far.",
        responses={200: CauseSerializer(many=True)},
    )
    def get(self, request):
        return Response(CauseSerializer(causes_open(), many=True).data)


class MemberDonationsView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="A member's donations",
        description="Newest first.",
        parameters=[EXTERNAL_ID],
        responses={200: DonationSerializer(many=True), 404: MEMBER_NOT_FOUND},
    )
    def get(self, request, external_id):
        return Response(DonationSerializer(member_donations(member_or_404(external_id)), many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="Donate points to a cause",
        description=(
            "Spends the points and gives their value at the program's point value to the cause; the merchant "
            "transfers the money."
        ),
        parameters=[EXTERNAL_ID],
        request=DonationInputSerializer,
        responses={
            201: DonationSerializer,
            400: OpenApiResponse(ErrorSerializer, description="`validation_error`."),
            404: OpenApiResponse(ErrorSerializer, description="`member_not_found`, `cause_not_found`."),
            409: OpenApiResponse(ErrorSerializer, description="`insufficient_points`, `member_not_active`."),
            422: OpenApiResponse(
                ErrorSerializer,
                description="`cause_not_available`, `below_minimum_donation`, `idempotency_key_reused`.",
            ),
        },
    )
    @idempotent
    def post(self, request, external_id):
        member = member_or_404(external_id)
        fields = DonationInputSerializer(data=request.data)
        fields.is_valid(raise_exception=True)
        cause = Cause.objects.filter(pk=fields.validated_data["cause"]).first()
        if cause is None:
            raise NotFound(_("No cause has this id."), code="cause_not_found")
        donation = donation_make(
            member=member,
            cause=cause,
            points=fields.validated_data["points"],
            storefront=request.auth.storefront,
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        return Response(DonationSerializer(donation).data, status=status.HTTP_201_CREATED)
