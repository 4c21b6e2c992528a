"""The tiers and rewards part of the storefront API, mounted under /api/v1/ by config/urls.py
(loyalty's API must not import rewards)."""

from django.urls import path

from . import catalog, views

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
]
