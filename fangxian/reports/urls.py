from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.day, name="day"),
    path("communities/<id:pk>/", views.community_day, name="community"),
    path("communities/<id:pk>/pdf/", views.community_pdf, name="community_pdf"),
    path("streets/<id:pk>/pdf/", views.street_pdf, name="street_pdf"),
    path("streets/<id:pk>/deadline/", views.deadline, name="deadline"),
]
