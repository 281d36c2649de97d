from django.urls import path

from . import views

app_name = "supplies"
urlpatterns = [
    path("", views.stock, name="stock"),
    path("items/", views.items, name="items"),
    path("items/<id:pk>/", views.item_edit, name="item_edit"),
    path("stores/", views.stores, name="stores"),
    path("movements/", views.movements, name="movements"),
    path("movements/new/", views.record, name="record"),
    path("movements/<id:pk>/reverse/", views.reverse_movement, name="reverse"),
    path("donations/<id:pk>/", views.donation, name="donation"),
    path("donations/<id:pk>/receipt.pdf", views.receipt_pdf, name="receipt_pdf"),
    path("public/", views.public_ledger, name="public"),
]
