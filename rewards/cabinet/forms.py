import uuid

from django import forms


class RedeemForm(forms.Form):
    """The confirmation of a redemption; its id becomes the idempotency key,
    so a double click buys the reward once."""

    request_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
