from django.urls import path

from . import views

app_name = "errands"
urlpatterns = [
    path("", views.errand_list, name="list"),
    path("new/", views.take_call, name="new"),
    path("mine/", views.mine, name="mine"),
    path("<id:pk>/", views.errand_detail, name="errand"),
    path("<id:pk>/claim/", views.claim, name="claim"),
    path("<id:pk>/deliver/", views.deliver, name="deliver"),
    path("<id:pk>/repay/", views.repay, name="repay"),
    path("<id:pk>/close/", views.close, name="close"),
    path("<id:pk>/cancel/", views.cancel, name="cancel"),
    path("<id:pk>/photo/", views.photo, name="photo"),
    path("<id:pk>/supplies/", views.issue_supplies, name="supplies"),
]
