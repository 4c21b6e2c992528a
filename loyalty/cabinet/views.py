"""loyalty's cabinet pages: history, orders, gifts of points. Thin: reads in
``loyalty.cabinet.selectors``, the gift in ``loyalty.services.gifts``."""

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from members.cabinet.auth import member_required
from members.cabinet.numbers import public_name

from ..exceptions import DomainError
from ..rules import end_of_local_day
from ..selectors import account_get, program_get
from ..services.gifts import gift_limits, gift_recipient_find, points_gift
from .forms import GiftConfirmForm, GiftForm, HistoryFilterForm
from .selectors import explain_entries, history_entries, member_order_get, member_orders, order_entries

PAGE_SIZE = 20


@member_required
@require_GET
def history(request):
    program = program_get()
    form = HistoryFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters["kind"] = data["kind"] or None
        if data["date_from"]:
            filters["occurred_after"] = end_of_local_day(data["date_from"], program) - datetime.timedelta(days=1)
        if data["date_to"]:
            filters["occurred_before"] = end_of_local_day(data["date_to"], program)
    page = Paginator(history_entries(request.member, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cabinet/loyalty/history.html",
        {"form": form, "page": page, "rows": explain_entries(page.object_list), "query": query.urlencode()},
    )


@member_required
@require_GET
def orders(request):
    page = Paginator(member_orders(request.member), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cabinet/loyalty/orders.html", {"page": page, "currency": program_get().currency})


@member_required
@require_GET
def order_detail(request, pk):
    order = member_order_get(request.member, pk)
    return render(
        request,
        "cabinet/loyalty/order_detail.html",
        {"order": order, "rows": explain_entries(order_entries(request.member, order))},
    )


def _gift_page(request, form, *, status=200):
    program = program_get()
    return render(
        request,
        "cabinet/loyalty/gift.html",
        {
            "form": form,
            "limits": gift_limits(request.member, program, now=timezone.now()),
            "available": max(account_get(request.member).available, 0),
        },
        status=status,
    )


@member_required
@require_http_methods(["GET", "POST"])
def gift(request):
    """Step 1: who and how much. A valid form leads to the confirmation page."""
    form = GiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        recipient = gift_recipient_find(form.cleaned_data["recipient"])
        if recipient is None or recipient.pk == request.member.pk:
            form.add_error("recipient", _("No other member has this email or member number."))
        else:
            confirm = GiftConfirmForm(
                initial={"recipient": form.cleaned_data["recipient"], "points": form.cleaned_data["points"]}
            )
            return render(
                request,
                "cabinet/loyalty/gift_confirm.html",
                {"form": confirm, "recipient": public_name(recipient), "points": form.cleaned_data["points"]},
            )
    return _gift_page(request, form)


@member_required
@require_POST
def gift_confirm(request):
    """Step 2: send. The request id makes a resubmitted confirmation send once."""
    form = GiftConfirmForm(request.POST)
    if not form.is_valid():
        return _gift_page(request, GiftForm(request.POST), status=400)
    recipient = gift_recipient_find(form.cleaned_data["recipient"])
    try:
        points_gift(
            sender=request.member,
            recipient=recipient,
            points=form.cleaned_data["points"],
            idempotency_key=form.idempotency_key,
        )
    except DomainError as error:
        retry = GiftForm(request.POST)
        retry.is_valid()
        retry.add_error(None, str(error.message))
        return _gift_page(request, retry, status=409)
    messages.success(
        request,
        _("You gave %(points)s points to %(member)s.")
        % {"points": form.cleaned_data["points"], "member": public_name(recipient)},
    )
    return redirect("cabinet_points:history")
