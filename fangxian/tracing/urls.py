from django.urls import path

from . import views

app_name = "tracing"
urlpatterns = [
    path("", views.trace_list, name="list"),
    path("new/", views.new_trace, name="new"),
    path("<id:pk>/", views.trace_page, name="trace"),
    path("<id:pk>/run/", views.run_trace, name="run"),
    path("<id:pk>/observe/", views.observe, name="observe"),
    path("<id:pk>/export/", views.export, name="export"),
]
