"""Merchant admin of the rewards app: tiers (the settings, the history of
tier changes, each member's tier on the member's page), the catalog and its
coupons, paid memberships, prize draws and charity.

Every change of a member's tier, coupons, membership, tickets or donations
goes through the services, so the admin obeys the same rules as the API and
never edits history.
"""

import json
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from loyalty.exceptions import DomainError
from loyalty.rules import end_of_local_day
from loyalty.selectors import program_get
from members.admin import ObjectTool, ObjectToolsMixin, change_page_redirect
from members.models import Member

from .catalog.services import coupon_refund
from .charity.selectors import causes_with_totals
from .charity.services import charity_transfer_record
from .draws.services import draw_tickets_grant
from .forms import CharityTransferForm, DrawTicketsGrantForm, TierAssignForm
from .memberships.selectors import membership_status
from .memberships.services import membership_cancel
from .models import (
    Cause,
    CharityTransfer,
    Coupon,
    Donation,
    DrawEntry,
    Membership,
    MembershipPayment,
    MembershipPlan,
    MembershipSaving,
    PrizeDraw,
    Reward,
    Tier,
    TierChange,
    TierProgram,
)
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
    object_tools = (
        *_RegisteredMemberAdmin.object_tools,
        ObjectTool("assign-tier", "assign_tier_view", _("Assign tier"), "rewards.assign_tier"),
    )

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

    def assign_tier_view(self, request, member):
        """Put the member in a tier by hand. The tier service decides: what it
        refuses (a blank reason, a lock date in the past) comes back as a form
        error, and nothing changes."""
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


def _add_service_errors(form, error, fields=_FORM_FIELDS):
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(fields.get(field), errors)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the services only: staff look, and never add, change or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(Member)
admin.site.register(Member, MemberAdmin)


# The rewards catalog


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = ("name_en", "kind", "cost_points", "stock", "per_member_limit", "min_tier", "is_active")
    list_filter = ("kind", "is_active", "min_tier")
    search_fields = ("name_en", "name_ru", "gift_sku")
    fieldsets = (
        (None, {"fields": ("kind", "name_en", "name_ru", "description_en", "description_ru", "is_active")}),
        (_("Image"), {"fields": ("image", "image_preview", "image_url")}),
        (_("Price and limits"), {"fields": ("cost_points", "stock", "per_member_limit", "min_tier")}),
        (
            _("Effect"),
            {"fields": ("amount", "percent", "min_order_amount", "gift_sku", "cause", "coupon_validity_days")},
        ),
        (_("Availability"), {"fields": ("available_from", "available_until")}),
    )
    readonly_fields = ("image_preview",)

    @admin.display(description=_("preview"))
    def image_preview(self, reward):
        if not reward.image:
            return "—"
        return format_html('<img src="{}" alt="" style="max-width: 240px; max-height: 240px">', reward.image.url)

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
        refundable = queryset.filter(
            status__in=(Coupon.Status.ISSUED, Coupon.Status.EXPIRED), spend_entry__isnull=False
        )
        for coupon in refundable:
            coupon_refund(coupon=coupon, staff_user=request.user)
            refunded += 1
        skipped = queryset.exclude(status=Coupon.Status.REFUNDED).count()
        self.message_user(
            request, gettext("Refunded %(refunded)d coupons.") % {"refunded": refunded}, level=messages.SUCCESS
        )
        if skipped:
            self.message_user(
                request,
                gettext("%(skipped)d coupons were not refunded: they are reserved, used or prizes.")
                % {"skipped": skipped},
                level=messages.WARNING,
            )


# Paid memberships


@admin.register(MembershipPlan)
class MembershipPlanAdmin(admin.ModelAdmin):
    list_display = ("name_en", "code", "period", "fee", "grants_tier", "discount_percent", "is_active")
    list_filter = ("period", "is_active")
    prepopulated_fields = {"code": ("name_en",)}
    fieldsets = (
        (None, {"fields": ("name_en", "name_ru", "code", "description_en", "description_ru", "is_active")}),
        (_("Price"), {"fields": ("period", "fee")}),
        (
            _("Benefits"),
            {
                "description": _(
                    "Where the member's tier gives a benefit of the same kind, the better one applies, not both."
                ),
                "fields": (
                    "grants_tier",
                    "discount_percent",
                    "free_shipping",
                    "free_shipping_from",
                    "earn_multiplier",
                    "extra_cashback_percent",
                    "redemption_cap_percent",
                    "perks",
                ),
            },
        ),
    )


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    """Memberships move with what storefronts report; staff may cancel one."""

    list_display = ("member", "plan", "status", "started_at", "expires_at", "cancelled_at")
    list_filter = ("status", "plan")
    list_select_related = ("member", "plan")
    search_fields = ("member__external_id", "member__email")
    fields = ("member", "plan", "status", "started_at", "expires_at", "cancelled_at", "paid_off")
    readonly_fields = fields
    actions = ["cancel_at_period_end", "end_now"]

    def has_change_permission(self, request, obj=None):
        # Needed for the actions; every field is read-only.
        return request.user.has_perm("rewards.change_membership")

    @admin.display(description=_("fees and savings"))
    def paid_off(self, membership):
        answer = membership_status(membership.member, program_get())
        return gettext("Fees paid %(fees)s, saved %(saved)s on %(orders)d orders: %(net)s %(currency)s.") % {
            "fees": answer.fees_paid,
            "saved": answer.savings.total,
            "orders": answer.savings.orders,
            "net": answer.net,
            "currency": answer.currency,
        }

    def _cancel(self, request, queryset, *, immediately):
        for membership in queryset.select_related("member"):
            membership_cancel(member=membership.member, immediately=immediately)
        self.message_user(
            request, gettext("Cancelled %(count)d memberships.") % {"count": len(queryset)}, level=messages.SUCCESS
        )

    @admin.action(description=_("Cancel: end with the period paid for"), permissions=["change"])
    def cancel_at_period_end(self, request, queryset):
        self._cancel(request, queryset, immediately=False)

    @admin.action(description=_("Cancel and end now"), permissions=["change"])
    def end_now(self, request, queryset):
        self._cancel(request, queryset, immediately=True)


@admin.register(MembershipPayment)
class MembershipPaymentAdmin(ReadOnlyAdmin):
    list_display = ("paid_at", "member", "plan", "kind", "fee", "currency", "period_end", "storefront", "number")
    list_filter = ("kind", "plan", "storefront")
    list_select_related = ("member", "plan", "storefront")
    search_fields = ("number", "member__external_id", "member__email")
    ordering = ("-paid_at", "-id")


@admin.register(MembershipSaving)
class MembershipSavingAdmin(ReadOnlyAdmin):
    list_display = ("order", "member", "plan", "status", "discount_kept", "shipping_kept", "points_kept", "counted_at")
    list_filter = ("status", "plan")
    list_select_related = ("order", "member", "plan")
    search_fields = ("member__external_id", "order__number")


# Prize draws


@admin.register(PrizeDraw)
class PrizeDrawAdmin(ObjectToolsMixin, admin.ModelAdmin):
    list_display = ("name_en", "opens_at", "closes_at", "draw_at", "entry_cost_points", "winners_count", "drawn_at")
    list_filter = ("is_active",)
    list_select_related = ("prize",)
    search_fields = ("name_en", "name_ru")
    object_tools = (
        ObjectTool(
            "grant-tickets",
            "grant_tickets_view",
            _("Grant tickets"),
            "rewards.add_drawentry",
            shown_for=lambda draw: draw.drawn_at is None,
        ),
    )
    fieldsets = (
        (None, {"fields": ("name_en", "name_ru", "description_en", "description_ru", "is_active")}),
        (_("Tickets"), {"fields": ("entry_cost_points", "max_tickets_per_member", "opens_at", "closes_at")}),
        (_("Draw"), {"fields": ("draw_at", "winners_count", "prize", "drawn_at", "draw_log_display")}),
    )
    readonly_fields = ("drawn_at", "draw_log_display")

    def get_readonly_fields(self, request, obj=None):
        # A drawn draw is history: what it was drawn from must not change.
        if obj is not None and obj.drawn_at is not None:
            return [field.name for field in PrizeDraw._meta.fields] + ["draw_log_display"]
        return super().get_readonly_fields(request, obj)

    @admin.display(description=_("draw log"))
    def draw_log_display(self, draw):
        if draw.draw_log is None:
            return "—"
        return format_html("<pre>{}</pre>", json.dumps(draw.draw_log, indent=1))

    def grant_tickets_view(self, request, draw):
        form = DrawTicketsGrantForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                entry = draw_tickets_grant(draw=draw, staff_user=request.user, **form.cleaned_data)
            except ValidationError as error:
                _add_service_errors(form, error, {"note": "note", "tickets": "tickets"})
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    gettext("%(member)s got %(tickets)d tickets.") % {"member": entry.member, "tickets": entry.tickets},
                )
                return change_page_redirect(draw)
        return self.render_object_form(
            request, draw, form, title=gettext("Grant tickets"), submit_label=gettext("Grant")
        )


@admin.register(DrawEntry)
class DrawEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "draw", "member", "tickets", "staff_user", "note")
    list_filter = ("draw",)
    list_select_related = ("draw", "member", "staff_user")
    search_fields = ("member__external_id", "member__email")
    ordering = ("-created_at", "-id")


# Charity


@admin.register(Cause)
class CauseAdmin(ObjectToolsMixin, admin.ModelAdmin):
    """The causes with what members gave and what is left to transfer."""

    list_display = ("name_en", "is_active", "donated_points", "donated_value", "transferred_value", "to_transfer_value")
    list_filter = ("is_active",)
    object_tools = (
        ObjectTool("record-transfer", "record_transfer_view", _("Record a transfer"), "rewards.record_transfer"),
    )
    search_fields = ("name_en", "name_ru")
    fields = ("name_en", "name_ru", "description_en", "description_ru", "min_points", "is_active")

    def get_queryset(self, request):
        return causes_with_totals()

    @admin.display(description=_("donated, points"), ordering="donated_points")
    def donated_points(self, cause):
        return cause.donated_points

    @admin.display(description=_("donated"), ordering="donated_value")
    def donated_value(self, cause):
        return cause.donated_value

    @admin.display(description=_("transferred"), ordering="transferred_value")
    def transferred_value(self, cause):
        return cause.transferred_value

    @admin.display(description=_("to transfer"), ordering="to_transfer_value")
    def to_transfer_value(self, cause):
        return cause.to_transfer_value

    def record_transfer_view(self, request, cause):
        """Staff paid the cause what is left to transfer: record it, and the
        donations it covers are marked as transferred."""
        form = CharityTransferForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                transfer = charity_transfer_record(
                    cause=cause, staff_user=request.user, reference=form.cleaned_data["reference"]
                )
            except ValidationError as error:
                _add_service_errors(form, error, {"reference": "reference"})
            else:
                if transfer is None:
                    messages.warning(request, gettext("Nothing is left to transfer to this cause."))
                else:
                    messages.success(
                        request,
                        gettext("Recorded a transfer of %(amount)s %(currency)s.")
                        % {"amount": transfer.amount, "currency": transfer.currency},
                    )
                return change_page_redirect(cause)
        return self.render_object_form(
            request,
            cause,
            form,
            title=gettext("Record a transfer of %(amount)s") % {"amount": cause.to_transfer_value},
            submit_label=gettext("Record"),
        )


@admin.register(Donation)
class DonationAdmin(ReadOnlyAdmin):
    list_display = ("donated_at", "cause", "member", "points", "value", "currency", "transfer")
    list_filter = ("cause", ("transfer", admin.EmptyFieldListFilter))
    list_select_related = ("cause", "member", "transfer")
    search_fields = ("member__external_id", "member__email")
    ordering = ("-donated_at", "-id")


@admin.register(CharityTransfer)
class CharityTransferAdmin(ReadOnlyAdmin):
    list_display = ("transferred_at", "cause", "amount", "currency", "points", "reference", "staff_user")
    list_filter = ("cause",)
    list_select_related = ("cause", "staff_user")
    ordering = ("-transferred_at", "-id")
