from django.urls import path

from lianxin.org import views

urlpatterns = [
    path("", views.home, name="home"),
]
