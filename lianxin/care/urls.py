"""Care pages, mounted under /care/."""

from lianxin.care.views import consents, contacts, coverage, due, events, key, referrals, violations

urlpatterns = [
    *contacts.urlpatterns,
    *due.urlpatterns,
    *coverage.urlpatterns,
    *events.urlpatterns,
    *key.urlpatterns,
    *violations.urlpatterns,
    *referrals.urlpatterns,
    *consents.urlpatterns,
]
