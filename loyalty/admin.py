"""Merchant admin for the program settings, storefronts and the points ledger.

The ledger is written only by ``loyalty.services.ledger``: here staff read
it, and change it only through the manual adjustment page, which calls the
service like any other client. Ledger tables grow to tens of millions of
rows, so their lists never count the whole table nor sort by unindexed
columns.
"""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from members import admin as members_admin
from members.admin import EstimatedCountPaginator, ObjectTool, ObjectToolsMixin, change_page_redirect
from members.models import Member

from .exceptions import DomainError
from .forms import ApiKeyCreateForm, PointsAdjustmentForm, ProgramForm
from .models import ApiKey, Entry, Hold, Lot, Program, Storefront
from .selectors import account_get, entries_for, holds_active_for, lots_open_for, program_get
from .services.ledger import points_adjust
from .services.storefronts import api_key_create, api_key_revoke

# How many rows of each ledger section the member's change page shows; the
# section links to the full list.
MEMBER_PAGE_ROWS = 20


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    """The program settings: one row, so the list goes straight to it and rows
    are never added or deleted. The form runs the model's validation, so
    Program.clean() refuses contradictory settings."""

    form = ProgramForm
    fieldsets = (
        (_("General"), {"fields": ("name", "currency", "points_name", "point_value")}),
        (
            _("Earning"),
            {
                "fields": (
                    "earn_rule",
                    "earn_points",
                    "earn_step",
                    "cashback_percent",
                    "min_earning_order_amount",
                    "excluded_categories",
                    "shipping_earns",
                )
            },
        ),
        (_("Redemption"), {"fields": ("redemption_cap_percent", "min_redemption_points")}),
        (
            _("Pending and expiry"),
            {"fields": ("pending_days", "expiry_policy", "expiry_days", "expiry_months", "inactivity_expiry_days")},
        ),
        (_("Time zone and rounding"), {"fields": ("time_zone", "rounding")}),
        (_("Returns and holds"), {"fields": ("negative_balance_policy", "hold_timeout_minutes")}),
        (_("Personal cabinet"), {"fields": ("logo_url", "brand_colour", "accent_colour")}),
        (
            _("Gifts between members"),
            {"fields": ("gifts_enabled", "gift_min_points", "gift_max_points", "gift_monthly_limit")},
        ),
    )

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return change_page_redirect(program_get())

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ApiKeyInline(admin.TabularInline):
    """The storefront's keys, read-only: a key is created on its own page
    (its secret is shown once) and revoked from the API key list."""

    model = ApiKey
    fields = ("name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Storefront)
class StorefrontAdmin(ObjectToolsMixin, admin.ModelAdmin):
    """Storefronts and their API keys. A storefront is plain settings: the
    form runs the model's validation, as storefront_create does, and the
    admin saves it (there is no service for editing one)."""

    list_display = ("name", "code", "kind", "is_active", "created_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")
    inlines = (ApiKeyInline,)
    object_tools = (ObjectTool("create-api-key", "create_api_key_view", _("Create API key"), "loyalty.add_apikey"),)

    def create_api_key_view(self, request, storefront):
        """Create a key and show it once, in a message: only its digest is stored."""
        form = ApiKeyCreateForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            api_key, key = api_key_create(storefront=storefront, name=form.cleaned_data["name"])
            messages.warning(
                request,
                gettext(
                    "The API key “%(name)s” was created. Copy it now: it is not stored and will not be shown again. "
                    "%(key)s"
                )
                % {"name": api_key.name, "key": key},
            )
            return change_page_redirect(storefront)
        return self.render_object_form(
            request, storefront, form, title=gettext("Create API key"), submit_label=gettext("Create")
        )


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created from their storefront's page and never edited or
    deleted: a key that leaked or is no longer used is revoked, and stays
    listed as evidence of who could call the API when."""

    list_display = ("name", "storefront", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("storefront", ("revoked_at", admin.EmptyFieldListFilter))
    list_select_related = ("storefront",)
    search_fields = ("prefix", "name")
    actions = ("revoke",)

    @admin.action(description=_("Revoke selected API keys"), permissions=["revoke"])
    def revoke(self, request, queryset):
        keys = list(queryset.filter(revoked_at__isnull=True))
        for api_key in keys:
            api_key_revoke(api_key=api_key)
        self.message_user(
            request,
            ngettext("%(count)d API key was revoked.", "%(count)d API keys were revoked.", len(keys))
            % {"count": len(keys)},
            messages.SUCCESS,
        )

    def has_revoke_permission(self, request):
        return request.user.has_perm("loyalty.change_apikey")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LedgerAdmin(admin.ModelAdmin):
    """Read-only lists of the ledger. The journal is append-only and lots and
    holds are its state, so nobody adds, changes or deletes them here. On
    tens of millions of rows: no full counts, related rows joined into the
    page's one query, and the list sorted only by its primary key."""

    show_full_result_count = False
    paginator = EstimatedCountPaginator
    ordering = ("-id",)
    sortable_by = ()

    @admin.display(description=_("member"))
    def member(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:members_member_change", args=[obj.account_id]), obj.account.member
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Entry)
class EntryAdmin(LedgerAdmin):
    list_display = ("occurred_at", "member", "kind", "signed_points", "order", "reason", "staff_user")
    list_filter = ("kind", "occurred_at")
    list_select_related = ("account__member", "order__storefront", "staff_user")

    @admin.display(description=_("points"))
    def signed_points(self, entry):
        return f"{entry.signed_points:+d}"


class OpenLotFilter(admin.SimpleListFilter):
    title = _("points left")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No, spent or expired"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(remaining__gt=0)
        if self.value() == "no":
            return queryset.filter(remaining=0)
        return queryset


@admin.register(Lot)
class LotAdmin(LedgerAdmin):
    list_display = (
        "id",
        "member",
        "remaining",
        "amount",
        "expired",
        "is_pending",
        "available_at",
        "expires_at",
        "order",
    )
    list_filter = (OpenLotFilter, "is_pending", "expires_at")
    list_select_related = ("account__member", "order__storefront")


@admin.register(Hold)
class HoldAdmin(LedgerAdmin):
    list_display = ("id", "member", "points", "status", "order", "created_at", "expires_at", "resolved_at")
    list_filter = ("status", "created_at")
    list_select_related = ("account__member", "order__storefront")


def _changelist_url(request, model, **params):
    """The filtered list of ``model``, or None if the user may not see it."""
    opts = model._meta
    if not request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
        return None
    return f"{reverse(f'admin:{opts.app_label}_{opts.model_name}_changelist')}?{urlencode(params)}"


admin.site.unregister(Member)


@admin.register(Member)
class MemberAdmin(members_admin.MemberAdmin):
    """The member admin with the member's points: balances, the latest ledger
    entries, open lots and active holds on the change page, each linked to
    its full list, and the manual adjustment page. It lives here because
    loyalty may know about members but not the other way round."""

    change_form_template = "admin/loyalty/member/change_form.html"
    object_tools = (
        *members_admin.MemberAdmin.object_tools,
        ObjectTool("adjust-points", "adjust_points_view", _("Adjust points"), "loyalty.adjust_points"),
    )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["points"] = {
                "account": account_get(obj),
                "entries": entries_for(obj).select_related("order__storefront", "staff_user")[:MEMBER_PAGE_ROWS],
                "lots": lots_open_for(obj).select_related("order__storefront")[:MEMBER_PAGE_ROWS],
                "holds": holds_active_for(obj).select_related("order__storefront")[:MEMBER_PAGE_ROWS],
                "entries_url": _changelist_url(request, Entry, account=obj.pk),
                "lots_url": _changelist_url(request, Lot, account=obj.pk, open="yes"),
                "holds_url": _changelist_url(request, Hold, account=obj.pk, status__exact=Hold.Status.ACTIVE),
            }
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def adjust_points_view(self, request, member):
        """Credit or debit points by hand. The ledger service decides: what it
        refuses (a debit beyond the available points, say) comes back as a
        form error."""
        form = PointsAdjustmentForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                entry = points_adjust(
                    member=member,
                    points=form.signed_points,
                    staff_user=request.user,
                    reason=form.cleaned_data["reason"],
                    idempotency_key=form.idempotency_key,
                )
            except DomainError as error:
                field = error.details.get("field")
                form.add_error(field if field in form.fields else None, str(error.message))
            else:
                messages.success(
                    request,
                    gettext("%(points)+d points were recorded for %(member)s.")
                    % {"points": entry.signed_points, "member": member},
                )
                return change_page_redirect(member)
        return self.render_object_form(
            request,
            member,
            form,
            title=gettext("Adjust points"),
            submit_label=gettext("Adjust"),
            template="admin/loyalty/adjust_points.html",
            account=account_get(member),
        )
