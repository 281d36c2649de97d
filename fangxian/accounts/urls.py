from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", views.audit_log, name="audit"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/roles/<id:pk>/remove/", views.revoke_role, name="revoke_role"),
    path("staff/users/<id:pk>/deactivate/", views.deactivate_user, name="deactivate_user"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<id:pk>/revoke/", views.revoke_token, name="revoke_token"),
]
