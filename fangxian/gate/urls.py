from django.urls import path

from . import views

app_name = "gate"
urlpatterns = [
    path("", views.gates, name="gates"),
    path("manage/", views.manage_gates, name="manage"),
    path("records/", views.records, name="records"),
    path("fevers/", views.fever_alerts, name="fevers"),
    path("manage/new/", views.edit_gate, name="gate_new"),
    path("manage/<id:pk>/", views.edit_gate, name="gate_edit"),
    path("trust/", views.trust_list, name="trust"),
    path("trust/<id:pk>/<str:action>/", views.trust_action, name="trust_action"),
    path("<id:pk>/", views.scan_page, name="scan"),
    path("permits/<id:pk>/photo/", views.permit_photo, name="permit_photo"),
    path("permits/", views.permit_list, name="permits"),
    path("permits/issue/", views.issue_bulk, name="issue_bulk"),
    path("residents/<id:pk>/issue/", views.issue_one, name="issue_one"),
    path("permits/<id:pk>/<str:action>/", views.permit_action, name="permit_action"),
    path("permits/print.pdf", views.print_cards, name="print_cards"),
    path("permits/<id:pk>/qr.<str:kind>", views.permit_qr, name="permit_qr"),
]
