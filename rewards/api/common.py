"""What the rewards endpoints share: how a member is found and how the
schema names them."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.exceptions import NotFound

from loyalty.api.schema import ErrorSerializer
from members.models import Member

EXTERNAL_ID = OpenApiParameter("external_id", str, OpenApiParameter.PATH, description="The merchant's customer id.")
MEMBER_NOT_FOUND = OpenApiResponse(ErrorSerializer, description="`member_not_found`: no member has this external id.")


def member_or_404(external_id):
    member = Member.objects.filter(external_id=external_id).first()
    if member is None:
        raise NotFound(_("No member has this external id."), code="member_not_found")
    return member
