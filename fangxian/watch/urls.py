from django.urls import path

from . import views

app_name = "watch"
urlpatterns = [
    path("observations/", views.observation_list, name="observations"),
    path("observations/start/<int:resident_id>/", views.start_observation, name="start"),
    path("observations/<int:pk>/", views.observation_detail, name="observation"),
    path("observations/<int:pk>/report/", views.add_report, name="report"),
    path("observations/<int:pk>/extend/", views.extend, name="extend"),
    path("observations/<int:pk>/release/", views.release_observation, name="release"),
    path("observations/<int:pk>/notice.pdf", views.release_notice, name="notice"),
    path("r/<str:token>/", views.self_report, name="self_report"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/close/", views.campaign_close, name="campaign_close"),
    path("campaigns/<int:pk>/assign/", views.campaign_assign, name="campaign_assign"),
    path("campaigns/<int:pk>/walk/", views.campaign_walk, name="walk"),
    path("map/", views.epidemic_map, name="map"),
    path("map/<int:pk>/", views.epidemic_map, name="community_map"),
    path("map/<int:pk>/print.pdf", views.map_pdf, name="map_pdf"),
    path("map/buildings/<int:pk>/", views.building_map, name="building_map"),
    path("evening/", views.evening_numbers, name="evening"),
]
