"""rewards' cabinet pages under /account/ (config/urls.py)."""

from django.urls import path

from . import views

app_name = "cabinet_rewards"

urlpatterns = [
    path("rewards/", views.catalog, name="catalog"),
    path("rewards/<int:reward_id>/redeem/", views.redeem, name="redeem"),
    path("coupons/", views.coupons, name="coupons"),
    path("coupons/<int:pk>/", views.coupon, name="coupon"),
]
