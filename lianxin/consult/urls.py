"""consult pages, mounted under /consult/."""

from django.urls import URLPattern, path

from lianxin.consult import views

urlpatterns: list[URLPattern] = [
    path("", views.meeting_list, name="meeting_list"),
    path("new/", views.meeting_new, name="meeting_new"),
    path("decisions/mine/", views.my_decisions, name="my_decisions"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/items/", views.meeting_add_item, name="meeting_add_item"),
    path("<int:pk>/items/<int:item_pk>/remove/", views.meeting_remove_item, name="meeting_remove_item"),
    path("<int:pk>/items/<int:item_pk>/decisions/", views.meeting_decision, name="meeting_decision"),
    path("<int:pk>/attendees/", views.meeting_attendees, name="meeting_attendees"),
    path("<int:pk>/hold/", views.meeting_hold, name="meeting_hold"),
    path("<int:pk>/close/", views.meeting_close, name="meeting_close"),
    path("<int:pk>/decisions/<int:decision_pk>/done/", views.decision_done, name="decision_done"),
]
