from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("residents/", views.resident_list, name="residents"),
    path("residents/new/", views.resident_edit, name="resident_new"),
    path("residents/<id:pk>/", views.resident_detail, name="resident"),
    path("residents/<id:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<id:pk>/move-out/", views.resident_move_out, name="resident_move_out"),
    path("residents/<id:pk>/reveal/<str:field>/", views.reveal, name="reveal"),
    path("residents/<id:pk>/photo/", views.resident_photo, name="resident_photo"),
    path("households/<id:pk>/", views.household, name="household"),
    path("households/<id:pk>/link/<str:action>/", views.household_link, name="household_link"),
    path("import/", views.import_upload, name="import"),
    path("import/<id:pk>/", views.import_preview, name="import_preview"),
    path("import/<id:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<id:pk>/errors.xlsx", views.import_errors, name="import_errors"),
    path("import/template/<str:kind>.xlsx", views.import_template, name="import_template"),
]
