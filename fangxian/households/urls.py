from django.urls import path

from . import views

app_name = "households"
urlpatterns = [
    path("<str:token>/", views.page, name="page"),
    path("<str:token>/errand/", views.ask_errand, name="ask_errand"),
    path("<str:token>/order/", views.order, name="order"),
    path("<str:token>/report/<id:pk>/", views.report, name="report"),
    path("<str:token>/errands/<id:pk>/call-off/", views.call_off_errand, name="call_off_errand"),
    path("<str:token>/orders/<id:pk>/call-off/", views.call_off_order, name="call_off_order"),
]
