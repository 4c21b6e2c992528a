"""Tiers for storefronts: the tiers and their benefits, and a member's tier
with their progress."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from loyalty.api.schema import ErrorSerializer
from loyalty.selectors import program_get
from members.models import Member

from ..selectors import tier_program_get, tier_progress, tiers_list
from .serializers import MemberTierSerializer, TiersSerializer

TAGS = ["tiers"]


class TiersView(APIView):
    @extend_schema(tags=TAGS, summary="List the tiers and their benefits", responses={200: TiersSerializer})
    def get(self, request):
        return Response(TiersSerializer({"qualification": tier_program_get(), "tiers": tiers_list()}).data)


class MemberTierView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Read a member's tier and progress",
        parameters=[
            OpenApiParameter("external_id", str, OpenApiParameter.PATH, description="The merchant's customer id.")
        ],
        responses={
            200: MemberTierSerializer,
            404: OpenApiResponse(ErrorSerializer, description="`member_not_found`: no member has this external id."),
        },
    )
    def get(self, request, external_id):
        member = Member.objects.filter(external_id=external_id).first()
        if member is None:
            raise NotFound(_("No member has this external id."), code="member_not_found")
        progress = tier_progress(member, program_get(), now=timezone.now())
        return Response(MemberTierSerializer(progress).data)
