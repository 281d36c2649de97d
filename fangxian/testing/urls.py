from django.urls import include, path

app_name = "testing"
urlpatterns: list = [
    path("", include("fangxian.testing.table_urls")),
]
