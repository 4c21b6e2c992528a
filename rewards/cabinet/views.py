"""rewards' cabinet pages: the catalog, redeeming with a confirmation step,
my coupons. Reads in ``rewards.cabinet.selectors``; the purchase is
``rewards.catalog.services.reward_redeem``."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from loyalty.exceptions import DomainError
from loyalty.selectors import account_get, program_get
from members.cabinet.auth import member_required

from ..catalog.services import reward_redeem
from .forms import RedeemForm
from .selectors import catalog_for_member, catalog_item_get, coupon_get, coupons_of


@member_required
@require_GET
def catalog(request):
    return render(
        request,
        "cabinet/rewards/catalog.html",
        {
            "items": catalog_for_member(request.member, now=timezone.now()),
            "available": max(account_get(request.member).available, 0),
            "currency": program_get().currency,
        },
    )


@member_required
@require_http_methods(["GET", "POST"])
def redeem(request, reward_id):
    now = timezone.now()
    item = catalog_item_get(request.member, reward_id, now=now)
    form = RedeemForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            coupon = reward_redeem(
                member=request.member,
                reward=item["reward"],
                now=now,
                idempotency_key=f"cabinet:{form.cleaned_data['request_id']}",
            )
        except DomainError as refused:
            error = str(refused.message)
        else:
            messages.success(request, _("Done! Here is your coupon."))
            return redirect("cabinet_rewards:coupon", pk=coupon.pk)
    return render(
        request,
        "cabinet/rewards/redeem.html",
        {
            "item": item,
            "form": form,
            "error": error,
            "available": max(account_get(request.member).available, 0),
            "currency": program_get().currency,
        },
        status=409 if error else 200,
    )


@member_required
@require_GET
def coupons(request):
    now = timezone.now()
    items = [(coupon, coupon.status_at(now)) for coupon in coupons_of(request.member)]
    return render(request, "cabinet/rewards/coupons.html", {"items": items})


@member_required
@require_GET
def coupon(request, pk):
    coupon = coupon_get(request.member, pk)
    return render(
        request, "cabinet/rewards/coupon.html", {"coupon": coupon, "status": coupon.status_at(timezone.now())}
    )
