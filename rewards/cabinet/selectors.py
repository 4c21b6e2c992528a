"""Reads of rewards for the cabinet, always through the member: a coupon or
reward the member may not see does not exist here (404)."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from ..catalog.selectors import member_coupons, rewards_for_member
from ..models import Coupon, Tier


def catalog_for_member(member, *, now):
    return rewards_for_member(member, now=now)


def catalog_item_get(member, reward_id, *, now):
    """The catalog item of a reward this member may see (active, in its window,
    allowed by their tier), or 404."""
    for item in rewards_for_member(member, now=now):
        if item["reward"].pk == reward_id:
            return item
    raise Http404("No such reward.")


def coupons_of(member):
    return member_coupons(member)


def coupon_get(member, pk):
    return get_object_or_404(Coupon.objects.select_related("reward", "order"), pk=pk, member=member)


def tiers_public():
    return list(Tier.objects.order_by("position"))
