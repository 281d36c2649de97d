"""Pages of this app."""

from django.urls import include, path

from . import results_views, views

app_name = "testing"
urlpatterns = [
    path("", views.campaign_list, name="campaigns"),
    path("new/", views.create, name="create"),
    path("<id:pk>/", views.campaign_detail, name="campaign"),
    path("<id:pk>/sites/", views.add_site, name="add_site"),
    path("<id:pk>/coverage/", views.coverage_page, name="coverage"),
    path("<id:pk>/calls/", views.call_list, name="calls"),
    path("<id:pk>/calls/<id:resident>/", views.record_call, name="record_call"),
    path("<id:pk>/residents/", views.residents_page, name="residents"),
    path("<id:pk>/residents/<id:resident>/book/", views.staff_book, name="book"),
    path("<id:pk>/residents/<id:resident>/exempt/", views.exempt, name="exempt"),
    path("<id:pk>/complete/", views.complete, name="complete"),
    path("sites/<id:pk>/slots/", views.add_slots, name="add_slots"),
    path("bookings/<id:pk>/cancel/", views.cancel_booking, name="cancel_booking"),
    path("h/<str:token>/", views.household, name="household"),
    path("h/<str:token>/book/", views.household_book, name="household_book"),
    path("h/<str:token>/bookings/<id:pk>/cancel/", views.household_cancel, name="household_cancel"),
    path("results/", results_views.upload, name="results"),
    path("results/<id:pk>/", results_views.result_import, name="result_import"),
    path("results/<id:pk>/apply/", results_views.apply, name="result_apply"),
    path("results/<id:pk>/errors.xlsx", results_views.error_report, name="result_errors"),
    path("recalls/", results_views.recall_list, name="recalls"),
    path("", include("fangxian.testing.table_urls")),
]
