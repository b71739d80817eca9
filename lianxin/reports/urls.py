"""Pages of the monthly thought-dynamics reports, mounted at /reports/."""

from lianxin.reports.views import urlpatterns

__all__ = ["urlpatterns"]
