"""Members: the shoppers enrolled in the program, and their consents."""

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
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
