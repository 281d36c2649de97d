from django.urls import path

from . import hotline_views as views

app_name = "hotline"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("<id:pk>/", views.preview, name="preview"),
    path("<id:pk>/confirm/", views.confirm, name="confirm"),
    path("<id:pk>/errors.xlsx", views.errors, name="errors"),
    path("template.xlsx", views.template, name="template"),
    path("export.xlsx", views.export, name="export"),
]
