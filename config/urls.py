from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("loyalty.api.urls")),
    path("api/v1/", include("rewards.api.urls")),
]

# Under /api/ the error pages answer in the API's JSON error format.
handler404 = "loyalty.api.errors.not_found"
handler500 = "loyalty.api.errors.server_error"
