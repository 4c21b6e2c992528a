"""Forms of loyalty's cabinet pages."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members.cabinet.forms import CabinetForm

from ..models import Entry

# The kinds a shopper filters by; "became available" moves nothing they own.
HISTORY_KINDS = [
    (Entry.Kind.EARN, _("Earned")),
    (Entry.Kind.SPEND, _("Spent on rewards")),
    (Entry.Kind.CAPTURE, _("Spent on orders")),
    (Entry.Kind.HOLD, _("Reserved")),
    (Entry.Kind.RELEASE, _("Reservations released")),
    (Entry.Kind.REFUND, _("Returned with orders")),
    (Entry.Kind.CLAWBACK, _("Taken back on returns")),
    (Entry.Kind.EXPIRE, _("Expired")),
    (Entry.Kind.ADJUSTMENT, _("Adjusted by support")),
    (Entry.Kind.TRANSFER, _("Gifts")),
    (Entry.Kind.ACTIVATE, _("Became available")),
]


class HistoryFilterForm(CabinetForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All"))] + HISTORY_KINDS, required=False)
    date_from = forms.DateField(
        label=pgettext_lazy("history dates", "From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=pgettext_lazy("history dates", "To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_to"] < cleaned["date_from"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


class GiftForm(CabinetForm):
    recipient = forms.CharField(
        label=_("Recipient's email or member number"),
        max_length=254,
        help_text=_("The member number is on their loyalty card, 10 digits."),
    )
    points = forms.IntegerField(label=_("Points to give"), min_value=1, max_value=1_000_000_000)


class GiftConfirmForm(GiftForm):
    request_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    @property
    def idempotency_key(self):
        return f"cabinet:gift:{self.cleaned_data['request_id']}"
