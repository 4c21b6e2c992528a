"""Merchant admin for members.

The member list holds up to millions of rows, so it never counts the whole
table, searches through indexes instead of ``icontains`` over every column,
and sorts only by indexed columns. Profiles and consents are written through
``members.services``, so the admin obeys the same rules as the API and shows
their errors next to the fields.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .cabinet.services import profile_changes_log
from .models import Channel, ConsentPurpose, ConsentText, Credentials, Member
from .selectors import consent_history, member_events, member_search
from .services import PROFILE_FIELDS, consent_record, member_enrol, member_update


class EstimatedCountPaginator(Paginator):
    """Counts an unfiltered list from PostgreSQL's planner statistics.

    ``COUNT(*)`` reads the whole table, which on millions of rows costs more
    than the page itself; pagination only needs the order of magnitude.
    Filtered lists, small tables (where the statistics may be stale but a
    count is cheap) and other databases get an exact count.
    """

    estimate_from = 10_000

    @cached_property
    def count(self):
        if not self.object_list.query.where:
            estimate = _estimated_row_count(self.object_list)
            if estimate is not None and estimate >= self.estimate_from:
                return estimate
        return super().count


def _estimated_row_count(queryset):
    """pg_class.reltuples of the queryset's table, or None where there is none."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(queryset.model._meta.db_table)],
        )
        row = cursor.fetchone()
    # reltuples is -1 until the table is first vacuumed or analysed.
    return int(row[0]) if row is not None and row[0] >= 0 else None


def change_page_redirect(obj):
    opts = obj._meta
    return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))


@dataclass(frozen=True)
class ObjectTool:
    """A page that acts on one object with a small form, linked above the
    object's change form, at ``<object id>/<route>/``.

    ``view`` names the admin's method that serves it, called with the
    request and the object. It is open to staff with ``permission`` who may
    view the object (without a permission: to those who may change it); the
    link shows where ``shown_for(obj)`` also holds.
    """

    route: str
    view: str
    label: str
    permission: str | None = None
    shown_for: Callable = field(default=lambda obj: True)


class ObjectToolsMixin:
    """Pages that act on one object with a small form (record a consent,
    adjust points, create an API key), declared as ``object_tools``, linked
    above the object's change form and drawn in the admin's look with its
    breadcrumbs. A subclass adds its own: ``object_tools = (*Parent.object_tools, ObjectTool(...))``."""

    change_form_template = "admin/change_form_with_tools.html"
    object_form_template = "admin/object_form.html"
    object_tools = ()

    def _tool_url_name(self, tool):
        return f"{self.opts.app_label}_{self.opts.model_name}_{tool.route.replace('-', '_')}"

    def get_urls(self):
        tools = [
            path(
                f"<path:object_id>/{tool.route}/",
                self.admin_site.admin_view(functools.partial(self._tool_view, tool)),
                name=self._tool_url_name(tool),
            )
            for tool in self.object_tools
        ]
        return [*tools, *super().get_urls()]

    def may_use_tool(self, request, tool, obj):
        if tool.permission is None:
            return self.has_change_permission(request, obj)
        return self.has_view_permission(request, obj) and request.user.has_perm(tool.permission)

    def get_object_tools(self, request, obj):
        """[(url, label)] of the pages linked above ``obj``'s change form."""
        return [
            (reverse(f"admin:{self._tool_url_name(tool)}", args=[obj.pk]), tool.label)
            for tool in self.object_tools
            if tool.shown_for(obj) and self.may_use_tool(request, tool, obj)
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["object_tools"] = self.get_object_tools(request, obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def _tool_view(self, tool, request, object_id):
        """The tool's page for the object; 404 if it does not exist, 403 unless the tool is open to the user."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(gettext("%(name)s does not exist.") % {"name": self.opts.verbose_name})
        if not self.may_use_tool(request, tool, obj):
            raise PermissionDenied
        return getattr(self, tool.view)(request, obj)

    def render_object_form(self, request, obj, form, *, title, submit_label, template=None, **context):
        return TemplateResponse(
            request,
            template or self.object_form_template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": obj,
                "title": title,
                "form": form,
                "submit_label": submit_label,
                "media": self.media + form.media,
                **context,
            },
        )


class MemberForm(forms.ModelForm):
    """The member's profile, saved through ``member_enrol`` / ``member_update``.

    The services validate and write in one step (a unique email can be taken
    between a separate check and the write), so this form calls them where a
    model form would run model validation, and their field errors become the
    form's. The member admin has no inline formsets (the consent history is a
    read-only section), so a valid form is always the final word and this
    write is the request's only one.
    """

    class Meta:
        model = Member
        fields = PROFILE_FIELDS
        # The service checks the email along with every other field, so all
        # bad fields are reported at once.
        field_classes = {"email": forms.CharField}

    def _post_clean(self):
        if self.errors:
            return
        try:
            if self.instance.pk is None:
                profile = {field: self.cleaned_data[field] for field in PROFILE_FIELDS if field in self.cleaned_data}
                self.instance = member_enrol(channel=Channel.STAFF, **profile)
            elif changes := {field: self.cleaned_data[field] for field in self.changed_data if field in PROFILE_FIELDS}:
                before = {field: getattr(self.instance, field) for field in changes}
                member_update(member=self.instance, **changes)
                # Staff's changes join the member's event log, old and new values (a birth date, say).
                profile_changes_log(self.instance, before, channel=Channel.STAFF)
        except ValidationError as error:
            self.add_error(None, error)


class ConsentRecordForm(forms.Form):
    purpose = forms.ChoiceField(label=_("consent"), choices=ConsentPurpose.choices)
    granted = forms.TypedChoiceField(
        label=_("decision"),
        choices=[("granted", _("Granted")), ("withdrawn", _("Withdrawn"))],
        coerce=lambda value: value == "granted",
        widget=forms.RadioSelect,
    )
    text_version = forms.CharField(
        label=_("text version"),
        max_length=32,
        required=False,
        help_text=_(
            "The version of the consent text the member agreed to; required for a grant of personal data processing."
        ),
    )


@admin.register(Member)
class MemberAdmin(ObjectToolsMixin, admin.ModelAdmin):
    """Members, found by what staff have at hand. The change page shows the
    consent history read-only, newest first; a record is legal evidence and
    never changes, so a new grant or withdrawal is added on its own page."""

    form = MemberForm
    change_form_template = "admin/members/member/change_form.html"
    object_tools = (ObjectTool("record-consent", "record_consent_view", _("Record consent")),)
    list_display = ("external_id", "name", "email", "phone", "status", "enrolled_at", "enrolment_channel")
    list_filter = ("status", "enrolment_channel")
    # Sorting by an unindexed column would sort the whole table for one page.
    sortable_by = ("external_id", "phone", "enrolled_at")
    # A non-empty search_fields shows the search box; get_search_results does the searching.
    search_fields = ("external_id",)
    search_help_text = _(
        "External id, email or phone, or the beginning of the last name, optionally followed by the first name."
    )
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    add_fieldsets = ((None, {"fields": PROFILE_FIELDS}),)
    fieldsets = (
        (None, {"fields": PROFILE_FIELDS}),
        (
            _("Enrolment"),
            {"fields": ("status", "enrolled_at", "enrolment_channel", "enrolment_storefront", "updated_at")},
        ),
    )
    readonly_fields = ("status", "enrolled_at", "enrolment_channel", "enrolment_storefront", "updated_at")

    @admin.display(description=_("name"))
    def name(self, member):
        return member.full_name

    def get_search_results(self, request, queryset, search_term):
        return member_search(search_term, queryset=queryset), False

    def get_fieldsets(self, request, obj=None):
        return self.fieldsets if obj is not None else self.add_fieldsets

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["consent_records"] = consent_history(obj)
            context["cabinet_credentials"] = Credentials.objects.filter(member=obj).first()
            context["member_events"] = member_events(obj)[:50]
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def save_model(self, request, obj, form, change):
        """Nothing left to do: MemberForm saved the member through the services while validating."""

    def has_delete_permission(self, request, obj=None):
        """Members are anonymised, never deleted: their ledger and consents must stay."""
        return False

    def record_consent_view(self, request, member):
        """Append a grant or withdrawal the member gave to staff (by phone, in a shop, on paper)."""
        form = ConsentRecordForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                consent_record(member=member, channel=Channel.STAFF, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, gettext("The consent was recorded."))
                return change_page_redirect(member)
        return self.render_object_form(
            request, member, form, title=gettext("Record consent"), submit_label=gettext("Record")
        )


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    """The consent texts shoppers agree to in the personal cabinet. A
    published version is evidence of what members agreed to, so it is never
    edited or deleted: publish a new version instead (the latest published
    one is shown at sign-up and recorded with each consent)."""

    list_display = ("purpose", "version", "published_at")
    list_filter = ("purpose",)
    fields = ("purpose", "version", "text_en", "text_ru", "published_at")

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False
