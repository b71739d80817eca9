"""Top-level URLs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from lianxin.api.urls import api

urlpatterns = [
    path("", include("lianxin.org.urls")),
    path("appeals/", include("lianxin.appeals.urls")),
    path("care/", include("lianxin.care.urls")),
    path("insight/", include("lianxin.insight.urls")),
    path("reports/", include("lianxin.reports.urls")),
    path("consult/", include("lianxin.consult.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
