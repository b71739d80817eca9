"""Care pages, mounted under /care/."""

from lianxin.care.views import contacts, coverage, due

urlpatterns = [
    *contacts.urlpatterns,
    *due.urlpatterns,
    *coverage.urlpatterns,
]
