from django.urls import path

from . import views

app_name = "watch"
urlpatterns = [
    path("observations/", views.observation_list, name="observations"),
    path("observations/start/<int:resident_id>/", views.start_observation, name="start"),
    path("observations/<int:pk>/release/", views.release_observation, name="release"),
]
