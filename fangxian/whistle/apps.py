from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WhistleConfig(AppConfig):
    name = "fangxian.whistle"
    verbose_name = _("Whistle")
