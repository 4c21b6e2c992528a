"""Members endpoints: enrol or update by external id, read, look up, ledger
history, consents."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from members.models import Member
from members.selectors import member_find
from members.services import consent_record, member_put

from ..models import Account, Entry
from ..rules import money_for_points
from ..selectors import entries_history, members_with_account, points_schedule_for, program_get
from .contributors import member_contributors
from .idempotency import idempotent
from .pagination import KeysetPagination
from .schema import ErrorSerializer
from .serializers import (
    ConsentRecordSerializer,
    ConsentSerializer,
    EntryFilterSerializer,
    EntrySerializer,
    MemberInputSerializer,
    MemberLookupSerializer,
    MemberSerializer,
    represent,
)

EXPIRING_DAYS_SHOWN = 3
EXTERNAL_ID_MAX_LENGTH = Member._meta.get_field("external_id").max_length

EXTERNAL_ID_PARAMETER = OpenApiParameter(
    "external_id", str, OpenApiParameter.PATH, description="The merchant's customer id (up to 64 characters)."
)
TAGS = ["members"]
MEMBER_NOT_FOUND = OpenApiResponse(ErrorSerializer, description="`member_not_found`: no member has this external id.")
INVALID = OpenApiResponse(ErrorSerializer, description="`validation_error`: `fields` names each invalid field.")


def _members():
    return member_contributors.prepare(members_with_account())


def _member_or_404(external_id, queryset=None):
    member = (Member.objects if queryset is None else queryset).filter(external_id=external_id).first()
    if member is None:
        raise NotFound(_("No member has this external id."), code="member_not_found")
    return member


def _member_data(member):
    """The member as the API shows it. ``member`` comes from ``_members()``
    (with their account and what contributors load), so this adds one query,
    whatever the member's history."""
    program = program_get()
    account = getattr(member, "points_account", None) or Account(member=member)
    available_value = money_for_points(max(account.available, 0), program)
    schedule = points_schedule_for(member, program, expiring_limit=EXPIRING_DAYS_SHOWN)
    payload = {
        **{field: getattr(member, field) for field in MemberSerializer.PROFILE_FIELDS},
        "balances": {
            "available": account.available,
            "pending": account.pending,
            "held": account.held,
            "available_value": available_value,
            "currency": program.currency,
        },
        "expiring": schedule["expiring"],
        "pending_points": schedule["pending"],
        **member_contributors.represent(member),
    }
    return represent(MemberSerializer, payload)


class MemberView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Read a member",
        parameters=[EXTERNAL_ID_PARAMETER],
        responses={200: MemberSerializer, 404: MEMBER_NOT_FOUND},
    )
    def get(self, request, external_id):
        return Response(_member_data(_member_or_404(external_id, _members())))

    @extend_schema(
        tags=TAGS,
        summary="Enrol or update a member",
        description=(
            "Creates the member with this external id (201) or updates the given fields of the existing one "
            "(200); fields left out keep their values. Repeating the request changes nothing more, so it "
            "needs no Idempotency-Key. A new member is enrolled through the calling storefront."
        ),
        parameters=[EXTERNAL_ID_PARAMETER],
        request=MemberInputSerializer,
        responses={
            200: OpenApiResponse(MemberSerializer, description="The member was updated."),
            201: OpenApiResponse(MemberSerializer, description="The member was enrolled."),
            400: INVALID,
        },
    )
    def put(self, request, external_id):
        if len(external_id) > EXTERNAL_ID_MAX_LENGTH:
            message = _("Ensure this field has no more than %(max)d characters.") % {"max": EXTERNAL_ID_MAX_LENGTH}
            raise serializers.ValidationError({"external_id": [message]})
        serializer = MemberInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        storefront = request.auth.storefront
        member, created = member_put(
            external_id=external_id, channel=storefront.kind, storefront=storefront.code, **serializer.validated_data
        )
        return Response(
            _member_data(_members().get(pk=member.pk)),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class MemberLookupView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Find a member by email or phone",
        description="Give exactly one of `email` and `phone`; both are normalised as on enrolment.",
        parameters=[MemberLookupSerializer],
        responses={
            200: MemberSerializer,
            400: INVALID,
            404: OpenApiResponse(ErrorSerializer, description="`member_not_found`: no member has this email or phone."),
        },
    )
    def get(self, request):
        query = MemberLookupSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = member_find(**query.validated_data)
        if found is None:
            raise NotFound(_("No member has this email or phone."), code="member_not_found")
        return Response(_member_data(_members().get(pk=found.pk)))


@extend_schema(
    tags=TAGS,
    summary="A member's ledger history",
    description=(
        "Entries newest first, in pages linked by `next`. The pages are cut by a cursor, so entries written "
        "while a client pages never shift or repeat a page."
    ),
    parameters=[EXTERNAL_ID_PARAMETER, EntryFilterSerializer],
    responses={200: EntrySerializer(many=True), 400: INVALID, 404: MEMBER_NOT_FOUND},
)
class MemberEntriesView(generics.ListAPIView):
    serializer_class = EntrySerializer
    pagination_class = KeysetPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the view
            return Entry.objects.none()
        member = _member_or_404(self.kwargs["external_id"])
        filters = EntryFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return entries_history(member, **filters.validated_data)


class MemberConsentsView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="Record a consent grant or withdrawal",
        description="Appends to the member's consent history, with the calling storefront as its source.",
        parameters=[EXTERNAL_ID_PARAMETER],
        request=ConsentSerializer,
        responses={201: ConsentRecordSerializer, 400: INVALID, 404: MEMBER_NOT_FOUND},
    )
    @idempotent
    def post(self, request, external_id):
        member = _member_or_404(external_id)
        serializer = ConsentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        storefront = request.auth.storefront
        record = consent_record(
            member=member, channel=storefront.kind, storefront=storefront.code, **serializer.validated_data
        )
        return Response(ConsentRecordSerializer(record).data, status=status.HTTP_201_CREATED)
