"""Forms of the personal cabinet's own pages. Labels and help texts are
what assistive technology reads: every field has one."""

import uuid

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..models import ConsentPurpose, Language
from ..validation import normalise_email, normalise_phone, validate_birth_date

MARKETING_FIELDS = {
    ConsentPurpose.MARKETING_EMAIL: "marketing_email",
    ConsentPurpose.MARKETING_SMS: "marketing_sms",
    ConsentPurpose.MARKETING_PUSH: "marketing_push",
}
MARKETING_LABELS = {
    ConsentPurpose.MARKETING_EMAIL: _("Offers and news by email"),
    ConsentPurpose.MARKETING_SMS: _("Offers and news by SMS"),
    ConsentPurpose.MARKETING_PUSH: _("Offers and news as push notifications"),
}


class CabinetForm(forms.Form):
    """Labels without a trailing colon: they read as plain questions, and a
    checkbox's label is a sentence."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class _PasswordPair(CabinetForm):
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html,
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                validate_password(first)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class SignUpForm(_PasswordPair):
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    personal_data = forms.BooleanField(
        label=_("I agree to the processing of my personal data"),
        error_messages={"required": _("Without this consent the program cannot keep your account.")},
    )
    marketing_email = forms.BooleanField(label=MARKETING_LABELS[ConsentPurpose.MARKETING_EMAIL], required=False)
    marketing_sms = forms.BooleanField(label=MARKETING_LABELS[ConsentPurpose.MARKETING_SMS], required=False)
    marketing_push = forms.BooleanField(label=MARKETING_LABELS[ConsentPurpose.MARKETING_PUSH], required=False)
    field_order = ["email", "first_name", "password1", "password2", "personal_data"]

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])


class SignInForm(CabinetForm):
    identifier = forms.CharField(
        label=_("Email or phone"), max_length=254, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PasswordResetForm(CabinetForm):
    email = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class SetPasswordForm(_PasswordPair):
    pass


class ProfileForm(CabinetForm):
    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    language = forms.ChoiceField(label=_("Language of messages"), choices=Language.choices)
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        help_text=_("Once set, only support can change it: it decides your birthday bonus."),
    )
    marketing_email = forms.BooleanField(label=MARKETING_LABELS[ConsentPurpose.MARKETING_EMAIL], required=False)
    marketing_sms = forms.BooleanField(label=MARKETING_LABELS[ConsentPurpose.MARKETING_SMS], required=False)
    marketing_push = forms.BooleanField(label=MARKETING_LABELS[ConsentPurpose.MARKETING_PUSH], required=False)

    def __init__(self, *args, birth_date_locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        if birth_date_locked:
            del self.fields["birth_date"]

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"])

    def clean_birth_date(self):
        return validate_birth_date(self.cleaned_data["birth_date"])

    def profile_changes(self):
        return {
            field: self.cleaned_data[field]
            for field in ("first_name", "last_name", "phone", "language", "birth_date")
            if field in self.cleaned_data and not (field == "birth_date" and self.cleaned_data[field] is None)
        }

    def consent_wishes(self):
        return {purpose: self.cleaned_data[field] for purpose, field in MARKETING_FIELDS.items()}


class EraseForm(CabinetForm):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To make sure it is you."),
    )
    confirm = forms.BooleanField(label=_("I understand that my account will be deleted and this cannot be undone"))


class RequestIdForm(CabinetForm):
    """A hidden id drawn when a confirmation page is shown; it becomes the
    idempotency key, so a double-clicked or resubmitted form acts once."""

    request_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
