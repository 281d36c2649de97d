from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "fangxian.casework"
    verbose_name = _("Casework")

    def ready(self):
        from fangxian.people import retention

        from .retention import purge_cases

        retention.register(purge_cases)
