from django.contrib import admin
from django.urls import include, path

from . import views
from .api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("fangxian.accounts.urls")),
    path("places/", include("fangxian.places.urls")),
    path("people/", include("fangxian.people.urls")),
    path("gate/sw.js", views.service_worker, {"scope": "gate"}, name="gate_service_worker"),
    path("watch/sw.js", views.service_worker, {"scope": "watch"}, name="watch_service_worker"),
    path("errands/sw.js", views.service_worker, {"scope": "errands"}, name="errands_service_worker"),
    path("inspections/sw.js", views.service_worker, {"scope": "inspections"}, name="inspections_service_worker"),
    path("testing/table/sw.js", views.service_worker, {"scope": "testing/table"}, name="testing_table_service_worker"),
    path("gate/", include("fangxian.gate.urls")),
    path("watch/", include("fangxian.watch.urls")),
    path("duty/", include("fangxian.duty.urls")),
    path("supplies/", include("fangxian.supplies.urls")),
    path("kits/", include("fangxian.kits.urls")),
    path("stations/", include("fangxian.stations.urls")),
    path("errands/", include("fangxian.errands.urls")),
    path("casework/", include("fangxian.casework.urls")),
    path("jobs/", include("fangxian.jobs.urls")),
    path("casework/hotline/", include("fangxian.casework.hotline_urls")),
    path("open311/v2/", include("fangxian.casework.open311")),
    path("whistle/", include("fangxian.whistle.urls")),
    path("inspections/", include("fangxian.inspections.urls")),
    path("testing/", include("fangxian.testing.urls")),
    path("tracing/", include("fangxian.tracing.urls")),
    path("daily-reports/", include("fangxian.reports.urls")),
    path("h/", include("fangxian.households.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
