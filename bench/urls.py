"""The product's URLs plus the benchmark's two baselines under /api/bench/."""

from django.urls import path

from config.urls import handler404, handler500
from config.urls import urlpatterns as product_urlpatterns

from .views import NoopView, WriteView

urlpatterns = [
    path("api/bench/noop", NoopView.as_view(), name="bench-noop"),
    path("api/bench/write", WriteView.as_view(), name="bench-write"),
    *product_urlpatterns,
]

__all__ = ["handler404", "handler500", "urlpatterns"]
