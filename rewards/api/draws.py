"""Prize draws for storefronts: the draws to show, a draw with its results,
a member's tickets and prizes, and buying tickets with points."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from loyalty.api.idempotency import idempotent
from loyalty.api.schema import ErrorSerializer

from ..draws.selectors import draw_published, draw_results, draws_listed, member_draws
from ..draws.services import draw_tickets_buy
from .common import EXTERNAL_ID, MEMBER_NOT_FOUND, member_or_404
from .serializers import (
    DrawEntrySerializer,
    DrawResultsSerializer,
    DrawSerializer,
    DrawTicketsInputSerializer,
    MemberDrawSerializer,
)

TAGS = ["prize draws"]
DRAW_ID = OpenApiParameter("draw_id", int, OpenApiParameter.PATH, description="The draw's id.")


def _draw_or_404(draw):
    if draw is None:
        raise NotFound(_("No prize draw has this id."), code="draw_not_found")
    return draw


class DrawsView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="List the prize draws not drawn yet",
        description="Published draws that are upcoming, open for tickets or waiting for their draw, soonest first.",
        responses={200: DrawSerializer(many=True)},
    )
    def get(self, request):
        now = timezone.now()
        return Response(DrawSerializer(draws_listed(), many=True, context={"now": now}).data)


class DrawView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Read a prize draw and its results",
        description="Once drawn: the winners in the order they were drawn, and the log that shows how.",
        parameters=[DRAW_ID],
        responses={
            200: DrawResultsSerializer,
            404: OpenApiResponse(ErrorSerializer, description="`draw_not_found`."),
        },
    )
    def get(self, request, draw_id):
        return Response(
            DrawResultsSerializer(_draw_or_404(draw_results(draw_id)), context={"now": timezone.now()}).data
        )


class MemberDrawsView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="A member's prize draws",
        description="The draws the member has tickets in, newest first, with their tickets and the prize they won.",
        parameters=[EXTERNAL_ID],
        responses={200: MemberDrawSerializer(many=True), 404: MEMBER_NOT_FOUND},
    )
    def get(self, request, external_id):
        draws = member_draws(member_or_404(external_id))
        return Response(MemberDrawSerializer(draws, many=True, context={"now": timezone.now()}).data)


class DrawTicketsView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Buy tickets of a prize draw with points",
        description=(
            "Spends the ticket price times `tickets` in points. Every ticket has the same chance; a member wins "
            "at most one prize per draw."
        ),
        parameters=[EXTERNAL_ID, DRAW_ID],
        request=DrawTicketsInputSerializer,
        responses={
            201: DrawEntrySerializer,
            400: OpenApiResponse(ErrorSerializer, description="`validation_error`."),
            404: OpenApiResponse(ErrorSerializer, description="`member_not_found`, `draw_not_found`."),
            409: OpenApiResponse(
                ErrorSerializer,
                description="`draw_not_open`, `ticket_limit_reached`, `insufficient_points`, `member_not_active`.",
            ),
            422: OpenApiResponse(ErrorSerializer, description="`tickets_not_for_sale`, `idempotency_key_reused`."),
        },
    )
    @idempotent
    def post(self, request, external_id, draw_id):
        member = member_or_404(external_id)
        draw = _draw_or_404(draw_published(draw_id))
        fields = DrawTicketsInputSerializer(data=request.data)
        fields.is_valid(raise_exception=True)
        entry = draw_tickets_buy(
            member=member,
            draw=draw,
            tickets=fields.validated_data["tickets"],
            storefront=request.auth.storefront,
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
        return Response(DrawEntrySerializer(entry).data, status=status.HTTP_201_CREATED)
