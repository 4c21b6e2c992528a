"""Merchant admin for tiers: the tiers, the tier settings and the history of
tier changes. Changes of a member's tier go through rewards.services, so the
history is never edited here."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from members.admin import change_page_redirect

from .models import Tier, TierChange, TierProgram
from .selectors import tier_program_get


@admin.register(TierProgram)
class TierProgramAdmin(admin.ModelAdmin):
    """One row: the list goes straight to it, and it is never added or deleted."""

    fields = ("basis", "window", "window_months", "downgrade_policy", "grace_days", "last_evaluated_at")
    readonly_fields = ("last_evaluated_at",)

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return change_page_redirect(tier_program_get())

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ("position", "name", "code", "threshold", "invitation_only", "discount_percent", "earn_multiplier")
    list_display_links = ("name",)
    prepopulated_fields = {"code": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "code", "position", "threshold", "retain_threshold", "invitation_only")}),
        (
            _("Benefits"),
            {
                "fields": (
                    "earn_multiplier",
                    "extra_cashback_percent",
                    "discount_percent",
                    "free_shipping",
                    "free_shipping_from",
                    "redemption_cap_percent",
                    "birthday_bonus_points",
                    "perks",
                )
            },
        ),
    )


@admin.register(TierChange)
class TierChangeAdmin(admin.ModelAdmin):
    """The history, read-only: it is written by the tier services only."""

    list_display = ("changed_at", "member", "from_tier", "to_tier", "reason", "note", "staff_user")
    list_filter = ("reason", "to_tier")
    list_select_related = ("member", "from_tier", "to_tier", "staff_user")
    search_fields = ("member__external_id", "member__email")
    ordering = ("-changed_at", "-id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
