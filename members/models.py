"""Members: the shoppers enrolled in the program, and their consents."""

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """Where something happened: the kind of storefront, or our own surfaces."""

    WEB_SHOP = "web_shop", _("Web shop")
    MOBILE_APP = "mobile_app", _("Mobile app")
    MARKETPLACE = "marketplace", _("Marketplace")
    POINT_OF_SALE = "point_of_sale", _("Point of sale")
    PARTNER = "partner", _("Partner")
    CABINET = "cabinet", _("Personal cabinet")
    STAFF = "staff", _("Merchant staff")
    IMPORT = "import", _("Import")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    RUSSIAN = "ru", _("Russian")


class Member(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        BLOCKED = "blocked", _("Blocked")
        ANONYMISED = "anonymised", _("Anonymised")

    external_id = models.CharField(
        _("external id"),
        max_length=64,
        null=True,
        blank=True,
        help_text=_("The merchant's own customer id."),
    )
    email = models.EmailField(_("email"), max_length=254, null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, null=True, blank=True, help_text=_("E.164"))
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.RUSSIAN
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    enrolment_channel = models.CharField(
        _("enrolment channel"), max_length=16, choices=Channel.choices, default=Channel.STAFF
    )
    enrolment_storefront = models.CharField(
        _("enrolment storefront"),
        max_length=64,
        blank=True,
        help_text=_("Code of the storefront the member joined through."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="member_external_id_unique"),
            models.UniqueConstraint(Lower("email"), name="member_email_unique"),
            models.UniqueConstraint(fields=["phone"], name="member_phone_unique"),
        ]
        indexes = [
            models.Index(Lower("last_name"), Lower("first_name"), name="member_name_idx"),
            models.Index(fields=["enrolled_at"], name="member_enrolled_at_idx"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def full_name(self):
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def display_name(self):
        return self.full_name or self.email or self.phone or self.external_id or f"#{self.pk}"


class ConsentPurpose(models.TextChoices):
    PERSONAL_DATA = "personal_data", _("Processing of personal data")
    MARKETING_EMAIL = "marketing_email", _("Marketing by email")
    MARKETING_SMS = "marketing_sms", _("Marketing by SMS")
    MARKETING_PUSH = "marketing_push", _("Marketing by push notifications")


class ConsentRecord(models.Model):
    """One grant or withdrawal. Records are never changed: the current state of
    a consent is its latest record, so the history is the legal evidence
    152-FZ and GDPR ask for."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="consent_records")
    purpose = models.CharField(_("consent"), max_length=32, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("granted"))
    text_version = models.CharField(_("text version"), max_length=32, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    storefront = models.CharField(_("storefront"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["member", "purpose", "-recorded_at", "-id"], name="consent_latest_idx")]

    def __str__(self):
        state = _("granted") if self.granted else _("withdrawn")
        return f"{self.get_purpose_display()}: {state}"


class ConsentText(models.Model):
    """The text of a consent as the merchant publishes it. A published version
    is never edited: a change is a new version, and every consent record names
    the version the member agreed to."""

    purpose = models.CharField(_("consent"), max_length=32, choices=ConsentPurpose.choices)
    version = models.CharField(_("version"), max_length=32)
    text_en = models.TextField(_("text (English)"))
    text_ru = models.TextField(_("text (Russian)"), blank=True)
    published_at = models.DateTimeField(
        _("published at"), default=timezone.now, help_text=_("The latest published version is the one shown.")
    )

    class Meta:
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        ordering = ["purpose", "-published_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["purpose", "version"], name="consent_text_version_unique")]

    def __str__(self):
        return f"{self.get_purpose_display()} {self.version}"

    @property
    def text(self):
        """The text in the active language (English when there is no Russian one)."""
        return self.text_ru if self.text_ru and (get_language() or "").startswith("ru") else self.text_en


class Credentials(models.Model):
    """How a shopper signs in to the personal cabinet. Shoppers are not Django
    users: staff and shoppers never share a login, a permission or a session key.

    ``email_verified_at`` is empty until the shopper follows the link sent to
    the member's email; until then the credentials do not sign in, and a new
    sign-up with the same email may replace them (the mailbox decides who owns
    the account). ``pending_consents`` keeps the consents given at the sign-up
    that claims a member a storefront created, recorded once the email is
    verified."""

    member = models.OneToOneField(
        Member, primary_key=True, on_delete=models.CASCADE, related_name="credentials", verbose_name=_("member")
    )
    password = models.CharField(_("password"), max_length=128)
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)
    pending_consents = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    password_changed_at = models.DateTimeField(_("password changed at"), default=timezone.now)
    last_login_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("cabinet credentials")
        verbose_name_plural = _("cabinet credentials")

    def __str__(self):
        return str(self.member)

    @property
    def is_verified(self):
        return self.email_verified_at is not None


class MemberEvent(models.Model):
    """What happened to a member's cabinet account and profile, and through
    which channel: the log support reads. ``changes`` holds {field: [old, new]}
    of a profile change; erasure empties it."""

    class Kind(models.TextChoices):
        SIGNED_UP = "signed_up", _("Signed up")
        EMAIL_VERIFIED = "email_verified", _("Email verified")
        SIGNED_IN = "signed_in", _("Signed in")
        PASSWORD_RESET = "password_reset", _("Password reset")
        PROFILE_CHANGED = "profile_changed", _("Profile changed")
        CONSENT_CHANGED = "consent_changed", _("Consent changed")
        DATA_EXPORTED = "data_exported", _("Personal data downloaded")
        ERASED = "erased", _("Account deleted, personal data anonymised")

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="events", verbose_name=_("member"))
    kind = models.CharField(_("event"), max_length=24, choices=Kind.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.CABINET)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)

    class Meta:
        verbose_name = _("member event")
        verbose_name_plural = _("member events")
        indexes = [models.Index(fields=["member", "-occurred_at"], name="member_event_idx")]

    def __str__(self):
        return self.get_kind_display()
