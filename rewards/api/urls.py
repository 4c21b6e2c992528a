"""The tiers part of the storefront API, mounted under /api/v1/ by config/urls.py
(loyalty's API must not import rewards)."""

from django.urls import path

from . import views

app_name = "rewards_api"

urlpatterns = [
    path("tiers", views.TiersView.as_view(), name="tiers"),
    path("members/<str:external_id>/tier", views.MemberTierView.as_view(), name="member-tier"),
]
