from django.urls import path

from . import views

app_name = "casework"
urlpatterns = [
    path("rates/", views.rate_table, name="rates"),
]
