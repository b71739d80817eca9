from lianxin.org.views import account, home, moves, people, roster, units

urlpatterns = [
    *home.urlpatterns,
    *units.urlpatterns,
    *people.urlpatterns,
    *roster.urlpatterns,
    *moves.urlpatterns,
    *account.urlpatterns,
]
