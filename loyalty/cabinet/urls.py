"""loyalty's cabinet pages under /account/ (config/urls.py)."""

from django.urls import path

from . import views

app_name = "cabinet_points"

urlpatterns = [
    path("history/", views.history, name="history"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("gift/", views.gift, name="gift"),
    path("gift/confirm/", views.gift_confirm, name="gift_confirm"),
]
