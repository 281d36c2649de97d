from django.urls import path

from . import views

app_name = "places"
urlpatterns = [
    path("", views.communities, name="communities"),
    path("communities/<id:pk>/", views.community, name="community"),
    path("buildings/<id:pk>/", views.building, name="building"),
    path("buildings/<id:pk>/edit/", views.building_edit, name="building_edit"),
    path("dwellings/", views.dwellings, name="dwellings"),
    path("businesses/", views.businesses, name="businesses"),
]
