from django.urls import path

from . import views

app_name = "gate"
urlpatterns = [
    path("", views.gates, name="gates"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("<int:pk>/", views.scan_page, name="scan"),
    path("permits/<int:pk>/photo/", views.permit_photo, name="permit_photo"),
]
