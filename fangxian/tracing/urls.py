from django.urls import path

from . import views

app_name = "tracing"
urlpatterns: list = []
