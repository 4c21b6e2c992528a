"""Merchant admin for tiers: the tiers, the tier settings, the history of
tier changes, and each member's tier on the member's page. Changes of a
member's tier go through rewards.services, so the history is never edited
here."""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from loyalty.rules import end_of_local_day
from loyalty.selectors import program_get
from members.admin import change_page_redirect
from members.models import Member

from .catalog.services import coupon_refund
from .forms import TierAssignForm
from .models import Coupon, Reward, Tier, TierChange, TierProgram
from .selectors import tier_history, tier_program_get, tier_progress
from .services import tier_assign

# How many tier changes the member's change page shows; the section links to
# the member's full history.
MEMBER_PAGE_ROWS = 20


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


# The member admin with the member's tier. members must not know about
# rewards, and loyalty already replaced the members app's admin with its own
# subclass, so this one extends whichever class is registered now (rewards
# comes after loyalty in INSTALLED_APPS) instead of naming one.
_RegisteredMemberAdmin = admin.site._registry[Member].__class__


class MemberAdmin(_RegisteredMemberAdmin):
    """The member admin with the member's tier: the current tier, its dates and
    the progress towards the next one, the tier history, and the manual
    assignment page."""

    change_form_template = "admin/rewards/member/change_form.html"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/assign-tier/",
                self.admin_site.admin_view(self.assign_tier_view),
                name="members_member_assign_tier",
            ),
            *super().get_urls(),
        ]

    def has_assign_tier_permission(self, request):
        return request.user.has_perm("rewards.assign_tier")

    def get_object_tools(self, request, obj):
        tools = super().get_object_tools(request, obj)
        if self.has_assign_tier_permission(request):
            tools.append((reverse("admin:members_member_assign_tier", args=[obj.pk]), _("Assign tier")))
        return tools

    def _tier_status(self, member):
        progress = tier_progress(member, program_get(), now=timezone.now())
        return {"progress": progress, "basis": TierProgram.Basis(progress.basis).label}

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            history_url = None
            if request.user.has_perm("rewards.view_tierchange"):
                history_url = f"{reverse('admin:rewards_tierchange_changelist')}?{urlencode({'member': obj.pk})}"
            context["tier"] = {
                **self._tier_status(obj),
                "history": tier_history(obj)[:MEMBER_PAGE_ROWS],
                "history_url": history_url,
            }
        # The page of the class this one extends draws everything else.
        context["member_base_template"] = _RegisteredMemberAdmin.change_form_template
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def assign_tier_view(self, request, object_id):
        """Put the member in a tier by hand. The tier service decides: what it
        refuses (a blank reason, a lock date in the past) comes back as a form
        error, and nothing changes."""
        member = self.get_tool_object(
            request,
            object_id,
            allowed=lambda obj: self.has_view_permission(request, obj) and self.has_assign_tier_permission(request),
        )
        form = TierAssignForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            locked_until = form.cleaned_data["locked_until"]
            try:
                change = tier_assign(
                    member=member,
                    tier=form.cleaned_data["tier"],
                    staff_user=request.user,
                    note=form.cleaned_data["reason"],
                    # A lock "until 10 March" holds through that day in the program's time zone.
                    locked_until=end_of_local_day(locked_until, program_get()) if locked_until else None,
                )
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    gettext("%(member)s is now in the tier %(tier)s.") % {"member": member, "tier": change.to_tier},
                )
                return change_page_redirect(member)
        return self.render_object_form(
            request,
            member,
            form,
            title=gettext("Assign tier"),
            submit_label=gettext("Assign"),
            template="admin/rewards/assign_tier.html",
            tier=self._tier_status(member),
        )


# The service names the reason "note", as TierChange does.
_FORM_FIELDS = {"note": "reason", "locked_until": "locked_until", "tier": "tier"}


def _add_service_errors(form, error):
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(_FORM_FIELDS.get(field), errors)


admin.site.unregister(Member)
admin.site.register(Member, MemberAdmin)


# The rewards catalog


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = ("name_en", "kind", "cost_points", "stock", "per_member_limit", "min_tier", "is_active")
    list_filter = ("kind", "is_active", "min_tier")
    search_fields = ("name_en", "name_ru", "gift_sku")
    fieldsets = (
        (
            None,
            {"fields": ("kind", "name_en", "name_ru", "description_en", "description_ru", "image_url", "is_active")},
        ),
        (_("Price and limits"), {"fields": ("cost_points", "stock", "per_member_limit", "min_tier")}),
        (_("Effect"), {"fields": ("amount", "percent", "min_order_amount", "gift_sku", "coupon_validity_days")}),
        (_("Availability"), {"fields": ("available_from", "available_until")}),
    )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "image_url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    """Read-only: coupons move through redeem, checkout and the refund action."""

    list_display = ("code", "reward", "member", "status", "valid_until", "issued_at", "order")
    list_filter = ("status", "reward__kind")
    search_fields = ("code", "member__external_id", "member__email")
    list_select_related = ("reward", "member", "order")
    readonly_fields = [field.name for field in Coupon._meta.fields]
    actions = ["refund_points"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_refund_permission(self, request):
        return request.user.has_perm("rewards.refund_coupon")

    @admin.action(description=_("Refund points of unused coupons"), permissions=["refund"])
    def refund_points(self, request, queryset):
        refunded = 0
        for coupon in queryset.filter(status=Coupon.Status.ISSUED):
            coupon_refund(coupon=coupon, staff_user=request.user)
            refunded += 1
        skipped = queryset.exclude(status=Coupon.Status.REFUNDED).count()
        self.message_user(
            request, gettext("Refunded %(refunded)d coupons.") % {"refunded": refunded}, level=messages.SUCCESS
        )
        if skipped:
            self.message_user(
                request,
                gettext("%(skipped)d coupons were not refunded: they are reserved or used.") % {"skipped": skipped},
                level=messages.WARNING,
            )
