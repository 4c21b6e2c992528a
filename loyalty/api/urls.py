"""The storefront API under /api/: the OpenAPI schema, its docs, and version 1."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import members

app_name = "api"

v1 = [
    # Before members/<external_id>, which would take "lookup" for an external id.
    path("members/lookup", members.MemberLookupView.as_view(), name="member-lookup"),
    path("members/<str:external_id>", members.MemberView.as_view(), name="member"),
    path("members/<str:external_id>/entries", members.MemberEntriesView.as_view(), name="member-entries"),
    path("members/<str:external_id>/consents", members.MemberConsentsView.as_view(), name="member-consents"),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("v1/", include(v1)),
]
