from django.urls import path

from . import views

app_name = "whistle"
urlpatterns = [
    path("", views.call_list, name="list"),
    path("new/", views.call_new, name="new"),
    path("<id:pk>/", views.call_detail, name="call"),
    path("<id:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<id:pk>/arrive/", views.arrive, name="arrive"),
    path("<id:pk>/outcome/", views.outcome, name="outcome"),
    path("<id:pk>/confirm/", views.confirm, name="confirm"),
    path("<id:pk>/send-back/", views.send_back, name="send_back"),
    path("<id:pk>/photo/", views.photo, name="photo"),
    path("departments/", views.departments, name="departments"),
    path("departments/<id:pk>/", views.department, name="department"),
    path("departments/<id:pk>/members/", views.member_add, name="member_add"),
    path("departments/<id:pk>/members/<id:member>/remove/", views.member_remove, name="member_remove"),
    path("figures/", views.figures, name="figures"),
]
