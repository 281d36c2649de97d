from django.urls import path

from . import views

app_name = "stations"
urlpatterns = [
    path("", views.rounds, name="rounds"),
    path("new/", views.new_round, name="new"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("<id:pk>/", views.round_detail, name="round"),
    path("<id:pk>/edit/", views.edit_round, name="edit"),
    path("<id:pk>/packages/", views.add_package, name="add_package"),
    path("<id:pk>/order/", views.take_order, name="take_order"),
    path("<id:pk>/close/", views.close_round, name="close"),
    path("<id:pk>/pick-list.pdf", views.pick_list_pdf, name="pick_list_pdf"),
    path("<id:pk>/pick-list.xlsx", views.pick_list_xlsx, name="pick_list_xlsx"),
    path("<id:pk>/route/", views.route, name="route"),
    path("packages/<id:pk>/", views.edit_package, name="edit_package"),
    path("orders/<id:pk>/cancel/", views.cancel_order, name="cancel"),
]
