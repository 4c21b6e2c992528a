import uuid

from django import forms

from members.cabinet.forms import CabinetForm


class RedeemForm(CabinetForm):
    """The confirmation of a redemption; its id becomes the idempotency key,
    so a double click buys the reward once."""

    request_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
