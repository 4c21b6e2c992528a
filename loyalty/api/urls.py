"""The storefront API under /api/: the OpenAPI schema, its docs, and version 1."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import checkout, members, orders

app_name = "api"

v1 = [
    # Before members/<external_id>, which would take "lookup" for an external id.
    path("members/lookup", members.MemberLookupView.as_view(), name="member-lookup"),
    path("members/<str:external_id>", members.MemberView.as_view(), name="member"),
    path("members/<str:external_id>/entries", members.MemberEntriesView.as_view(), name="member-entries"),
    path("members/<str:external_id>/consents", members.MemberConsentsView.as_view(), name="member-consents"),
    path("checkout/calculate", checkout.CalculateView.as_view(), name="checkout-calculate"),
    path("orders", orders.OrderPlaceView.as_view(), name="orders"),
    path("orders/<str:number>", orders.OrderView.as_view(), name="order"),
    path("orders/<str:number>/complete", orders.OrderCompleteView.as_view(), name="order-complete"),
    path("orders/<str:number>/cancel", orders.OrderCancelView.as_view(), name="order-cancel"),
    path("orders/<str:number>/returns", orders.OrderReturnsView.as_view(), name="order-returns"),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("v1/", include(v1)),
]
