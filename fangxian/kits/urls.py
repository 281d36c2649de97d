from django.urls import path

from . import views

app_name = "kits"
urlpatterns = [
    path("", views.distributions, name="distributions"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("new/", views.create, name="create"),
    path("<id:pk>/", views.distribution_detail, name="distribution"),
    path("<id:pk>/close/", views.close, name="close"),
    path("<id:pk>/reopen/", views.reopen, name="reopen"),
    path("recipients/<id:pk>/", views.hand_over, name="hand_over"),
    path("recipients/<id:pk>/leave-out/", views.leave_out, name="leave_out"),
    path("recipients/<id:pk>/proof/", views.proof, name="proof"),
]
