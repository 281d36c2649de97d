from django.urls import path

from . import views

app_name = "casework"
urlpatterns = [
    path("rates/", views.rate_table, name="rates"),
    path("", views.case_list, name="list"),
    path("new/", views.new_case, name="new"),
    path("holidays/", views.holidays, name="holidays"),
    path("holidays/<id:pk>/remove/", views.holiday_remove, name="holiday_remove"),
    path("photos/<id:pk>/", views.photo, name="photo"),
    path("<id:pk>/", views.case_detail, name="case"),
    path("<id:pk>/step/", views.act, name="step"),
    path("<id:pk>/reveal/", views.reveal, name="reveal"),
]
