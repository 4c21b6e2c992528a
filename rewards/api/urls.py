"""The rewards part of the storefront API (tiers, the catalog, memberships,
prize draws, charity), mounted under /api/v1/ by config/urls.py (loyalty's
API must not import rewards)."""

from django.urls import path

from . import catalog, charity, draws, memberships, views

app_name = "rewards_api"

urlpatterns = [
    path("tiers", views.TiersView.as_view(), name="tiers"),
    path("members/<str:external_id>/tier", views.MemberTierView.as_view(), name="member-tier"),
    path("members/<str:external_id>/rewards", catalog.MemberRewardsView.as_view(), name="member-rewards"),
    path(
        "members/<str:external_id>/rewards/<int:reward_id>/redeem",
        catalog.RewardRedeemView.as_view(),
        name="reward-redeem",
    ),
    path("members/<str:external_id>/coupons", catalog.MemberCouponsView.as_view(), name="member-coupons"),
    path("coupons/validate", catalog.CouponValidateView.as_view(), name="coupon-validate"),
    path("membership-plans", memberships.PlansView.as_view(), name="membership-plans"),
    path("members/<str:external_id>/membership", memberships.MembershipView.as_view(), name="membership"),
    path(
        "members/<str:external_id>/membership/purchase",
        memberships.MembershipPurchaseView.as_view(),
        name="membership-purchase",
    ),
    path(
        "members/<str:external_id>/membership/renew", memberships.MembershipRenewView.as_view(), name="membership-renew"
    ),
    path(
        "members/<str:external_id>/membership/cancel",
        memberships.MembershipCancelView.as_view(),
        name="membership-cancel",
    ),
    path("draws", draws.DrawsView.as_view(), name="draws"),
    path("draws/<int:draw_id>", draws.DrawView.as_view(), name="draw"),
    path("members/<str:external_id>/draws", draws.MemberDrawsView.as_view(), name="member-draws"),
    path("members/<str:external_id>/draws/<int:draw_id>/tickets", draws.DrawTicketsView.as_view(), name="draw-tickets"),
    path("causes", charity.CausesView.as_view(), name="causes"),
    path("members/<str:external_id>/donations", charity.MemberDonationsView.as_view(), name="member-donations"),
]
