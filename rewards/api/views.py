"""Tiers for storefronts: the tiers and their benefits, and a member's tier
with their progress."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from loyalty.selectors import program_get

from ..selectors import tier_program_get, tier_progress, tiers_list
from .common import EXTERNAL_ID, MEMBER_NOT_FOUND, member_or_404
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
        parameters=[EXTERNAL_ID],
        responses={200: MemberTierSerializer, 404: MEMBER_NOT_FOUND},
    )
    def get(self, request, external_id):
        progress = tier_progress(member_or_404(external_id), program_get(), now=timezone.now())
        return Response(MemberTierSerializer(progress).data)
