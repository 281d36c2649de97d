from django.urls import path

from . import results_views

app_name = "testing"
urlpatterns: list = [
    path("results/", results_views.upload, name="results"),
    path("results/<id:pk>/", results_views.result_import, name="result_import"),
    path("results/<id:pk>/apply/", results_views.apply, name="result_apply"),
    path("results/<id:pk>/errors.xlsx", results_views.error_report, name="result_errors"),
    path("recalls/", results_views.recall_list, name="recalls"),
]
