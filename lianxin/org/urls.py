from lianxin.org.views import home, people, roster, units

urlpatterns = [*home.urlpatterns, *units.urlpatterns, *people.urlpatterns, *roster.urlpatterns]
