"""Forms of the merchant admin for the program, storefronts and the ledger."""

import uuid
import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Program

# Far above any real correction, far below the 64-bit limit of the balances.
MAX_ADJUSTMENT = 1_000_000_000


def _time_zone_choices():
    return [(zone, zone) for zone in sorted(zoneinfo.available_timezones())]


class ProgramForm(forms.ModelForm):
    """The program settings; the time zone is picked from a list, since a
    mistyped one would shift every "end of day" of the program."""

    time_zone = forms.ChoiceField(label=Program._meta.get_field("time_zone").verbose_name, choices=_time_zone_choices)

    class Meta:
        model = Program
        fields = "__all__"  # noqa: DJ007 - every setting is edited here, new ones included


class PointsAdjustmentForm(forms.Form):
    """A manual credit or debit by staff.

    ``request_id`` is drawn when the form is shown and becomes the ledger's
    idempotency key, so a double-clicked or resubmitted form adjusts once.
    """

    CREDIT = "credit"
    DEBIT = "debit"

    direction = forms.ChoiceField(
        label=_("direction"),
        choices=[(CREDIT, _("Credit: add points")), (DEBIT, _("Debit: take available points away"))],
        widget=forms.RadioSelect,
    )
    points = forms.IntegerField(label=_("points"), min_value=1, max_value=MAX_ADJUSTMENT)
    reason = forms.CharField(
        label=_("reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the member's history together with your name."),
    )
    request_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    @property
    def signed_points(self):
        points = self.cleaned_data["points"]
        return points if self.cleaned_data["direction"] == self.CREDIT else -points

    @property
    def idempotency_key(self):
        return f"admin-adjustment:{self.cleaned_data['request_id']}"


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        label=_("name"),
        max_length=120,
        help_text=_(
            "Where the key will be used, so it can be told apart when it is revoked, e.g. “Production web shop”."
        ),
    )
