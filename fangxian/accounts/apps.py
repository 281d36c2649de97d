from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "fangxian.accounts"
    verbose_name = _("Staff and audit")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_login_failed
        from django.urls import register_converter

        from .audit import login_failed
        from .converters import IdConverter
        from .models import ApiToken, Role, version_follows

        version_follows(Role, ApiToken, get_user_model())
        user_login_failed.connect(login_failed, dispatch_uid="fangxian-login-failed")
        register_converter(IdConverter, "id")
