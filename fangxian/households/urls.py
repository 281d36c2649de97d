from django.urls import path

from . import views

app_name = "households"
urlpatterns = [
    path("<str:token>/", views.page, name="page"),
    path("<str:token>/errand/", views.ask_errand, name="ask_errand"),
    path("<str:token>/order/", views.order, name="order"),
]
