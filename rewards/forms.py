"""Forms of the merchant admin for tiers, prize draws and charity."""

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Member

from .models import Tier


class TierChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, tier):
        if tier.invitation_only:
            return _("%(tier)s (by invitation only)") % {"tier": tier}
        return str(tier)


class TierAssignForm(forms.Form):
    """A manual tier assignment by staff.

    Every tier is offered, invitation-only ones included: this form is the
    only way to reach them. The reason is required because it is what the
    tier history keeps to explain a move the program's rules did not make.
    """

    tier = TierChoiceField(label=_("tier"), queryset=Tier.objects.order_by("position"))
    reason = forms.CharField(
        label=_("reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the member's tier history together with your name."),
    )
    locked_until = forms.DateField(
        label=_("locked until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "Optional. Until the end of this day (in the program time zone) the automatic evaluation "
            "does not move the member."
        ),
    )


class DrawTicketsGrantForm(forms.Form):
    """Tickets staff give a member free; the reason stays on the entry."""

    member = forms.CharField(
        label=_("member"), max_length=64, help_text=_("The member's external id (the merchant's customer id).")
    )
    tickets = forms.IntegerField(label=_("tickets"), min_value=1, max_value=10_000)
    note = forms.CharField(
        label=_("reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the tickets together with your name."),
    )

    def clean_member(self):
        member = Member.objects.filter(external_id=self.cleaned_data["member"].strip()).first()
        if member is None:
            raise forms.ValidationError(_("No member has this external id."))
        return member


class CharityTransferForm(forms.Form):
    reference = forms.CharField(
        label=_("payment reference"),
        max_length=200,
        help_text=_("The bank transfer's number or another reference, to find the payment later."),
    )
