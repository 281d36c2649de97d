from django.urls import path

from . import views

app_name = "inspections"
urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("rounds/new/", views.new_round, name="new_round"),
    path("rounds/<id:pk>/", views.round_detail, name="round"),
    path("rounds/<id:pk>/close/", views.close_round, name="close_round"),
    path("phone/", views.phone, name="phone"),
    path("rectifications/", views.rectifications, name="rectifications"),
    path("checklists/", views.checklists, name="checklists"),
    path("businesses/<id:pk>/staff/", views.staff, name="staff"),
    path("businesses/<id:pk>/staff/import/", views.staff_import, name="staff_import"),
    path("findings/<id:pk>/photo/", views.photo, name="photo"),
    path("<id:pk>/", views.inspection_detail, name="inspection"),
    path("<id:pk>/pdf/", views.inspection_pdf, name="pdf"),
]
