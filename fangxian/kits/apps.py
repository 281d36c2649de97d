from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KitsConfig(AppConfig):
    name = "fangxian.kits"
    verbose_name = _("Emergency kits")

    def ready(self):
        from fangxian.people import retention

        from .retention import purge_kits

        retention.register(purge_kits)
