from django.urls import path

from . import table_views

urlpatterns = [
    path("table/", table_views.table, name="table"),
    path("labels/", table_views.label_sheets, name="labels"),
]
