from django.urls import path

from . import views

app_name = "watch"
urlpatterns = [
    path("observations/", views.observation_list, name="observations"),
    path("observations/start/<id:resident_id>/", views.start_observation, name="start"),
    path("observations/<id:pk>/", views.observation_detail, name="observation"),
    path("observations/<id:pk>/report/", views.add_report, name="report"),
    path("observations/<id:pk>/extend/", views.extend, name="extend"),
    path("observations/<id:pk>/release/", views.release_observation, name="release"),
    path("observations/<id:pk>/notice.pdf", views.release_notice, name="notice"),
    path("r/<str:token>/", views.self_report, name="self_report"),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/<id:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<id:pk>/close/", views.campaign_close, name="campaign_close"),
    path("campaigns/<id:pk>/assign/", views.campaign_assign, name="campaign_assign"),
    path("campaigns/<id:pk>/walk/", views.campaign_walk, name="walk"),
    path("map/", views.epidemic_map, name="map"),
    path("map/<id:pk>/", views.epidemic_map, name="community_map"),
    path("map/<id:pk>/print.pdf", views.map_pdf, name="map_pdf"),
    path("map/buildings/<id:pk>/", views.building_map, name="building_map"),
    path("evening/", views.evening_numbers, name="evening"),
]
