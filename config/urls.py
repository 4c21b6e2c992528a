from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("loyalty.api.urls")),
    path("api/v1/", include("rewards.api.urls")),
    # Uploaded files (reward images) in development and the demo; it adds
    # nothing unless DEBUG is on. In production the web server in front serves
    # MEDIA_ROOT at MEDIA_URL (docs/operations.md).
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
]

# Under /api/ the error pages answer in the API's JSON error format.
handler404 = "loyalty.api.errors.not_found"
handler500 = "loyalty.api.errors.server_error"
