"""insight pages, mounted under /insight/."""

from django.urls import URLPattern

from lianxin.insight.views import warnings

urlpatterns: list[URLPattern] = [
    *warnings.urlpatterns,
]
