from django.urls import path

from . import views

app_name = "households"
urlpatterns = [
    path("<str:token>/", views.page, name="page"),
]
